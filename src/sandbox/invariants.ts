/**
 * The proof's judge: reads the sandbox's GitHub as it ended and its ground
 * truth, never the app's record, and counts what the issue promises:
 *
 * - unapproved merges: a merge whose commit lacked the approvals the gate
 *   requires, counting only decisions people made while that commit was the
 *   head (first-posted commands; edits are not decisions);
 * - duplicated effects: the app's comments posted twice with the same text, more
 *   than one sticky comment, more than one check run of one flow on one commit,
 *   a merge asked for again after the PR was merged;
 * - decisions lost: a person's valid decision that no check run of the app shows;
 * - runs in the correct final state: the PR merged or not as the ground truth
 *   says it should be, with the flow's check run on the final head showing it.
 */
import type { PersonAction } from './ground-truth.js';
import type { Sandbox } from './sandbox.js';

export interface Gate {
  /** Who may approve (logins, lower case); the PR's author never counts. */
  approvers: readonly string[];
  /** How many distinct approvals one commit needs. */
  count: number;
  /** The check run's name, `Flowgate: <flow>`. */
  checkName: string;
  approveLabel?: string;
  declineLabel?: string;
}

export type Expected = 'merged' | 'waiting' | 'declined';

export interface Tally {
  runs: number;
  correct: number;
  duplicated: number;
  lost: number;
  unapproved: number;
  crashes: number;
  /** One line per problem found, for the report. */
  notes: string[];
}

export const emptyTally = (): Tally => ({ runs: 0, correct: 0, duplicated: 0, lost: 0, unapproved: 0, crashes: 0, notes: [] });

export function addTally(into: Tally, from: Tally): Tally {
  into.runs += from.runs;
  into.correct += from.correct;
  into.duplicated += from.duplicated;
  into.lost += from.lost;
  into.unapproved += from.unapproved;
  into.crashes += from.crashes;
  into.notes.push(...from.notes);
  return into;
}

type Verdict = 'approve' | 'decline';

/** What a person's action decides, as GitHub shows it to everyone: the first-posted command, the review, the label, the button. */
export function decisionOf(action: PersonAction, gate: Gate): Verdict | undefined {
  switch (action.kind) {
    case 'review':
      return action.detail === 'approved' ? 'approve' : action.detail === 'changes_requested' ? 'decline' : undefined;
    case 'comment':
      return /^\s*\/approve\b/m.test(action.detail) ? 'approve' : /^\s*\/decline\b/m.test(action.detail) ? 'decline' : undefined;
    case 'label':
      return action.detail === (gate.approveLabel ?? 'flowgate:approve') ? 'approve' : action.detail === (gate.declineLabel ?? 'flowgate:decline') ? 'decline' : undefined;
    case 'button':
      return action.detail === 'approve' || action.detail === 'decline' ? action.detail : undefined;
    default:
      return undefined;
  }
}

/** Distinct eligible approvers whose latest decision made on `sha`, before `beforeSeq`, is an approval. */
export function approvalsOn(actions: readonly PersonAction[], sha: string, gate: Gate, author: string, beforeSeq = Infinity, sameChange: ReadonlySet<string> = new Set([sha])): string[] {
  const latest = new Map<string, Verdict>();
  for (const action of actions) {
    // A decision on a head that "Update branch" merges only carried past counts for the merge (keep_on_base_merge).
    if (action.seq >= beforeSeq || (action.head !== sha && !sameChange.has(action.head))) continue;
    const actor = action.actor.toLowerCase();
    if (actor === author.toLowerCase() || !gate.approvers.includes(actor)) continue;
    const verdict = decisionOf(action, gate);
    if (verdict) latest.set(actor, verdict);
  }
  return [...latest].filter(([, verdict]) => verdict === 'approve').map(([actor]) => actor);
}

/** The outcome the ground truth calls for: merged once the head holds enough approvals, declined on a counted decline. */
export function expectedOutcome(sandbox: Sandbox, repo: string, number: number, gate: Gate): Expected {
  const pull = sandbox.pullRequest(repo, number);
  const { actions } = sandbox.truth.on(repo, number);
  const head = pull.merged ? (sandbox.truth.on(repo, number).merges[0]?.sha ?? pull.headSha) : pull.headSha;
  if (approvalsOn(actions, head, gate, pull.author, Infinity, sandbox.truth.sameChange(head)).length >= gate.count) return 'merged';
  const declined = actions.some((action) => action.head === head && action.actor.toLowerCase() !== pull.author.toLowerCase() && gate.approvers.includes(action.actor.toLowerCase()) && decisionOf(action, gate) === 'decline');
  return declined ? 'declined' : 'waiting';
}

