/**
 * The run state machine: a fold of time-ordered events (and the timers they
 * imply) over a RunState. This file starts a run and routes events; moving
 * between steps is transitions.ts, and decisions.ts, waits.ts, timers.ts and
 * ledger.ts do the rest. Imports go one way: run → (decisions, waits, timers) →
 * (transitions, ledger, gate). Pure: it reads only its arguments, and the state
 * it mutates is its own.
 */
import { lower } from '../flow/compile.js';
import { iso, type EngineContext } from './effects.js';
import type { Decision, FactEvent, Facts } from './facts.js';
import type { RunState } from './state.js';
import { decide, labelDecision, reassign, type Candidate } from './decisions.js';
import { invalidateOnPush, withdraw } from './votes.js';
import { parseCommand, parseReassign } from './commands.js';
import { callback, checkRunCompleted, waitSatisfied } from './waits.js';
import { fireTimer, nextTimer } from './timers.js';
import { note } from './ledger.js';
import { effectResult, finish, transition } from './transitions.js';


export function startRun(context: EngineContext): RunState {
  const { facts, flow } = context;
  const startedAt = Date.parse(facts.run.started_at);
  const steps: RunState['steps'] = {};
  for (const step of flow.steps) steps[step.id] = { status: 'pending', attempts: 0, outputs: {} };
  return {
    status: 'waiting',
    startedAt,
    begun: false,
    view: initialView(facts),
    steps,
    active: null,
    decisions: [],
    effects: [],
    history: [],
    verdicts: [],
    transitions: 0,
    closesPr: false,
  };
}

/**
 * The labels and head at the first event: the snapshot, with every later change
 * undone. The head is the one the run started on when the shell knows it (the
 * fallback, for facts without it, trusts the first push's `before`).
 */
function initialView(facts: Facts): RunState['view'] {
  const labels = new Set(facts.pr.labels);
  for (let index = facts.events.length - 1; index >= 0; index -= 1) {
    const event = facts.events[index]!;
    if (event.type === 'labeled') labels.delete(event.label);
    else if (event.type === 'unlabeled') labels.add(event.label);
  }
  const firstPush = facts.events.find((event) => event.type === 'push');
  const headSha = facts.run.head_sha ?? (firstPush?.type === 'push' && firstPush.before ? firstPush.before : facts.pr.head_sha);
  return { labels: [...labels], headSha, pushers: [], mergedFrom: [] };
}

export function applyEvent(context: EngineContext, state: RunState, event: FactEvent, at: number): void {
  if (!state.begun && at < state.startedAt) {
    updateView(state, event);
    recordOnly(context, state, event, at);
    return;
  }
  advance(context, state, at);
  updateView(state, event);
  if (event.type === 'effect') {
    effectResult(context, state, event, at);
    return;
  }
  if (state.status !== 'waiting') {
    recordOnly(context, state, event, at);
    return;
  }
  switch (event.type) {
    case 'review':
      if (event.state !== 'commented') decide(context, state, at, reviewCandidate(event));
      return;
    case 'review_dismissed':
      withdraw(state, `review:${event.review_id}`, `withdrawn: review dismissed by ${event.actor}`);
      return;
    case 'comment': {
      const candidate = commentCandidate(context, state, event);
      if (candidate) decide(context, state, at, candidate);
      const handover = parseReassign(event.body);
      if (handover.length === 0) return;
      // An edit can put words in someone else's comment: /reassign counts only as first posted.
      if (event.edited) note(state, at, undefined, `/reassign by ${event.actor} ignored: the comment was edited, and a command counts only as first posted`);
      else reassign(context, state, at, event.actor, handover, event.id);
      return;
    }
    case 'button':
      decide(context, state, at, buttonCandidate(state, event));
      return;
    case 'labeled':
      labelDecision(context, state, at, event.actor, event.label);
      waitSatisfied(context, state, at, (wait) => wait.kind === 'label' && wait.label === event.label, { label: event.label });
      return;
    case 'unlabeled':
      withdraw(state, `label:${event.label}`, `withdrawn: label removed by ${event.actor}`);
      return;
    case 'push':
      invalidateOnPush(context, state, at, event);
      waitSatisfied(context, state, at, (wait) => wait.kind === 'push', { sha: event.sha });
      return;
    case 'check_run':
      checkRunCompleted(context, state, at, event);
      return;
    case 'callback':
      callback(context, state, at, event);
      return;
    case 'closed':
      if (!state.closesPr) finish(state, 'cancelled', at, event.merged ? `merged outside the flow by ${event.actor}` : `the PR was closed by ${event.actor}`);
      return;
    case 'reopened':
      return;
  }
}

/**
 * Outside a run's life what arrives changes nothing, but every decision is still
 * recorded: before it started (its first event failed, and it started later), and
 * after it ended (a finished run is final). decide() says which, as the rule.
 */
