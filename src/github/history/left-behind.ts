/**
 * What a push leaves on the commit the PR moved past: the run's check runs (their
 * runs go on at the head) and the `Flowgate` check, still in progress. Closing them
 * is cosmetic, so it comes after the event's real work (the runs, the summary, the
 * sticky comment, the draft check) and a failure there loses none of it; but it
 * must happen, or that commit shows a pending check for ever. Each is tried once,
 * without the transport's retries (the close is the same whenever it lands); if
 * any fails, the event fails at its very end, so GitHub keeps the delivery as
 * failed and the sweep redelivers it. The redelivery, or any later event on the PR,
 * finds them again (runsFrom's `runsLeft` and `summariesLeft`) and closes them.
 */
import type { GitHubClient, RepoRef } from '../client.js';
import { supersede } from './check-runs.js';
import type { StoredRun } from './stored-run.js';
import { supersedeSummary } from './summary-check.js';

export interface LeftBehind {
  runs: StoredRun[];
  summaries: number[];
}

/** The closes GitHub did not take: the event's work is done, and its redelivery closes them. */
export class LeftInProgress extends Error {
  constructor(readonly checkRunIds: number[], reasons: string[]) {
    super(`closing ${checkRunIds.length} check run(s) left in progress on commits the pull request moved past failed (${reasons.join('; ')}); the event's work is done, and its redelivery or the next event closes them`);
    this.name = 'LeftInProgress';
  }
}

/** Closes each check left behind; returns the failure (never throws), for the caller to raise when its work is done. */
export async function closeLeftBehind(gh: GitHubClient, repo: RepoRef, head: string, now: number, left: LeftBehind): Promise<LeftInProgress | undefined> {
  const once: GitHubClient = { graphql: (query, variables) => gh.graphql(query, variables), request: (route, params) => gh.request(route, { ...params, request: { retries: 0 } }) };
  const failed: number[] = [];
  const reasons: string[] = [];
  const attempt = async (id: number, close: () => Promise<void>) => {
    await close().catch((error: unknown) => {
      failed.push(id);
      reasons.push(`check run ${id}: ${error instanceof Error ? error.message : String(error)}`);
    });
  };
  const runs = new Map(left.runs.map((run) => [run.checkRunId, run]));
  for (const run of runs.values()) await attempt(run.checkRunId, () => supersede(once, repo, run, head));
  for (const id of new Set(left.summaries)) await attempt(id, () => supersedeSummary(once, repo, id, head, now));
  return failed.length > 0 ? new LeftInProgress(failed, reasons) : undefined;
}
