/**
 * The base branch moving on, and a PR catching up with it: a commit pushed to
 * the base branch, GitHub's "Update branch" (a real two-parent merge of the base
 * into the head, then `synchronize`), and a hand-made merge pushed by a person,
 * which may smuggle edits in. The REST route (routes/pulls.ts) and people share it.
 */
import { findPull, witness } from './changes.js';
import { ancestors, mergeCommit } from './commit-graph.js';
import type { SandboxContext } from './context.js';
import { pullPayload } from './payloads.js';
import { Refused, type Commit, type PullRequest, type Repository } from './state.js';

/** A commit on the repository's default branch (no PR, no webhook: the app does not follow the base branch). */
export function pushToBase(ctx: SandboxContext, fullName: string, by: string, changes: Record<string, string | null>): string {
  const repo = ctx.state.repo(fullName);
  ctx.clock.tick();
  const commit = ctx.state.commit(repo, changes, repo.branches[repo.defaultBranch], by, `Update ${repo.defaultBranch} from ${by}`);
  repo.branches[repo.defaultBranch] = commit.oid;
  return commit.oid;
}

/** The head moves to `commit` by a push from `by`: the PR's commits and timeline, the ground truth, and the payload of `synchronize`. */
function moveHead(ctx: SandboxContext, repo: Repository, pull: PullRequest, commit: Commit, by: string, committer = by): Record<string, unknown> {
  const before = pull.headSha;
  repo.branches[pull.head] = commit.oid;
  pull.headSha = commit.oid;
  pull.commits.push(commit.oid);
  pull.timeline.push({ __typename: 'PullRequestCommit', at: commit.at, commit: { oid: commit.oid, author: { user: { login: by } }, committer: { user: { login: committer } } } });
  witness(ctx, 'push', repo, pull, by, commit.oid);
  return { action: 'synchronize', number: pull.number, before, after: commit.oid, pull_request: pullPayload(ctx, repo, pull) };
}

/**
 * GitHub's "Update branch": merges the base branch's tip into the head. Refused
 * (422) as GitHub does when `expected_head_sha` is not the head, the PR is closed,
 * the head already holds the base, or the merge conflicts.
 */
export function updateBranch(ctx: SandboxContext, fullName: string, number: number, by: string, expectedHeadSha?: string): { repo: Repository; payload: Record<string, unknown> } {
  const { repo, pull } = findPull(ctx, fullName, number);
  if (pull.state !== 'open') throw new Refused(422, 'Pull request is closed');
  if (expectedHeadSha !== undefined && expectedHeadSha !== pull.headSha) throw new Refused(422, "expected head sha didn't match current head ref.");
  const tip = repo.branches[pull.base]!;
  if (ancestors(repo, pull.headSha).includes(tip)) throw new Refused(422, 'There are no new commits on the base branch.');
  ctx.clock.tick();
  const merge = mergeCommit(ctx.state, repo, pull.headSha, tip, by, `Merge branch '${pull.base}' into ${pull.head}`);
  if (!merge) throw new Refused(422, 'merge conflict between base and head');
  pull.baseSha = tip;
  ctx.truth.baseMerges.set(merge.oid, pull.headSha);
  // GitHub commits a web merge as web-flow, with the person who asked as its author.
  return { repo, payload: moveHead(ctx, repo, pull, merge, by, 'web-flow') };
}

/** A person clicks "Update branch" on the PR, and GitHub sends `synchronize`. */
export async function clickUpdateBranch(ctx: SandboxContext, fullName: string, number: number, by: string): Promise<string> {
  const { repo, payload } = updateBranch(ctx, fullName, number, by);
  await ctx.emit('pull_request', payload, repo, by);
  return payload.after as string;
}

/**
 * A person pushes a merge commit they made themselves: the head and `other` (the
 * base branch's tip unless named) as parents, the clean merge's files with `edits` on top.
 */
export async function pushMerge(ctx: SandboxContext, fullName: string, number: number, by: string, options: { other?: string; edits?: Record<string, string | null> } = {}): Promise<string> {
  const { repo, pull } = findPull(ctx, fullName, number);
  ctx.clock.tick();
  const other = options.other ?? repo.branches[pull.base]!;
  const merge = mergeCommit(ctx.state, repo, pull.headSha, other, by, `Merge ${other.slice(0, 7)} into ${pull.head}`, options.edits);
  if (!merge) throw new Refused(422, 'merge conflict between base and head');
  if (other === repo.branches[pull.base]) pull.baseSha = other;
  const payload = moveHead(ctx, repo, pull, merge, by);
  await ctx.emit('pull_request', payload, repo, by);
  return merge.oid;
}
