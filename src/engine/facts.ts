/**
 * Facts: everything the engine may know about a pull request. The GitHub shell
 * gathers them; the simulator builds them from a scenario; tests build them by
 * hand. Times are ISO 8601 strings.
 */
import type { Permission } from '../flow/schema.js';

export interface ChangedFile {
  path: string;
  additions: number;
  deletions: number;
}

export interface PullRequestSnapshot {
  number: number;
  title: string;
  body: string;
  url?: string;
  author: string;
  /** GitHub's account type of the author; bots are also recognised by a `[bot]` suffix. */
  author_type?: 'User' | 'Bot';
  base: string;
  head: string;
  /** The head commit now. */
  head_sha: string;
  draft: boolean;
  /** Labels now; the engine works out earlier label sets from the label events. */
  labels: string[];
  files: ChangedFile[];
  /** Logins of everyone who authored or committed a commit of the PR. */
  committers: string[];
  /** Members of the teams that flows name, by `org/team-slug`. */
  teams: Record<string, string[]>;
  /** Repository permission of the people involved, by login. */
  permissions: Record<string, Permission | 'read' | 'none'>;
  /** The CODEOWNERS file of the base branch, if any. */
  codeowners?: string | null;
  /** Extra logins to treat as bots (service accounts without the `[bot]` suffix). */
  bots?: string[];
}

export type Decision = 'approve' | 'decline';

export type FactEvent =
  | { type: 'review'; at: string; actor: string; id: string; state: 'approved' | 'changes_requested' | 'commented'; sha: string; body?: string }
  | { type: 'review_dismissed'; at: string; actor: string; review_id: string }
  | { type: 'labeled'; at: string; actor: string; label: string }
  | { type: 'unlabeled'; at: string; actor: string; label: string }
  /**
   * `edited`: GitHub says the body was changed after it was posted; a command counts only as first posted.
   * `deleted`: a comment a stored verdict names is gone (the engine adds these itself).
   */
  | { type: 'comment'; at: string; actor: string; id: string; body: string; edited?: boolean; deleted?: boolean }
  /**
   * The head moved to `sha`. `at` is never earlier than the moment it really
   * moved: a time GitHub or the app witnessed, not a commit date (see docs/engine.md).
   */
  | { type: 'push'; at: string; sha: string; before?: string; actor?: string; base_merge?: BaseMergeCheck }
  /** `sha`: the commit of the check run whose button was clicked; the decision binds to it. */
  | { type: 'button'; at: string; actor: string; action: Decision; step?: string; reason?: string; sha?: string }
  | {
      type: 'callback';
      at: string;
      step: string;
      attempt: number;
      /** The GitHub user a signed identity maps to, when the callback carries a decision. */
      actor?: string;
      decision?: Decision;
      result?: 'success' | 'failure';
      reason?: string;
      summary?: string;
      outputs?: Record<string, string | number | boolean>;
      links?: { title: string; url: string }[];
      /** The shell refused it, with this answer (e.g. `409: the run has ended`): recorded for the history; it changes nothing. */
      refused?: string;
    }
  /** `app`: the GitHub App that reported it. */
  | { type: 'check_run'; at: string; name: string; conclusion: string; sha: string; url?: string; app?: { id: number; slug?: string } }
  /**
   * An effect's result. `pending`: no result yet, a fault stopped the event (a timeout, a lost
   * answer, a rate limit); `error` says what happened. It goes in the history and changes nothing:
   * the effect stays pending.
   */
  | { type: 'effect'; at: string; key: string; ok: boolean; error?: string; detail?: string; pending?: boolean }
  | { type: 'closed'; at: string; actor: string; merged: boolean }
  | { type: 'reopened'; at: string; actor: string };

export type FactEventType = FactEvent['type'];

/**
 * What the shell proved of a push from GitHub's facts (see github/facts/base-merge.ts).
 * `merged`: the new head is a merge of `before` and `merged`, a commit of the base
 * branch `branch`, and brings in no change of the PR's own. `refused`: not proven,
 * and why (not a merge, an edit in the merge, a fact GitHub did not give). Absent:
 * not checked, which is a push like any other.
 */
export type BaseMergeCheck = { merged: string; branch: string } | { refused: string };

export interface Facts {
  repo: { owner: string; name: string; url?: string };
  /** The run being evaluated: its id (stable across evaluations) and when it started. */
  run: { id: string; started_at: string; url?: string; /** The PR's head when the run started. */ head_sha?: string };
  pr: PullRequestSnapshot;
  /** In time order; events at equal times keep their order. */
  events: FactEvent[];
  /** Verdicts already given on decisions, kept by the shell: a decision is judged once, when first seen. */
  verdicts?: Verdict[];
}

/**
 * The first judgement of a decision, fixed for good: later facts (a team change,
 * an edit) never turn an ignored decision into a counted one, or back.
 * `ref` names the decision, from facts that do not change when it is re-read:
 * `review:<id>`, `comment:<id>`, `label:<name>:<actor>:<at>`, `button:<actor>:<at>`,
 * and `callback:<step>:<attempt>:<actor or ->:<at>` (times as ISO 8601 with
 * milliseconds, actors as given). A decision counted in several parallel gates
 * has one verdict per gate; `step`, `gate` and `attempt` are where it was judged.
 */
export interface Verdict {
  ref: string;
  step: string;
  gate: string;
  attempt: number;
  decision: Decision;
  counted: boolean;
  rule: string;
  at: string;
  /** The reason as first judged: an edit of the comment or review later does not change what is shown. */
  reason?: string;
  /**
   * For a counted approval on a `per_team` gate: the gate's teams the approver was a
   * member of when judged, which are the shares it fills for good.
   */
  teams?: string[];
}
