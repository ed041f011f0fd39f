/**
 * What a load balancer or an orchestrator probes, on the app's own server:
 * - GET /healthz, liveness: the process is up and its event loop answers.
 *   Restart the process when it fails.
 * - GET /readyz, readiness: the process can do its work now. Its private key
 *   signs an app token (no request to GitHub: GitHub's own outages are not this
 *   replica's fault), and Redis answers a PING when REDIS_URL is set (without it,
 *   events on a PR could not be serialised across replicas, and each would fail
 *   with 503 anyway). Send no traffic to a replica that fails it.
 * Both answer JSON, and never with a secret: a failed check says what failed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const LIVENESS_PATH = '/healthz';
export const READINESS_PATH = '/readyz';

/** One readiness check: resolves when the dependency is usable, or throws saying why not. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<unknown>;
}

/** A check that takes longer than this fails: a probe must answer before the load balancer gives up on it. */
export const CHECK_TIMEOUT_MS = 2_000;

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function json(response: ServerResponse, status: number, body: object): true {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(`${JSON.stringify(body)}\n`);
  return true;
}

/** Redis at `url` answers PING, on a connection of its own that is closed after (the lock's client may be the broken one). */
export function redisCheck(url: string): ReadinessCheck {
  return {
    name: 'redis',
    check: async () => {
      const { Redis } = await import('ioredis');
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: CHECK_TIMEOUT_MS, commandTimeout: CHECK_TIMEOUT_MS });
      client.on('error', () => {}); // the failed connect rejects connect() below; nothing else listens
      try {
        await client.connect();
        const answer = await client.ping();
        if (answer !== 'PONG') throw new Error(`PING answered ${answer}`);
      } finally {
        client.disconnect();
      }
    },
  };
}

/** How long one round of checks answers every probe: a flood of /readyz opens one Redis connection a second, not one a request. */
export const READINESS_CACHE_MS = 1_000;

export interface HealthOptions {
  checks: readonly ReadinessCheck[];
  /** The clock, for the cache. */
  now?: () => number;
  /** Told when readiness changes, with what failed: the server log says why a replica left the pool. */
  onChange?: (ready: boolean, failures: Record<string, string>) => void;
}

type Results = (readonly [string, string])[];

export function healthRoute(options: HealthOptions) {
  let wasReady: boolean | undefined;
  const now = options.now ?? Date.now;
  // Probes that come while a round runs, or within a second of it, share its answer.
  let last: { at: number; results: Promise<Results> } | undefined;
  const runChecks = (): Promise<Results> =>
    Promise.all(
      options.checks.map(async ({ name, check }) => {
        try {
          await withDeadline(check(), CHECK_TIMEOUT_MS);
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, (error as Error).message || String(error)] as const;
        }
      }),
    );
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const path = new URL(request.url ?? '/', 'http://flowgate').pathname;
    if (path !== LIVENESS_PATH && path !== READINESS_PATH) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET' }).end();
      return true;
    }
    if (path === LIVENESS_PATH) return json(response, 200, { status: 'ok' });
    const round = last && now() - last.at < READINESS_CACHE_MS ? last : (last = { at: now(), results: runChecks() });
    const results = await round.results;
    const failures = Object.fromEntries(results.filter(([, result]) => result !== 'ok'));
    const ready = Object.keys(failures).length === 0;
    if (ready !== wasReady) options.onChange?.(ready, failures);
    wasReady = ready;
    return json(response, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  };
}
