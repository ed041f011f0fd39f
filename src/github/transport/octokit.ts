/**
 * The Octokit the app talks to GitHub with: Probot's, with three changes.
 * - A rate-limit answer (403 or 429) means GitHub did not apply the request, so
 *   it is retried after GitHub's `retry-after`, even a POST; but twice at most,
 *   and never after a wait longer than two minutes (the event fails instead, and
 *   its delivery is redelivered by the sweep).
 * - A 5xx or a timeout may come after GitHub applied the request, so a POST is
 *   not retried unless its caller asks (GraphQL queries read, and are).
 * - Every request has a deadline (timeout.ts).
 */
import { ProbotOctokit } from 'probot';
import { timedFetch } from './timeout.js';
import { answerCache, conditionalFetch } from './conditional.js';

export const RATE_LIMIT_RETRIES = 2;
export const LONGEST_RETRY_AFTER_S = 120;

type OctokitOptions = NonNullable<ConstructorParameters<typeof ProbotOctokit>[0]>;
type Throttle = NonNullable<OctokitOptions['throttle']>;

export interface TransportOptions {
  /** The deadline of each request. */
  timeoutMs: number;
  /** Space writes as GitHub asks (true against GitHub); the sandbox has no secondary limits and goes faster without. */
  throttle?: boolean;
  /** How long one second of `retry-after` lasts: a second, except in tests. */
  secondMs?: number;
}

interface LimitedRequest {
  method: string;
  url: string;
}

/** Whether to retry after a rate limit: a bounded number of times, and only for a wait the event can afford. */
function retryRateLimit(kind: string) {
  return (retryAfter: number, request: LimitedRequest, octokit: { log: { warn: (message: string) => void } }, retryCount = 0): boolean => {
    const retry = retryCount < RATE_LIMIT_RETRIES && retryAfter <= LONGEST_RETRY_AFTER_S;
    octokit.log.warn(
      retry
        ? `${kind} on ${request.method} ${request.url}: retrying in ${retryAfter} s (retry ${retryCount + 1} of ${RATE_LIMIT_RETRIES})`
        : `${kind} on ${request.method} ${request.url}: giving up (retry-after ${retryAfter} s, ${retryCount} retries made); the event fails and is redelivered later`,
    );
    return retry;
  };
}

// plugin-retry's list, with 429: a rate limit is the throttle's to retry, after GitHub's retry-after.
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

/** A ProbotOctokit class with Flowgate's retry rules; Probot's own options (auth, Redis for the throttle) still apply. */
export function flowgateOctokit(options: Pick<TransportOptions, 'throttle' | 'secondMs'> = {}): typeof ProbotOctokit {
  const throttle = {
    enabled: options.throttle ?? true,
    retryAfterBaseValue: options.secondMs ?? 1000,
    onSecondaryRateLimit: retryRateLimit('secondary rate limit'),
    onRateLimit: retryRateLimit('rate limit'),
  } as unknown as Throttle;
  return class FlowgateOctokit extends ProbotOctokit {
    constructor(instance: OctokitOptions = {}) {
      super({ ...instance, throttle: { ...instance.throttle, ...throttle }, retry: { ...instance.retry, doNotRetry: DO_NOT_RETRY } });
      this.hook.before('request', (endpoint) => {
        const reads = endpoint.method === 'GET' || endpoint.method === 'HEAD' || /\/graphql$/.test(endpoint.url);
        if (!reads && endpoint.method === 'POST' && endpoint.request?.retries === undefined) endpoint.request = { ...endpoint.request, retries: 0 };
      });
    }
  };
}

/**
 * What to spread into `new Probot(...)` or `createProbot({ overrides })`: the Octokit class, and the deadline for it
 * and for token requests. REST reads are conditional (conditional.ts): a 304 costs no rate limit.
 */
export function probotTransport(options: TransportOptions): { Octokit: typeof ProbotOctokit; request: { fetch: typeof globalThis.fetch } } {
  return { Octokit: flowgateOctokit(options), request: { fetch: conditionalFetch(timedFetch(options.timeoutMs), answerCache()) } };
}