function recordOnly(context: EngineContext, state: RunState, event: FactEvent, at: number): void {
  switch (event.type) {
    case 'review':
      if (event.state !== 'commented') decide(context, state, at, reviewCandidate(event));
      return;
    case 'comment': {
      const candidate = commentCandidate(context, state, event);
      if (candidate) decide(context, state, at, candidate);
      return;
    }
    case 'button':
      decide(context, state, at, buttonCandidate(state, event));
      return;
    case 'labeled':
      labelDecision(context, state, at, event.actor, event.label);
      return;
    case 'callback':
      callback(context, state, at, event);
      return;
    default:
      return;
  }
}

/**
 * `review:<id>` and `comment:<id>`, by id: a function of the id alone, kept so that every
 * evaluation of a PR shares one string per decision (in its record, verdict and vote) instead
 * of building it again. Bounded per kind; past REF_MEMO ids, afresh.
 */
export const REF_MEMO = 20_000;
const reviewRefs = new Map<string, string>();
const commentRefs = new Map<string, string>();

export function refOf(kind: 'review' | 'comment', id: string): string {
  const memo = kind === 'review' ? reviewRefs : commentRefs;
  let ref = memo.get(id);
  if (ref === undefined) {
    if (memo.size >= REF_MEMO) memo.clear();
    memo.set(id, (ref = `${kind}:${id}`));
  }
  return ref;
}

/** How many refs of a kind are kept (for tests). */
export function refMemoSize(kind: 'review' | 'comment'): number {
  return (kind === 'review' ? reviewRefs : commentRefs).size;
}

function reviewCandidate(event: Extract<FactEvent, { type: 'review' }>): Candidate {
  const decision: Decision = event.state === 'approved' ? 'approve' : 'decline';
  const ref = refOf('review', event.id);
  const candidate: Candidate = { actor: event.actor, decision, source: 'review', sha: event.sha, ref, withdrawnBy: ref };
  if (event.body) candidate.reason = event.body;
  return candidate;
}

/** A comment's decision: its command as first posted, or the verdict already given on it (an edit changes neither). */
function commentCandidate(context: EngineContext, state: RunState, event: Extract<FactEvent, { type: 'comment' }>): Candidate | undefined {
  const command = parseCommand(event.body);
  // Most comments carry no command and have no verdict: they cost no allocation.
  if (command === undefined && context.verdicts.size === 0) return undefined;
  const ref = refOf('comment', event.id);
  const judged = context.verdicts.get(ref)?.[0];
  const decision = judged?.decision ?? command?.decision;
  if (decision === undefined) return undefined;
  const reason = command?.decision === decision ? command.reason : undefined;
  const candidate: Candidate = { actor: event.actor, decision, source: 'comment', sha: state.view.headSha, ref };
  if (reason !== undefined) candidate.reason = reason;
  if (event.edited) candidate.edited = true;
  if (event.deleted) candidate.deleted = true;
  return candidate;
}

/** A button binds to the commit of the check run clicked, when the shell knows it. */
function buttonCandidate(state: RunState, event: Extract<FactEvent, { type: 'button' }>): Candidate {
  return {
    actor: event.actor,
    decision: event.action,
    source: 'button',
    sha: event.sha ?? state.view.headSha,
    ...(event.reason !== undefined ? { reason: event.reason } : {}),
    ...(event.step !== undefined ? { step: event.step } : {}),
    ref: `button:${event.actor}:${iso(Date.parse(event.at))}`,
  };
}

/** Fires every timer due at or before `until`, in time order. */
export function advance(context: EngineContext, state: RunState, until: number): void {
  if (!state.begun && until >= state.startedAt) begin(context, state);
  for (let timer = nextTimer(context, state, until); timer && state.status === 'waiting'; timer = nextTimer(context, state, until)) {
    fireTimer(context, state, timer);
  }
}

function begin(context: EngineContext, state: RunState): void {
  state.begun = true;
  if (context.facts.run.head_sha !== undefined) state.view.headSha = context.facts.run.head_sha;
  note(state, state.startedAt, undefined, `run started (flow ${context.flow.name})`);
  transition(context, state, context.flow.steps[0]!.id, state.startedAt);
}

function updateView(state: RunState, event: FactEvent): void {
  if (event.type === 'labeled' && !state.view.labels.includes(event.label)) state.view.labels.push(event.label);
  if (event.type === 'unlabeled') state.view.labels = state.view.labels.filter((label) => label !== event.label);
  if (event.type === 'push') {
    // Only a proven merge of the base branch into the head just left carries its decisions on; anything else ends the chain.
    const onlyMerged = event.base_merge !== undefined && 'merged' in event.base_merge && event.before === state.view.headSha && event.sha !== event.before;
    state.view.mergedFrom = onlyMerged ? [...state.view.mergedFrom, state.view.headSha] : [];
    state.view.headSha = event.sha;
    const pusher = event.actor === undefined ? undefined : lower(event.actor);
    if (pusher !== undefined && !state.view.pushers.includes(pusher)) state.view.pushers.push(pusher);
  }
}
