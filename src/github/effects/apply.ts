/**
 * Applying a run's pending effects, each as often as the app can make sure of:
 * where GitHub shows an effect, the app looks before it acts; where it cannot,
 * the app writes down its intent before it acts. A result, success or failure,
 * goes into the record at once.
 *
 * | effect                              | guarantee                      | how                                                              |
 * | ----------------------------------- | ------------------------------ | ---------------------------------------------------------------- |
 * | comment, notify as a comment        | exactly once, by observation   | its key in a hidden marker; the app's comment with it means done |
 * | merge                               | exactly once, by observation   | merged at the approved commit means done (checked after a 405,   |
 * |                                     |                                | 409 or lost answer); merged at another commit fails, named       |
 * | close                               | exactly once, by observation   | a closed PR means done                                           |
 * | label, unlabel, request_reviewers   | idempotent                     | sets: a repeat changes nothing; a missing label counts removed   |
 * | webhook, notify via a connection    | at least once, deduplicable    | intent first; `Idempotency-Key: <key>`; sent again after a crash |
 * | dispatch_workflow, repository_dispatch | at most once                | intent first; after a crash: failed, "outcome unknown", not sent |
 *
 * When a request fails (no write is retried automatically):
 * - GitHub refused it (a 4xx): the effect failed, with GitHub's reason.
 * - A secondary rate limit (403/429): GitHub applied nothing. The effect stays
 *   pending and the event stops (`EffectPending`, with retry-after), so nothing
 *   after it runs out of order; the next event or sweep applies it.
 * - A 5xx, a timeout, a dropped connection: GitHub may have applied it. An
 *   observed or idempotent effect stays pending and the event stops: the next
 *   event looks (a merge is looked at at once). A dispatch fails closed: "outcome
 *   unknown", never sent again. A connection's answer, or its silence, is its result.
 */
import { describeEffect } from '../../engine/ledger.js';
import type { Effect, Evaluation } from '../../engine/state.js';
import type { GitHubClient, RepoRef } from '../client.js';
import { statusOf } from '../client.js';
import { deliver, envName, type Connections } from './connections.js';
import { describeFault, faultOf, type Fault } from './faults.js';
import { postedComment, type AppComment } from '../history/markers.js';
import { pullRequestState, type PullRequestState } from './pull-state.js';
import type { AppRecord } from '../history/record.js';
import { deliveryOf, describeFailure, requestsFor, type DecisionLinks } from './requests.js';
import type { Observer } from '../observer.js';

/** What GitHub showed of the PR when the event's facts were read. */
export interface Observed extends PullRequestState {
  /** Every comment of the app's own bot on the PR. */
  appComments: readonly AppComment[];
}

export interface ApplyOptions {
  /** Without it, nothing is looked up first: only the record keeps effects from repeating. */
  observed?: Observed;
  /**
   * Writes the record where the app keeps it (the run's check run). Called with
   * an intent before a dispatch or connection webhook is sent, and with a
   * dispatch's result; a failure to write an intent stops the event unsent.
   */
  persist?: (record: AppRecord) => Promise<void>;
  decisionLinks?: DecisionLinks;
  observer?: Observer;
}

/** The event stopped at an effect that stays pending: GitHub may or may not have applied it, or asked the app to wait. */
export class EffectPending extends Error {
  constructor(
    readonly key: string,
    message: string,
    /** GitHub's status, when it answered. */
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'EffectPending';
  }
}

export const UNKNOWN_AFTER_RESTART = 'outcome unknown: the app stopped after asking GitHub; not sent again';

type Result = { ok: true } | { ok: false; error: string };

interface Context {
  gh: GitHubClient;
  repo: RepoRef;
  number: number;
  connections: Connections;
  decisionLinks: DecisionLinks | undefined;
}

/**
 * Applies the pending effects in order and returns how many got a result.
 * `options` may still be a bare DecisionLinks, the form callers used before.
 * Throws EffectPending when an effect must wait for a later event.
 */
export async function applyEffects(
  gh: GitHubClient,
  repo: RepoRef,
  number: number,
  evaluation: Evaluation,
  record: AppRecord,
  connections: Connections,
  now: () => number,
  options: ApplyOptions | DecisionLinks = {},
): Promise<number> {
  const { observed, persist, decisionLinks, observer } = typeof options === 'function' ? ({ decisionLinks: options } as ApplyOptions) : options;
  const context: Context = { gh, repo, number, connections, decisionLinks };
  const done = new Set(record.effects.map((effect) => effect.key));
  let applied = 0;
  for (const effect of evaluation.effects) {
    if (effect.status !== 'pending' || done.has(effect.key)) continue;
    const delivery = deliveryOf(effect);
    const intended = record.intents.some((intent) => intent.key === effect.key);
    let result = observe(effect, observed);
    const seen = result?.ok === true;
    if (!result && delivery === 'intent' && intended) result = { ok: false, error: UNKNOWN_AFTER_RESTART };
    if (!result) {
      if (delivery !== 'observed' && !intended) await writeIntent(record, effect.key, now, persist);
      try {
        result = await send(context, effect);
      } catch (error) {
        if (error instanceof EffectPending && delivery === 'intent') await withdrawIntent(record, effect.key, persist);
        if (error instanceof EffectPending) observer?.effect?.(effect.type, 'pending');
        throw error;
      }
    }
    record.intents = record.intents.filter((intent) => intent.key !== effect.key);
    record.effects.push({ at: new Date(now()).toISOString(), key: effect.key, ok: result.ok, ...(!result.ok ? { error: result.error } : {}) });
    done.add(effect.key);
    applied += 1;
    observer?.effect?.(effect.type, !result.ok ? 'failed' : seen ? 'already_done' : 'applied');
    // A dispatch's result lost to a crash would read "outcome unknown" later; a failed write here is retried at the event's end.
    if (delivery === 'intent' && persist) await persist(record).catch(() => undefined);
  }
  return applied;
}

