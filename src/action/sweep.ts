/**
 * The Action's timer sweep. It runs in its own concurrency group (`sweep`), so it
 * never handles a PR itself: it finds the PRs that wait on a timer (the same
 * search as the server's full pass), asks of each whether anything is due now
 * (probe.ts: the per-PR step, with writes refused), and hands each due PR to a
 * run in that PR's group (pr-group.ts). Nothing waiting or nothing due: no write,
 * and no run started.
 */
import type { RepoRef } from '../github/client.js';
import type { HandlerDeps } from '../github/handle.js';
import { waitingPulls } from '../github/sweep.js';
import { probePullRequest } from './probe.js';
import { handOver, type Forwarded } from './pr-group.js';

export interface ActionSweep {
  /** PRs that wait on a timer. */
  waiting: number;
  forwarded: Forwarded[];
  /** PRs that could not be looked at (the sweep then fails, naming them; the next sweep tries again). */
  errors: string[];
}

export async function sweepByHandOver(deps: HandlerDeps, repo: RepoRef, installation: number): Promise<ActionSweep> {
  const sweep: ActionSweep = { waiting: 0, forwarded: [], errors: [] };
  for await (const pulls of waitingPulls(deps.gh, `repo:${repo.owner}/${repo.name}`, installation)) {
    for (const pull of pulls) {
      sweep.waiting += 1;
      const probe = await probePullRequest(deps, repo, pull.number, installation);
      if ('error' in probe) sweep.errors.push(`#${pull.number}: ${probe.error}`);
      if (!probe.due) continue;
      deps.log(`#${pull.number} has something due (${probe.because}): handed to a run in flowgate-${pull.number}`);
      try {
        sweep.forwarded.push(await handOver(deps.gh, repo, pull.number, 'sweep'));
      } catch (error) {
        sweep.errors.push(`#${pull.number}: the dispatch to its run failed: ${(error as Error).message}`);
      }
    }
  }
  return sweep;
}
