/**
 * Runs on one PR are serialised by the workflow's `concurrency` group,
 * `flowgate-<pr>`. A run in another group (the sweep, a callback that named no
 * PR, a fork's follow-up) must not handle a PR: two runs at once could both
 * apply an effect, and the older one could overwrite the record the newer wrote.
 * It hands the PR over instead: a repository_dispatch whose `client_payload.pr`
 * puts the new run in that PR's group, queued with the PR's own events. GitHub's
 * GITHUB_TOKEN may start workflows this way (repository_dispatch is one of the two
 * events it can trigger), with `contents: write`, which the workflow grants.
 */
import type { GitHubClient, RepoRef } from '../github/client.js';
import { PR_EVENT_TYPE } from './event.js';

/** Why a PR was handed to its group: said in the dispatch, for the person reading the run list. */
export type HandOver = 'sweep' | 'fork-review';

export interface Forwarded {
  pr: number;
  eventType: string;
  reason: HandOver | 'callback';
}

/** Starts a run in `flowgate-<pr>` for `event_type` with this payload (which names `pr`). */
export async function sendToGroup(gh: GitHubClient, repo: RepoRef, eventType: string, clientPayload: Record<string, unknown> & { pr: number }): Promise<void> {
  // Never retried: a second dispatch starts a second run, which would only read again, but costs a runner.
  await gh.request('POST /repos/{owner}/{repo}/dispatches', { owner: repo.owner, repo: repo.name, event_type: eventType, client_payload: clientPayload, request: { retries: 0 } });
}

/** "Look at PR `pr`" in its group: the run re-reads everything and does what is due, as the sweep did for one PR. */
export async function handOver(gh: GitHubClient, repo: RepoRef, pr: number, reason: HandOver): Promise<Forwarded> {
  await sendToGroup(gh, repo, PR_EVENT_TYPE, { pr, reason });
  return { pr, eventType: PR_EVENT_TYPE, reason };
}
