/**
 * The run state the engine folds events into, and the evaluation it reports.
 * Everything here is plain JSON: a state can be stored and resumed, and two
 * evaluations can be compared with deep equality.
 */
import type { Decision, Verdict } from './facts.js';

export type RunStatus = 'waiting' | 'succeeded' | 'declined' | 'failed' | 'cancelled';
export type StepStatus = 'pending' | 'active' | 'routed' | 'done' | 'approved' | 'declined' | 'timed_out' | 'failed';
export type DecisionSourceName = 'review' | 'label' | 'comment' | 'button' | 'callback' | 'timeout';

export interface DecisionRecord {
  step: string;
  /** The gate's name: the step id, or the branch of a parallel step. */
  gate: string;
  attempt: number;
  actor: string;
  decision: Decision;
  reason?: string;
  source: DecisionSourceName;
  sha: string;
  at: string;
  counted: boolean;
  status: 'counted' | 'ignored' | 'invalidated' | 'withdrawn';
  /** The rule that decided, e.g. `counted: member of acme/managers`. */
  rule: string;
  /** The decision's identity (see Verdict); absent for timeouts. */
  ref?: string;
}

export type EffectBody =
  | { type: 'comment'; body: string }
  | { type: 'label'; labels: string[] }
  | { type: 'unlabel'; labels: string[] }
  /** Teams as `org/team-slug`. */
  | { type: 'request_reviewers'; users: string[]; teams: string[] }
  | { type: 'merge'; method: 'merge' | 'squash' | 'rebase'; sha: string; commit_title?: string; commit_message?: string }
  | { type: 'close' }
  | { type: 'dispatch_workflow'; workflow: string; ref: string; inputs: Record<string, string> }
  | { type: 'repository_dispatch'; event_type: string; client_payload: Record<string, unknown> }
  | { type: 'webhook'; connection: string; body: Record<string, unknown> }
  /** `decide`: the gate a chat message's Approve and Decline links are for. */
  | { type: 'notify'; users: string[]; teams: string[]; connection?: string; message: string; decide?: { step: string; attempt: number } };

export type Effect = EffectBody & {
  /** Stable across evaluations: the shell applies each key at most once. */
  key: string;
  step: string;
  attempt: number;
  /** When the engine decided on it. */
  at: string;
  /** Why: the action, escalation or rule that produced it. */
  cause: string;
  /** What produced it; a failed `action` effect fails its step. */
  origin: 'action' | 'gate' | 'wait' | 'escalation' | 'refusal';
  status: 'pending' | 'applied' | 'failed';
  error?: string;
};

export interface HistoryEntry {
  at: string;
  step?: string;
  text: string;
}

export interface Vote {
  decision: Decision;
  at: number;
  /** What withdraws it: `review:<id>` or `label:<name>`. */
  ref?: string;
  record: number;
  /** For `per_team` gates: the teams whose share this vote fills, fixed when it was first judged. */
  teams?: readonly string[];
}

export interface GateState {
  status: 'open' | 'approved' | 'declined';
  votes: Record<string, Vote>;
  /** How many of `votes` approve; kept by castVote and dropVote. */
  approvals: number;
  addedUsers: string[];
  addedTeams: string[];
  /** People a gate was handed to with /reassign, and by whom. */
  handovers: Record<string, string>;
  /** Per escalation rung, how many times it has fired. */
  fired: number[];
  deadlinePassed: boolean;
}

export interface ActiveStep {
  step: string;
  attempt: number;
  since: number;
  gates: Record<string, GateState>;
}

export interface StepState {
  status: StepStatus;
  attempts: number;
  started_at?: string;
  ended_at?: string;
  outputs: Record<string, unknown>;
}

export interface RunState {
  status: RunStatus;
  reason?: string;
  startedAt: number;
  endedAt?: number;
  /** Whether the first step has been entered (events before the start only move the view). */
  begun: boolean;
  /**
   * The PR as it is at the moment being processed; `pushers` are the logins that pushed to it so far.
   * `mergedFrom`: the earlier heads the head only merged the base branch into since, by pushes the
   * shell proved so, oldest first (empty after any other push): a decision on one of them binds to
   * the head for gates with `keep_on_base_merge`.
   */
  view: { labels: string[]; headSha: string; pushers: string[]; mergedFrom: string[] };
  steps: Record<string, StepState>;
  active: ActiveStep | null;
  decisions: DecisionRecord[];
  effects: Effect[];
  history: HistoryEntry[];
  approvedSha?: string;
  /** The gate step whose approval set `approvedSha`: where a merge the head moved past goes back to. */
  approvedStep?: string;
  /** How the last gate or wait ended badly, to tell a declined run from a failed one. */
  lastSetback?: 'declined' | 'failed';
  /** The last gate that closed on its deadline, to explain late decisions. */
  lastDeadline?: { step: string; gate: string; attempt: number; at: number; rule: string };
  /** The last gate step entered, so decisions that arrive after it closed are recorded against it. */
  lastGate?: { step: string; gate: string; attempt: number };
  /** Verdicts given in this evaluation, for decisions no stored verdict covered. */
  verdicts: Verdict[];
  transitions: number;
  /** The run itself asked to merge or close the PR, so a `closed` event is expected. */
  closesPr: boolean;
}

export interface Awaiting {
  step: string;
  gate?: string;
  kind: 'approval' | 'callback' | 'check_run' | 'label' | 'push' | 'time';
  /** For approvals: how many more approvals are needed, and who may give them. */
  need?: number;
  have?: number;
  approvers?: string;
  /** For callbacks: the token id the shell signs. */
  token_id?: string;
  name?: string;
  deadline?: string;
}

export interface Evaluation {
  run: {
    id: string;
    flow: string;
    status: RunStatus;
    reason?: string;
    started_at: string;
    ended_at?: string;
    /** The steps (or `step/gate` for parallel gates) the run is waiting in. */
    current: string[];
    waiting_on: Awaiting[];
    /** The next time a timer fires; the sweep re-evaluates the run then. */
    next_deadline?: string;
    approved_sha?: string;
  };
  steps: ({ id: string; name: string; kind: string } & StepState)[];
  decisions: DecisionRecord[];
  effects: Effect[];
  history: HistoryEntry[];
  /** Every first judgement of a decision, the stored ones included: the shell keeps them. */
  verdicts: Verdict[];
}
