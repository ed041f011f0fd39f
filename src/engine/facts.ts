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
  | { type: 'comment'; at: string; actor: string; id: string; body: string }
  | { type: 'push'; at: string; sha: string; before?: string; actor?: string }
  | { type: 'button'; at: string; actor: string; action: Decision; step?: string; reason?: string }
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
    }
  | { type: 'check_run'; at: string; name: string; conclusion: string; sha: string; url?: string }
  | { type: 'effect'; at: string; key: string; ok: boolean; error?: string; detail?: string }
  | { type: 'closed'; at: string; actor: string; merged: boolean }
  | { type: 'reopened'; at: string; actor: string };

export type FactEventType = FactEvent['type'];

export interface Facts {
  repo: { owner: string; name: string; url?: string };
  /** The run being evaluated: its id (stable across evaluations) and when it started. */
  run: { id: string; started_at: string; url?: string };
  pr: PullRequestSnapshot;
  /** In time order; events at equal times keep their order. */
  events: FactEvent[];
}
