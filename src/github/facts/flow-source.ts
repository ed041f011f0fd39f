/**
 * Flows come from a commit of the repository, never from a PR's head: the
 * default branch for new runs (the promoted tag, once releases exist), and the
 * commit a run started on for runs in progress. One GraphQL query reads every
 * file in .github/flows; what a commit holds never changes, so the parsed and
 * validated result is kept per commit.
 */
import { DEFAULT_FLOWS_DIR } from '../../flow/flows-dir.js';
import { crossFileProblems, validateFlowText, type FlowFile } from '../../flow/validate.js';
import type { GitHubClient, RepoRef } from '../client.js';

export const FLOWS_QUERY = /* GraphQL */ `
  query FlowgateFlows($owner: String!, $name: String!, $expression: String!, $path: String!) {
    repository(owner: $owner, name: $name) {
      object(expression: $expression) {
        ... on Commit {
          oid
          file(path: $path) {
            object {
              ... on Tree {
                entries { name type object { ... on Blob { text isTruncated isBinary } } }
              }
            }
          }
        }
      }
    }
  }
`;

/** A commit with its `.github/flows` tree, as FLOWS_QUERY reads it. */
export interface FlowsObject {
  oid?: string;
  file?: { object: { entries?: { name: string; type: string; object: { text: string | null; isTruncated: boolean; isBinary: boolean | null } | null }[] } | null } | null;
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
}

/** The flows at a branch, tag or commit. An expression naming a branch is resolved each time; a commit SHA is cached. */
export async function readFlows(gh: GitHubClient, repo: RepoRef, expression: string, cache: FlowCache): Promise<FlowSet | undefined> {
  const byCommit = cache.flowsByCommit;
  const cached = byCommit.get(`${repo.owner}/${repo.name}@${expression}`);
  if (cached) return cached;
  const answer = await gh.graphql<FlowsAnswer>(FLOWS_QUERY, { owner: repo.owner, name: repo.name, expression, path: DEFAULT_FLOWS_DIR });
  return flowSetOf(repo, answer.repository?.object, cache);
}

/** The flows in a commit's `.github/flows` as FLOWS_QUERY's fields read them (other queries ask the same fields), validated once per commit. */
export function flowSetOf(repo: RepoRef, object: FlowsObject | null | undefined, cache: FlowCache): FlowSet | undefined {
  const byCommit = cache.flowsByCommit;
  const commit = object?.oid;
  if (!commit) return undefined;
  const key = `${repo.owner}/${repo.name}@${commit}`;
  const known = byCommit.get(key);
  if (known) return known;
  const files = (object?.file?.object?.entries ?? [])
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
  const set = { commit, files };
  byCommit.set(key, set);
  return set;
}