/** The effect's result when GitHub already shows it. */
function observe(effect: Effect, observed: Observed | undefined): Result | undefined {
  if (!observed) return undefined;
  switch (effect.type) {
    case 'comment':
      return postedComment(observed.appComments, effect.key) ? { ok: true } : undefined;
    case 'notify':
      return effect.connection === undefined && postedComment(observed.appComments, effect.key) ? { ok: true } : undefined;
    case 'merge':
      return observed.state === 'MERGED' ? mergedResult(effect.sha, observed) : undefined;
    case 'close':
      return observed.state === 'OPEN' ? undefined : { ok: true };
    default:
      return undefined;
  }
}

/** A merged PR: done if at the approved commit; otherwise the approved commit was not what merged. */
function mergedResult(approved: string, pull: PullRequestState): Result {
  if (pull.headSha === approved) return { ok: true };
  return { ok: false, error: `the pull request was already merged at ${pull.headSha.slice(0, 7)}, not at the approved ${approved.slice(0, 7)}` };
}

/** Write-ahead: the intent is where the app keeps its record before the request leaves. */
async function writeIntent(record: AppRecord, key: string, now: () => number, persist: ApplyOptions['persist']): Promise<void> {
  record.intents.push({ at: new Date(now()).toISOString(), key });
  if (!persist) return;
  try {
    await persist(record);
  } catch (error) {
    record.intents = record.intents.filter((intent) => intent.key !== key);
    throw error;
  }
}

/** GitHub applied nothing (a rate limit): the dispatch may go out on a later event. */
async function withdrawIntent(record: AppRecord, key: string, persist: ApplyOptions['persist']): Promise<void> {
  record.intents = record.intents.filter((intent) => intent.key !== key);
  // If this write fails the intent stays, and the next event fails the dispatch as "outcome unknown": closed, not twice.
  await persist?.(record).catch(() => undefined);
}

async function send(context: Context, effect: Effect): Promise<Result> {
  const { gh, repo, number } = context;
  for (const request of requestsFor(effect, { owner: repo.owner, repo: repo.name, number }, context.decisionLinks)) {
    if (request.kind === 'connection') {
      const connection = context.connections(request.connection);
      const error = connection ? await deliver(connection, request.body, effect.key) : `connection ${request.connection} is not configured (set ${envName(request.connection)}_URL)`;
      if (error !== undefined) return { ok: false, error };
      continue;
    }
    try {
      // Never retried by Octokit: a retried POST after a lost answer would act twice.
      await gh.request(request.route, { ...request.params, request: { retries: 0 } });
    } catch (failure) {
      const status = statusOf(failure);
      if (status !== undefined && request.alreadyDone?.includes(status)) continue;
      const fault = faultOf(failure);
      if (effect.type === 'merge' && (fault.kind === 'unknown' || status === 405 || status === 409)) return checkMerge(context, effect, fault);
      return onFault(effect, fault);
    }
  }
  return { ok: true };
}

function onFault(effect: Effect, fault: Fault): Result {
  if (fault.kind === 'refused') return { ok: false, error: describeFailure(effect, fault.status, fault.message) };
  if (fault.kind === 'unknown' && deliveryOf(effect) === 'intent') return { ok: false, error: `outcome unknown: ${describeFault(fault)}; not sent again` };
  throw pendingFor(effect, fault);
}

/** After a refused or unanswered merge: the PR as it is now says whether it merged, and at which commit. */
async function checkMerge(context: Context, effect: Extract<Effect, { type: 'merge' }>, fault: Fault): Promise<Result> {
  let pull: PullRequestState;
  try {
    pull = await pullRequestState(context.gh, context.repo, context.number);
  } catch (error) {
    throw pendingFor(effect, fault.kind === 'refused' ? faultOf(error) : fault);
  }
  if (pull.state === 'MERGED') return mergedResult(effect.sha, pull);
  return onFault(effect, fault);
}

function pendingFor(effect: Effect, fault: Fault): EffectPending {
  const retry = fault.kind === 'rate_limited' ? fault.retryAfterSeconds : undefined;
  const next = fault.kind === 'rate_limited' ? 'GitHub applied nothing; it is applied on the next event' : 'GitHub may have applied it; the next event looks before acting again';
  return new EffectPending(effect.key, `${describeEffect(effect)} (${effect.key}): ${describeFault(fault)}. It stays pending: ${next}.`, fault.status, retry);
}
