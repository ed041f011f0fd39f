/**
 * The sandbox's commits as a graph, as git sees it: parents (a merge has two),
 * ancestry, the merge base of two commits, GitHub's three-dot compare, and a
 * three-way merge of trees, so "Update branch" makes the merge GitHub would.
 */
import type { GitHubState, Repository } from './state.js';
import { diffTrees, type Commit } from './state.js';

export const parentsOf = (commit: Commit): string[] => [commit.parent, commit.merged].filter((oid): oid is string => oid !== undefined);

/** Every commit reachable from `oid`, itself included, nearest first. */
export function ancestors(repo: Repository, oid: string): string[] {
  const seen = new Set<string>();
  const queue = [oid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    const commit = repo.commits.get(next);
    if (!commit) continue;
    seen.add(next);
    queue.push(...parentsOf(commit));
  }
  return [...seen];
}

/** A best common ancestor of two commits: common, and no ancestor of another common one. */
export function mergeBase(repo: Repository, a: string, b: string): string | undefined {
  const ofA = new Set(ancestors(repo, a));
  const common = ancestors(repo, b).filter((oid) => ofA.has(oid));
  const below = new Set(common.flatMap((oid) => ancestors(repo, oid).filter((ancestor) => ancestor !== oid)));
  return common.find((oid) => !below.has(oid));
}

export interface Comparison {
  status: 'identical' | 'ahead' | 'behind' | 'diverged';
  aheadBy: number;
  behindBy: number;
  mergeBase: Commit;
  /** Commits of `head` that `base` lacks, oldest first. */
  commits: Commit[];
  files: ReturnType<typeof diffTrees>;
}

/** GitHub's `base...head`: the files `head` changed since the merge base, and how the two stand. */
export function compareCommits(repo: Repository, base: Commit, head: Commit): Comparison | undefined {
  const baseOid = mergeBase(repo, base.oid, head.oid);
  if (baseOid === undefined) return undefined;
  const ofBase = new Set(ancestors(repo, base.oid));
  const ofHead = new Set(ancestors(repo, head.oid));
  const ahead = [...ofHead].filter((oid) => !ofBase.has(oid));
  const behind = [...ofBase].filter((oid) => !ofHead.has(oid));
  const status = ahead.length === 0 ? (behind.length === 0 ? 'identical' : 'behind') : behind.length === 0 ? 'ahead' : 'diverged';
  const commits = ahead.map((oid) => repo.commits.get(oid)!).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const mergeBaseCommit = repo.commits.get(baseOid)!;
  return { status, aheadBy: ahead.length, behindBy: behind.length, mergeBase: mergeBaseCommit, commits, files: diffTrees(mergeBaseCommit.tree, head.tree) };
}

/** The three-way merge of two trees, path by path, and the paths both sides changed differently (conflicts, left as ours). */
export function mergeTrees(base: Record<string, string>, ours: Record<string, string>, theirs: Record<string, string>): { tree: Record<string, string>; conflicts: string[] } {
  const tree: Record<string, string> = {};
  const conflicts: string[] = [];
  for (const path of new Set([...Object.keys(base), ...Object.keys(ours), ...Object.keys(theirs)])) {
    const [was, mine, other] = [base[path], ours[path], theirs[path]];
    let content: string | undefined = mine;
    if (mine === was) content = other;
    else if (other !== was && other !== mine) conflicts.push(path);
    if (content !== undefined) tree[path] = content;
  }
  return { tree, conflicts };
}

/**
 * A merge commit of `other` into `head`, as git makes it, with `edits` on top (a
 * hand-made "merge" that smuggles a change in, or resolves a conflict). Undefined
 * on a conflict the edits leave.
 */
export function mergeCommit(state: GitHubState, repo: Repository, head: string, other: string, author: string, message: string, edits: Record<string, string | null> = {}): Commit | undefined {
  const base = mergeBase(repo, head, other);
  const [ours, theirs] = [repo.commits.get(head)!, repo.commits.get(other)!];
  const { tree, conflicts } = mergeTrees(base ? repo.commits.get(base)!.tree : {}, ours.tree, theirs.tree);
  if (conflicts.some((path) => !(path in edits))) return undefined;
  const changes: Record<string, string | null> = { ...edits };
  for (const path of new Set([...Object.keys(ours.tree), ...Object.keys(tree)])) if (!(path in edits) && ours.tree[path] !== tree[path]) changes[path] = tree[path] ?? null;
  const commit = state.commit(repo, changes, head, author, message);
  commit.merged = other;
  return commit;
}
