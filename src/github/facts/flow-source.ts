/**
 * Flows come from a commit of the repository, never from a PR's head: the
 * default branch for new runs (the promoted tag, once releases exist), and the
 * commit a run started on for runs in progress. One GraphQL query reads every
 * file in .github/flows; what a commit holds never changes, so the parsed and
 * validated result is kept per commit, and per tree: GitHub names the
 * `.github/flows` tree by its content (its oid), so a commit that changed no
 * flow reuses the files already validated, and a query that already knows the
 * tree asks for its oid alone (FLOW_TREE_FIELDS with `$withFlowTexts: false`).
 */
import { DEFAULT_FLOWS_DIR } from '../../flow/flows-dir.js';
import { crossFileProblems, validateFlowText, type FlowFile } from '../../flow/validate.js';
import type { GitHubClient, RepoRef } from '../client.js';

/** A commit's `.github/flows` tree (`$path`): its oid, and its files' text when `$withFlowTexts`. */
export const FLOW_TREE_FIELDS = /* GraphQL */ `
          oid
          file(path: $path) {
            object {
              ... on Tree {
                oid
                entries @include(if: $withFlowTexts) { name type object { ... on Blob { text isTruncated isBinary } } }
              }
            }
          }
`;

export const FLOWS_QUERY = /* GraphQL */ `
  query FlowgateFlows($owner: String!, $name: String!, $expression: String!, $path: String!, $withFlowTexts: Boolean!) {
    repository(owner: $owner, name: $name) {
      object(expression: $expression) {
        ... on Commit {
          ${FLOW_TREE_FIELDS}
        }
      }
    }
  }
`;

/** A commit with its `.github/flows` tree, as FLOW_TREE_FIELDS reads it (`entries` absent when the text was not asked for). */
export interface FlowsObject {
  oid?: string;
  file?: { object: { oid?: string; entries?: { name: string; type: string; object: { text: string | null; isTruncated: boolean; isBinary: boolean | null } | null }[] } | null } | null;
}

interface FlowsAnswer {
  repository: { object: FlowsObject | null } | null;
}

export interface FlowSet {
  /** The commit the flows were read at: what runs pin to. */
  commit: string;
  files: FlowFile[];
}

/** Where parsed flows are kept by commit: GitHubCache's, named here so the cache, which holds FlowSets, is not imported back. */
export interface FlowCache {
  readonly flowsByCommit: Map<string, FlowSet>;
  readonly flowsByTree: Map<string, FlowFile[]>;
}

/** The flows at a branch, tag or commit. An expression naming a branch is resolved each time; a commit SHA is cached. */
export async function readFlows(gh: GitHubClient, repo: RepoRef, expression: string, cache: FlowCache): Promise<FlowSet | undefined> {
  const byCommit = cache.flowsByCommit;
  const cached = byCommit.get(`${repo.owner}/${repo.name}@${expression}`);
  if (cached) return cached;
  const answer = await gh.graphql<FlowsAnswer>(FLOWS_QUERY, { owner: repo.owner, name: repo.name, expression, path: DEFAULT_FLOWS_DIR, withFlowTexts: true });
  return flowSetOf(repo, answer.repository?.object, cache);
}

/**
 * The flows in a commit's `.github/flows` as FLOW_TREE_FIELDS read them (other queries ask the same fields),
 * validated once per tree. Undefined when there is no commit, or when the files' text was not asked for and the
 * tree is not known: the caller reads the flows at the commit (readFlows).
 */
export function flowSetOf(repo: RepoRef, object: FlowsObject | null | undefined, cache: FlowCache): FlowSet | undefined {
  const byCommit = cache.flowsByCommit;
  const commit = object?.oid;
  if (!commit) return undefined;
  const key = `${repo.owner}/${repo.name}@${commit}`;
  const known = byCommit.get(key);
  if (known) return known;
  const tree = object?.file?.object;
  const byTree = tree?.oid ? treeKey(repo, tree.oid) : undefined;
  const validated = byTree === undefined ? undefined : cache.flowsByTree.get(byTree);
  if (validated) return remember(byCommit, key, { commit, files: validated });
  // Asked without the text, and a tree not seen before: only a read with the text can tell.
  if (tree && !tree.entries) return undefined;
  const files = (tree?.entries ?? [])
    .filter((entry) => entry.type === 'blob' && /\.ya?ml$/i.test(entry.name))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((entry): FlowFile => {
      const file = `${DEFAULT_FLOWS_DIR}/${entry.name}`;
      const blob = entry.object;
      if (!blob || blob.isBinary || blob.text === null || blob.isTruncated) {
        return { file, problems: [{ code: 'file-unreadable', severity: 'error', file, line: 1, col: 1, path: '', message: 'the file is binary or too large to read', expected: 'a YAML flow of at most 256 KiB' }] };
      }
      return validateFlowText(blob.text, file);
    });
  for (const problem of crossFileProblems(files)) {
    const owner = files.find((entry) => entry.file === problem.file);
    if (owner) {
      owner.problems.push(problem);
      delete owner.flow;
    }
  }
  if (byTree !== undefined) cache.flowsByTree.set(byTree, files);
  return remember(byCommit, key, { commit, files });
}

/** Where a `.github/flows` tree's validated files are kept (FlowCache.flowsByTree). */
export function treeKey(repo: RepoRef, oid: string): string {
  return `${repo.owner}/${repo.name}^${oid}`;
}

function remember(byCommit: Map<string, FlowSet>, key: string, set: FlowSet): FlowSet {
  byCommit.set(key, set);
  return set;
}
