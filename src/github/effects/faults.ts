/**
 * What a failed request tells about its effect. GitHub either refused it (it
 * did not happen, and will not on its own), asked the app to slow down (it did
 * not happen yet), or the app cannot know (a 5xx, a timeout, a dropped
 * connection: GitHub may have applied it before the answer was lost).
 */
import { statusOf } from '../client.js';

export type Fault =
  | { kind: 'refused'; status: number; message: string }
  /** A secondary rate limit or 429: GitHub checks it before acting, so nothing was applied. */
  | { kind: 'rate_limited'; status: number; message: string; retryAfterSeconds?: number }
  /** Whether GitHub applied it cannot be known from the answer. */
  | { kind: 'unknown'; status?: number; message: string; timedOut: boolean };

interface ErrorShape {
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  response?: { headers?: Record<string, unknown> };
}

export function faultOf(error: unknown): Fault {
  const status = statusOf(error);
  const shape = (error ?? {}) as ErrorShape;
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  const headers = shape.response?.headers ?? {};
  if ((status === 403 || status === 429) && (headers['retry-after'] !== undefined || String(headers['x-ratelimit-remaining']) === '0' || /rate limit/i.test(message))) {
    const retryAfter = Number(headers['retry-after']);
    return { kind: 'rate_limited', status, message, ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {}) };
  }
  if (status !== undefined && status < 500) return { kind: 'refused', status, message };
  const timeout = timedOut(shape);
  return { kind: 'unknown', ...(status !== undefined ? { status } : {}), message: timeout ? 'timed out' : message, timedOut: timeout };
}

/** Octokit reports an aborted fetch as a 500 whose error (or its cause) is a TimeoutError or AbortError. */
function timedOut(shape: ErrorShape): boolean {
  const cause = (shape.cause ?? {}) as ErrorShape;
  return [shape.name, cause.name].some((name) => name === 'TimeoutError' || name === 'AbortError') || /timed? ?out|timeout/i.test(String(shape.message ?? ''));
}

/** How a fault reads in the history and the log: `timed out`, `502: Bad Gateway`, `rate limited (retry after 60 s)`. */
export function describeFault(fault: Fault): string {
  if (fault.kind === 'rate_limited') return `rate limited by GitHub${fault.retryAfterSeconds !== undefined ? ` (retry after ${fault.retryAfterSeconds} s)` : ''}`;
  if (fault.kind === 'unknown' && fault.timedOut) return 'timed out';
  return fault.status === undefined ? fault.message : `${fault.status}: ${fault.message}`;
}
