/**
 * Prometheus metrics, served at GET /metrics: what the app did with events,
 * what it asked of GitHub (the real budget), the effects it applied, the runs
 * that changed status, and how long the sweep took, beside Node's process
 * metrics. Each app instance has its own registry, so two apps in one process
 * (tests, the sandbox) count apart. No label carries a repository, a PR or a
 * person: the values are few, and the page says nothing about anyone's code.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Observer } from '../github/observer.js';
import { NOT_MODIFIED_HEADER } from '../github/transport/conditional.js';

export const METRICS_PATH = '/metrics';

export type EventOutcome = 'handled' | 'skipped' | 'failed';

export interface Metrics {
  registry: Registry;
  /** Handed to the shell (effects, runs). */
  observer: Observer;
  event(name: string, outcome: EventOutcome, reason?: string): void;
  /** One request to GitHub, after Octokit's own retries; `status` undefined when GitHub never answered. */
  request(kind: string, status: number | undefined): void;
  sweep(seconds: number, outcome: 'ok' | 'errors' | 'failed'): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const handled = new Counter({ name: 'flowgate_events_handled_total', help: 'Webhook events (and callbacks) the app acted on, by event name.', labelNames: ['event'], registers });
  const skipped = new Counter({ name: 'flowgate_events_skipped_total', help: 'Webhook events skipped before any work that could change a run, by event name and reason.', labelNames: ['event', 'reason'], registers });
  const failed = new Counter({ name: 'flowgate_events_failed_total', help: 'Webhook events that failed (answered 5xx, so GitHub shows them failed and the sweep redelivers them), by event name.', labelNames: ['event'], registers });
  const requests = new Counter({ name: 'flowgate_github_requests_total', help: 'Requests to GitHub by kind (method and route template, or graphql) and status class (2xx..5xx, 3xx being a 304 that costs no rate limit, or none when GitHub never answered).', labelNames: ['kind', 'status'], registers });
  const effects = new Counter({ name: 'flowgate_effects_total', help: 'Effect results by type and outcome (applied, already_done, failed, pending).', labelNames: ['type', 'outcome'], registers });
  const runs = new Counter({ name: 'flowgate_run_transitions_total', help: 'Runs that started (with the status they started in) or left waiting, by the status they have now.', labelNames: ['status'], registers });
  const sweeps = new Histogram({ name: 'flowgate_sweep_duration_seconds', help: 'How long each sweep (redelivery of failed webhooks, then due timers) took, by outcome.', labelNames: ['outcome'], buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers });
  return {
    registry,
    observer: {
      effect: (type, outcome) => effects.inc({ type, outcome }),
      run: (status) => runs.inc({ status }),
    },
    event(name, outcome, reason) {
      if (outcome === 'handled') handled.inc({ event: name });
      else if (outcome === 'failed') failed.inc({ event: name });
      else skipped.inc({ event: name, reason: reason ?? 'other' });
    },
    request: (kind, status) => requests.inc({ kind, status: status === undefined ? 'none' : `${Math.floor(status / 100)}xx` }),
    sweep: (seconds, outcome) => sweeps.observe({ outcome }, seconds),
  };
}

/**
 * Why an event was skipped, as one of a few stable words, from the text the
 * handler gives (which names the payload's own values, too many for a label).
 */
export function skipReason(text: string): string {
  if (text.startsWith('malformed')) return 'malformed_payload';
  if (/^no flows/.test(text)) return 'no_flows';
  if (/^no pull request|^a push without/.test(text)) return 'no_pull_request';
  if (/^the live flows are valid|^the policy check is already/.test(text)) return 'policy_unchanged';
  return 'cannot_change_a_run';
}

/** The kind of a request for its label: the route template as the caller wrote it, never a filled-in URL. */
export function requestKind(method: string, url: string): string {
  const path = url.split('?')[0]!;
  if (path.endsWith('/graphql')) return 'graphql';
  // A full URL (a pagination link) is filled in with names and numbers: too many values for a label.
  return `${method.toUpperCase()} ${path.startsWith('/') ? path : '(full URL)'}`;
}

interface Hooked {
  hook: {
    wrap(name: 'request', wrapper: (request: (options: Record<string, unknown>) => Promise<{ status: number }>, options: { method: string; url: string }) => Promise<unknown>): void;
  };
}

const counted = new WeakSet<object>();

/** Counts the requests an Octokit makes; an Octokit already counted is left as it is. */
export function countRequests<T>(octokit: T, metrics: Pick<Metrics, 'request'>): T {
  const hooked = octokit as unknown as Hooked;
  if (!hooked?.hook?.wrap || counted.has(hooked)) return octokit;
  counted.add(hooked);
  hooked.hook.wrap('request', async (request, options) => {
    const kind = requestKind(options.method, options.url);
    try {
      const response = await request(options as unknown as Record<string, unknown>);
      // GitHub answered 304 and the kept copy was given (transport/conditional.ts): free, so counted as what it was.
      const notModified = (response as { headers?: Record<string, unknown> }).headers?.[NOT_MODIFIED_HEADER] !== undefined;
      metrics.request(kind, notModified ? 304 : response.status);
      return response;
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      // Octokit gives a request that never got an answer (a timeout, a refused connection) a status of 500 or none.
      const answered = typeof status === 'number' && (error as { response?: unknown }).response !== undefined;
      metrics.request(kind, answered ? status : undefined);
      throw error;
    }
  });
  return octokit;
}

/** Whether a request carries `Authorization: Bearer <token>`, compared in constant time. */
function bearerMatches(request: IncomingMessage, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim() ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** GET /metrics in Prometheus's text format; with a token (METRICS_TOKEN), only for a scraper that sends it as a bearer token. */
export function metricsRoute(metrics: Metrics, token?: string) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (new URL(request.url ?? '/', 'http://flowgate').pathname !== METRICS_PATH) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET' }).end();
      return true;
    }
    if (token && !bearerMatches(request, token)) {
      response.writeHead(401, { 'www-authenticate': 'Bearer realm="flowgate metrics"', 'content-type': 'text/plain; charset=utf-8' }).end('metrics need the bearer token set in METRICS_TOKEN\n');
      return true;
    }
    const text = await metrics.registry.metrics();
    response.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(request.method === 'HEAD' ? undefined : text);
    return true;
  };
}
