/**
 * Applying a run's pending effects. Each key is applied at most once: the record
 * says which were, and every result, success or failure, goes into it at once.
 */
import type { Evaluation } from '../engine/state.js';
import type { GitHubClient, RepoRef } from './client.js';
import { statusOf } from './client.js';
import { deliver, envName, type Connections } from './connections.js';
import type { AppRecord } from './record.js';
import { describeFailure, requestsFor, type DecisionLinks } from './requests.js';

export async function applyEffects(
  gh: GitHubClient,
  repo: RepoRef,
  number: number,
  evaluation: Evaluation,
  record: AppRecord,
  connections: Connections,
  now: () => number,
  decisionLinks?: DecisionLinks,
): Promise<number> {
  const done = new Set(record.effects.map((effect) => effect.key));
  let applied = 0;
  for (const effect of evaluation.effects) {
    if (effect.status !== 'pending' || done.has(effect.key)) continue;
    let error: string | undefined;
    for (const request of requestsFor(effect, { owner: repo.owner, repo: repo.name, number }, decisionLinks)) {
      if (request.kind === 'connection') {
        const connection = connections(request.connection);
        error = connection ? await deliver(connection, request.body, effect.key) : `connection ${request.connection} is not configured (set ${envName(request.connection)}_URL)`;
      } else {
        try {
          // At most once: a retried POST after a lost response could comment twice.
          await gh.request(request.route, { ...request.params, request: { retries: 0 } });
        } catch (failure) {
          const status = statusOf(failure);
          if (status === undefined || !request.alreadyDone?.includes(status)) error = describeFailure(effect, status, (failure as Error).message);
        }
      }
      if (error !== undefined) break;
    }
    record.effects.push({ at: new Date(now()).toISOString(), key: effect.key, ok: error === undefined, ...(error !== undefined ? { error } : {}) });
    done.add(effect.key);
    applied += 1;
  }
  return applied;
}
