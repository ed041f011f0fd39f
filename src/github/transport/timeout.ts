/**
 * A deadline on every request to GitHub. Without one, a request GitHub never
 * answers holds the PR's queue (and its lock) for as long as Node waits, and
 * every later event on that PR waits behind it.
 */
import { formatDuration, parseDuration } from '../../flow/duration.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * What a request that got no answer in time throws; its message names the
 * request, for the run's history. Named AbortError because Octokit passes an
 * AbortError through as it is (with status 500) and its retry plugin does not
 * repeat it: the request has already held the PR for the whole deadline, and
 * GitHub may have applied it.
 */
export class RequestTimeout extends Error {
  override readonly name = 'AbortError';
  readonly timedOut = true;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(`timed out after ${formatDuration(timeoutMs)}: ${method} ${path}`);
  }
}

/** FLOWGATE_REQUEST_TIMEOUT as milliseconds; a bad value is an error that says what was expected. */
export function requestTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.FLOWGATE_REQUEST_TIMEOUT;
  if (text === undefined || text.trim() === '') return DEFAULT_REQUEST_TIMEOUT_MS;
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`FLOWGATE_REQUEST_TIMEOUT=${text}: expected a duration such as 10s or 1m`);
  return ms;
}

type Fetch = typeof globalThis.fetch;

/**
 * `fetch` with a deadline on the whole exchange, the body included: the answer is
 * read inside the deadline, so a server that sends headers and then stalls is cut
 * too. A caller's own signal still aborts as before.
 */
export function timedFetch(timeoutMs: number, inner: Fetch = (...args) => globalThis.fetch(...args)): Fetch {
  return async (input, init = {}) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const path = new URL(url).pathname;
    const timedOut = (error: unknown) => (deadline.aborted && !init.signal?.aborted ? new RequestTimeout(method, path, timeoutMs) : error);
    try {
      const response = await inner(input, { ...init, signal });
      const empty = response.status === 204 || response.status === 205 || response.status === 304 || method === 'HEAD';
      const body = empty ? null : await response.arrayBuffer();
      const copy = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      Object.defineProperty(copy, 'url', { value: response.url });
      return copy;
    } catch (error) {
      throw timedOut(error);
    }
  };
}
