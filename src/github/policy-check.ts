/**
 * A push to the default branch changes the live policy. When it leaves a flow
 * invalid, the commit that did it gets a failing `Flowgate: policy` check with
 * the file:line errors, so the author sees it where they pushed, not only on
 * the next pull request. A valid policy costs one read and writes nothing.
 * One check per commit: handlings of the same push (a redelivery racing the
 * original, two replicas) take turns, under the lock when replicas share one.
 */
import type { GitHubClient, RepoRef } from './client.js';
import type { GitHubCache } from './facts/cache.js';
import { readFlows } from './facts/flow-source.js';
import { findCheck, writeAnnotatedCheck } from './history/check-writer.js';
import { noLock, type Lock } from './lock.js';
import { policyProblems, summaryOf } from './history/summary-check.js';

export const POLICY_CHECK = 'Flowgate: policy';
export const POLICY_EXTERNAL_ID = 'flowgate-policy';

export interface PolicyCheckOutcome {
  skipped?: string;
  /** Requests spent writing the check. */
  written?: number;
}

export interface PolicyCheckDeps {
  gh: GitHubClient;
  cache: GitHubCache;
  app: { id: number };
  now: () => number;
  /** Work on one key at a time in this process (handle.ts's PullRequestQueue). */
  queue: { run<T>(key: string, work: () => Promise<T>): Promise<T> };
  lock?: Lock;
}

export function checkPolicy(deps: PolicyCheckDeps, repo: RepoRef, branch: string, sha: string): Promise<PolicyCheckOutcome> {
  // Without the turn, two handlings could each find no check on the commit and each make one.
  const key = `${repo.owner}/${repo.name}@${sha}#policy`;
  return deps.queue.run(key, () => (deps.lock ?? noLock).hold(`policy:${repo.owner}/${repo.name}@${sha}`, 60_000, 8_000, () => check(deps, repo, branch, sha)));
}

async function check(deps: PolicyCheckDeps, repo: RepoRef, branch: string, sha: string): Promise<PolicyCheckOutcome> {
  const set = await readFlows(deps.gh, repo, sha, deps.cache);
  const policy = policyProblems(branch, set);
  if (!policy) return { skipped: set && set.files.length > 0 ? 'the live flows are valid' : 'no flows at the pushed commit' };
  // A redelivered push finds the check it made and makes no second one.
  const existing = await findCheck(deps.gh, repo, sha, { name: POLICY_CHECK, external_id: POLICY_EXTERNAL_ID, appId: deps.app.id });
  if (existing?.status === 'completed') return { skipped: 'the policy check is already on the commit' };
  // One cut short between batches of annotations is finished in place, with only those it lacks.
  const output = summaryOf([], policy);
  const { requests: written } = await writeAnnotatedCheck(deps.gh, repo, { name: POLICY_CHECK, external_id: POLICY_EXTERNAL_ID, sha, output, now: deps.now(), ...(existing ? { found: existing } : {}) });
  return { written };
}