/** Judges one PR. `expected` defaults to what the ground truth calls for. */
export function judgePull(sandbox: Sandbox, repo: string, number: number, gate: Gate, expected: Expected = expectedOutcome(sandbox, repo, number, gate)): Tally {
  const tally = emptyTally();
  tally.runs = 1;
  const where = `${repo}#${number}`;
  const pull = sandbox.pullRequest(repo, number);
  const { actions, merges } = sandbox.truth.on(repo, number);

  for (const merge of merges) {
    const approvers = approvalsOn(actions, merge.sha, gate, pull.author, merge.seq, sandbox.truth.sameChange(merge.sha));
    if (approvers.length < gate.count) {
      tally.unapproved += 1;
      tally.notes.push(`${where}: UNAPPROVED MERGE of ${merge.sha.slice(0, 7)} with ${approvers.length} of ${gate.count} approvals on it`);
    }
  }

  const app = sandbox.appLogin;
  const comments = pull.comments.filter((comment) => comment.user === app);
  const sticky = comments.filter((comment) => comment.body.startsWith('<!-- flowgate:sticky'));
  if (sticky.length > 1) {
    tally.duplicated += sticky.length - 1;
    tally.notes.push(`${where}: ${sticky.length} sticky comments`);
  }
  const bodies = new Map<string, number>();
  for (const comment of comments) if (!comment.body.startsWith('<!-- flowgate:sticky')) bodies.set(comment.body, (bodies.get(comment.body) ?? 0) + 1);
  for (const [body, count] of bodies) {
    if (count < 2) continue;
    tally.duplicated += count - 1;
    tally.notes.push(`${where}: the comment "${body.split('\n')[0]!.slice(0, 60)}" posted ${count} times`);
  }
  const runs = [...sandbox.state.checkRuns.values()].filter((run) => run.app_id === sandbox.appId && pull.commits.includes(run.head_sha) && run.name === gate.checkName);
  const perCommit = new Map<string, number>();
  for (const run of runs) perCommit.set(run.head_sha, (perCommit.get(run.head_sha) ?? 0) + 1);
  for (const [sha, count] of perCommit) {
    if (count < 2) continue;
    tally.duplicated += count - 1;
    tally.notes.push(`${where}: ${count} check runs "${gate.checkName}" on ${sha.slice(0, 7)}`);
  }
  const mergePath = new RegExp(`^/repos/${repo}/pulls/${number}/merge$`, 'i');
  const mergedFirst = merges[0];
  if (mergedFirst) {
    const again = sandbox.responses.filter((response) => response.method === 'PUT' && mergePath.test(response.path) && response.status === 405).length;
    if (again > 0) {
      tally.duplicated += again;
      tally.notes.push(`${where}: merge asked for ${again} more time(s) after the PR was merged`);
    }
  }

  // Decisions lost: each valid decision must show in the decisions table of some check run of the flow on the PR.
  const shown = runs.map((run) => run.output.summary ?? '').join('\n');
  for (const action of actions) {
    const verdict = decisionOf(action, gate);
    const actor = action.actor.toLowerCase();
    if (!verdict || actor === pull.author.toLowerCase() || !gate.approvers.includes(actor)) continue;
    if (mergedFirst && action.seq > mergedFirst.seq) continue;
    const row = new RegExp(`\\|\\s*@?${escape(action.actor)}\\s*\\|\\s*${verdict}`, 'i');
    if (!row.test(shown)) {
      tally.lost += 1;
      tally.notes.push(`${where}: ${action.actor}'s ${verdict} (${action.kind}) shows in no check run`);
    }
  }

  const head = pull.merged ? (mergedFirst?.sha ?? pull.headSha) : pull.headSha;
  const onHead = runs.filter((run) => run.head_sha === head);
  const want = { merged: ['completed', 'success'], waiting: ['in_progress', null], declined: ['completed', 'failure'] }[expected];
  const stateRight = expected === 'merged' ? pull.merged : !pull.merged;
  const runRight = onHead.length === 1 && onHead[0]!.status === want[0] && onHead[0]!.conclusion === want[1];
  if (stateRight && runRight) tally.correct = 1;
  else {
    const shows = onHead.map((run) => `${run.status}/${run.conclusion ?? '-'} "${run.output.title ?? ''}"`).join(', ') || 'no check run';
    tally.notes.push(`${where}: expected ${expected}; the PR is ${pull.merged ? 'merged' : pull.state}, its head shows ${shows}`);
  }
  return tally;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
