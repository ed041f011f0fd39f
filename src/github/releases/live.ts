/**
 * What is live: the flows new runs obey. Before any release exists it is the
 * default branch; once a `flows/v*` tag has been promoted it is that tag's
 * commit (issue 10). Every caller asks here, so the rule lives in one place.
 */
import { readFlows, type FlowCache, type FlowSet } from '../facts/flow-source.js';
import type { GitHubClient, RepoRef } from '../client.js';

export interface LiveVersion {
  /** `flows/v1.2.0`, or `default branch` before any release. */
  label: string;
  /** The promoted tag, when there is one. */
  tag?: string;
  /** The commit the live flows are read at; undefined when the repository has none readable. */
  sha?: string;
}

export interface LiveFlows {
  version: LiveVersion;
  set: FlowSet | undefined;
}

export const DEFAULT_BRANCH_LABEL = 'default branch';

/** The live flows of a repository whose default branch is `defaultBranch`. */
export async function readLiveFlows(gh: GitHubClient, repo: RepoRef, defaultBranch: string, cache: FlowCache): Promise<LiveFlows> {
  const set = await readFlows(gh, repo, defaultBranch, cache);
  return { version: { label: DEFAULT_BRANCH_LABEL, ...(set ? { sha: set.commit } : {}) }, set };
}
