/**
 * Whether a push only merged the base branch into the PR ("Update branch"), so
 * approvals may survive it (a gate's `keep_on_base_merge`). Decided only from
 * what GitHub says of the commits, never from a commit message, date or author,
 * which a committer writes; anything not proven is refused, with the reason.
 *
 * A move from the old head A to the new head M is a base merge when:
 *  1. M has exactly two parents: A, and another commit B;
 *  2. the base branch's history holds B (GitHub's compare of the branch's tip with B
 *     says B is behind it, or the same);
 *  3. every file of M is what a clean merge of A and B leaves, by four compares
 *     around the merge base: with P the files A changed since the merge base, Q
 *     those B changed, DA the files M changes from A, DB those where M differs from B:
 *     DA ⊆ Q \ P (from A, the merge takes only the base's changes, and as the base
 *     made them, see DB) and DB ⊆ P \ Q (from B, M differs only in the PR's files). A
 *     file both sides changed is therefore refused: a combined file cannot be proven
 *     to add nothing from file lists. A hand-made merge that smuggles an edit into
 *     any file, drops part of either side, or reverts a base change fails one of them.
 *
 * GitHub lists at most 300 files in a compare; a list that long may be cut, so it is refused.
 */
import type { BaseMergeCheck } from '../../engine/facts.js';
import { statusOf, type GitHubClient, type RepoRef } from '../client.js';

export const BASE_MERGE_QUERY = /* GraphQL */ `
  query FlowgateBaseMerge($owner: String!, $name: String!, $head: GitObjectID!, $base: String!) {
    repository(owner: $owner, name: $name) {
      head: object(oid: $head) { ... on Commit { parents(first: 3) { totalCount nodes { oid } } } }
      base: ref(qualifiedName: $base) { target { oid } }
    }
  }
`;

type BaseMergePage = {
  repository: {
    head: { parents?: { totalCount: number; nodes: { oid: string }[] } } | null;
    base: { target: { oid: string } | null } | null;
  } | null;
};

/** GitHub lists no more than this many files in a compare. */
export const COMPARE_FILE_LIMIT = 300;

/**
 * A check, whether it may be kept (a refusal from a fact that can change, a fetch or the
 * base branch, is asked again), and the API requests it took.
 */
export type Proof = { check: BaseMergeCheck; final: boolean; requests: number };

class Unproven extends Error {
  constructor(
    message: string,
    readonly final: boolean,
  ) {
    super(message);
  }
}

const short = (sha: string): string => sha.slice(0, 7);

interface Comparison {
  status: string;
  files: Set<string>;
}

async function compare(gh: GitHubClient, repo: RepoRef, base: string, head: string): Promise<Comparison> {
  // Files are listed on the first page only, whatever the page size; one commit a page keeps the answer small.
  const { data } = await gh.request('GET /repos/{owner}/{repo}/compare/{basehead}', { owner: repo.owner, repo: repo.name, basehead: `${base}...${head}`, per_page: 1 });
  const answer = data as { status?: unknown; files?: unknown } | null;
  if (!Array.isArray(answer?.files) || typeof answer.status !== 'string') throw new Unproven(`GitHub gave no file list for ${short(base)}...${short(head)}`, false);
  if (answer.files.length >= COMPARE_FILE_LIMIT) throw new Unproven(`${short(base)}...${short(head)} changes ${COMPARE_FILE_LIMIT} files or more, more than GitHub lists`, true);
  const files = new Set<string>();
  for (const file of answer.files as { filename?: unknown; previous_filename?: unknown }[]) {
    // A rename changes both paths.
    for (const path of [file.filename, file.previous_filename]) if (typeof path === 'string') files.add(path);
  }
  return { status: answer.status, files };
}

const listed = (paths: readonly string[]): string => {
  const sorted = [...paths].sort();
  return `${sorted.slice(0, 3).join(', ')}${sorted.length > 3 ? ` and ${sorted.length - 3} more` : ''}`;
};

/** Whether `sha` only merged a commit of `branch` into `before`, from GitHub's facts. Never throws. */
export async function proveBaseMerge(gh: GitHubClient, repo: RepoRef, move: { before: string; sha: string }, branch: string): Promise<Proof> {
  let requests = 0;
  const counted: GitHubClient = {
    graphql: <T>(query: string, variables?: Record<string, unknown>) => ((requests += 1), gh.graphql<T>(query, variables)),
    request: (route, params) => ((requests += 1), gh.request(route, params)),
  };
  try {
    return { check: await prove(counted, repo, move, branch), final: true, requests };
  } catch (error) {
    if (error instanceof Unproven) return { check: { refused: error.message }, final: error.final, requests };
    const status = statusOf(error);
    return { check: { refused: `could not read the commits from GitHub (${status !== undefined ? status : error instanceof Error ? error.message : 'no answer'})` }, final: false, requests };
  }
}

async function prove(gh: GitHubClient, repo: RepoRef, { before, sha }: { before: string; sha: string }, branch: string): Promise<BaseMergeCheck> {
  const page = await gh.graphql<BaseMergePage>(BASE_MERGE_QUERY, { owner: repo.owner, name: repo.name, head: sha, base: `refs/heads/${branch}` });
  const parents = page.repository?.head?.parents;
  if (!parents) throw new Unproven(`GitHub does not know the commit ${short(sha)}`, false);
  if (parents.totalCount !== 2) throw new Unproven(`${short(sha)} has ${parents.totalCount} parent(s): not a merge`, true);
  const others = parents.nodes.map((node) => node.oid).filter((oid) => oid !== before);
  if (others.length !== 1) throw new Unproven(`${short(sha)} is not a merge into the previous head ${short(before)}`, true);
  const merged = others[0]!;
  const tip = page.repository?.base?.target?.oid;
  if (!tip) throw new Unproven(`GitHub does not know the branch ${branch}`, false);
  const [onBase, pr, base, fromHead, fromBase] = await Promise.all([
    compare(gh, repo, tip, merged),
    compare(gh, repo, merged, before),
    compare(gh, repo, before, merged),
    compare(gh, repo, before, sha),
    compare(gh, repo, merged, sha),
  ]);
  if (onBase.status !== 'behind' && onBase.status !== 'identical') throw new Unproven(`${short(merged)}, merged by ${short(sha)}, is not on ${branch}`, false);
  const both = [...new Set([...fromHead.files, ...fromBase.files])].filter((path) => pr.files.has(path) && base.files.has(path));
  if (both.length > 0) throw new Unproven(`the PR and ${branch} both changed ${listed(both)}, and a merge of a file both changed cannot be proven to add nothing`, true);
  const edited = [...fromHead.files].filter((path) => !base.files.has(path));
  if (edited.length > 0) throw new Unproven(`the merge changes ${listed(edited)}, which ${branch} did not change`, true);
  const unlike = [...fromBase.files].filter((path) => !pr.files.has(path));
  if (unlike.length > 0) throw new Unproven(`the merge's ${listed(unlike)} differs from ${branch}@${short(merged)}, and the PR does not change it`, true);
  return { merged, branch };
}
