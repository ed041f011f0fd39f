/**
 * Whether a run takes a callback: checked against the run as it is now, taken
 * once per token (once per vouched person for a chat link), and, when refused,
 * kept in the run's record with the answer given, so the history shows it.
 */
import type { CompiledFlow } from '../../flow/compile.js';
import { evaluate, type EvaluateOptions } from '../../engine/evaluate.js';
import type { StoredRun } from '../history/stored-run.js';
import { identityMatches, tokenId, type CallbackBody, type Claims } from './token.js';
import type { RepoRef } from '../client.js';
import type { Connections } from '../effects/connections.js';
import type { GatheredFacts } from '../facts/gather.js';
import { runFacts } from '../run-facts.js';

export interface CallbackEvent {
  claims: Claims;
  body: CallbackBody;
}

/** Checks a callback against the run as it is now; records it when it may complete the step, else says why not. */
export function acceptCallback(
  connections: Connections,
  callback: CallbackEvent,
  stored: readonly StoredRun[],
  pinned: ReadonlyMap<string, CompiledFlow[]>,
  repo: RepoRef,
  facts: GatheredFacts,
  now: number,
  options: EvaluateOptions,
): { status: number; error: string } | undefined {
  const { claims } = callback;
  const run = stored.find((candidate) => candidate.record.run.id === claims.run);
  if (!run) return { status: 404, error: `there is no run ${claims.run} on ${repo.owner}/${repo.name}#${claims.pr}` };
  const refusal = judgeCallback(connections, callback, run, pinned, repo, facts, now, options);
  if (typeof refusal === 'string') {
    const actor = vouchedActor(connections, callback);
    run.record.callbacks.push({ at: new Date(now).toISOString(), token: refusal, step: claims.step, attempt: claims.attempt, ...(actor ? { actor } : {}), ...callbackContent(callback.body) });
    return undefined;
  }
  // Kept, so the history shows it; a few per token, so a flood of replays cannot grow the record without end.
  const id = tokenIdOf(connections, callback);
  const refusedBefore = run.record.callbacks.filter((entry) => entry.refused !== undefined);
  if (refusedBefore.filter((entry) => entry.token === id).length < MAX_REFUSED_PER_TOKEN && refusedBefore.length < MAX_REFUSED) {
    run.record.callbacks.push({ at: new Date(now).toISOString(), token: id, step: claims.step, attempt: claims.attempt, refused: `${refusal.status}: ${refusal.error}` });
  }
  return refusal;
}

const MAX_REFUSED_PER_TOKEN = 3;
const MAX_REFUSED = 20;

/** The person a chat bridge vouched for with its connection's secret, if any. */
function vouchedActor(connections: Connections, { claims, body }: CallbackEvent): string | undefined {
  const secret = claims.connection ? connections(claims.connection)?.secret : undefined;
  const vouched = body.actor !== undefined && body.identity !== undefined && secret !== undefined && identityMatches(body.token, body.actor, body.identity, secret);
  return vouched ? body.actor : undefined;
}

/**
 * A wait's token completes once. A gate's chat link goes to a whole channel: once per vouched person
 * (keyed by the vouched login only, so a forged click cannot use up someone else's).
 */
function tokenIdOf(connections: Connections, callback: CallbackEvent): string {
  const { claims } = callback;
  if (!claims.connection) return tokenId(claims);
  const actor = vouchedActor(connections, callback);
  return `${tokenId(claims)}:${actor ? actor.toLowerCase() : '(not vouched)'}`;
}

/** Whether the run takes the callback now: the id to record it under, or why not. */
function judgeCallback(
  connections: Connections,
  callback: CallbackEvent,
  run: StoredRun,
  pinned: ReadonlyMap<string, CompiledFlow[]>,
  repo: RepoRef,
  facts: GatheredFacts,
  now: number,
  options: EvaluateOptions,
): string | { status: number; error: string } {
  const { claims } = callback;
  const id = tokenIdOf(connections, callback);
  const used = run.record.callbacks.find((entry) => entry.token === id && entry.refused === undefined);
  if (used) return { status: 409, error: `this token was already used, at ${used.at}` };
  const flow = pinned.get(run.record.run.version)?.find((candidate) => candidate.name === run.record.run.flow);
  if (!flow) return { status: 409, error: `the flow of run ${claims.run} can no longer be read` };
  const current = evaluate(flow, runFacts(repo, facts, run.record), now, options);
  const waiting = current.run.waiting_on.some((entry) => entry.step === claims.step);
  const attempts = current.steps.find((step) => step.id === claims.step)?.attempts;
  if (current.run.status !== 'waiting' || !waiting || attempts !== claims.attempt) {
    const where = current.run.status === 'waiting' ? `it waits at ${current.run.current.join(', ') || 'no step'}` : `it has ${current.run.status}`;
    return { status: 409, error: `run ${claims.run} is not waiting at ${claims.step} (attempt ${claims.attempt}): ${where}` };
  }
  return id;
}

/** The accepted callback's content, as the record keeps it. */
function callbackContent(body: CallbackBody) {
  return {
    ...(body.result !== undefined ? { result: body.result } : {}),
    ...(body.decision !== undefined ? { decision: body.decision } : {}),
    ...(body.reason !== undefined ? { reason: body.reason } : {}),
    ...(body.summary !== undefined ? { summary: body.summary } : {}),
    ...(body.outputs !== undefined ? { outputs: body.outputs } : {}),
    ...(body.links !== undefined ? { links: body.links } : {}),
  };
}

