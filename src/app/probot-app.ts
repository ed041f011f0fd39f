/**
 * The Probot adapter: subscribes to the events in app.yml and hands each one to
 * handleWebhook. Nothing else happens here.
 */
import type { ApplicationFunctionOptions, Probot } from 'probot';
import { callbackRoute } from './callback-route.js';
import { sweep, type SweepReport } from '../github/sweep.js';
import { lazyRedisLock, type Lock } from '../github/lock.js';
import { lazyRedisSweepIndex, memorySweepIndex, type SweepIndex } from '../github/sweep-index.js';
import { parseDuration } from '../flow/duration.js';
import { GitHubCache, PEOPLE_TTL_MS, RecentSet, REPLICA_PEOPLE_TTL_MS } from '../github/facts/cache.js';
import type { GitHubClient } from '../github/client.js';
import { connectionsFromEnv, type Connections } from '../github/effects/connections.js';
import { completeCallback, handleWebhook, PullRequestQueue, screenWebhook } from '../github/handle.js';
import type { AppIdentity, KnownIdentity } from '../github/relevance.js';
import { healthRoute, redisCheck, type ReadinessCheck } from './health.js';
import { countRequests, createMetrics, metricsRoute, skipReason, type Metrics } from './metrics.js';

export interface AppOptions {
  /** The app's id and bot login; read from APP_ID and GET /app when not given. */
  appId?: number;
  appLogin?: string;
  connections?: Connections;
  /** The clock; the sandbox demo passes its own. */
  now?: () => number;
  /** Where the callback route is reachable, and the secret tokens are signed with (FLOWGATE_PUBLIC_URL, FLOWGATE_CALLBACK_SECRET). */
  callbacks?: { publicUrl: string; secret: string };
  /** Sweep for due timers at start-up and then this often; unset, the app never sweeps by itself. */
  sweepEveryMs?: number;
  /** Redis for locks across replicas (REDIS_URL). */
  redisUrl?: string;
  /** A lock to use instead of Redis: tests give several app instances one in-memory lock. */
  lock?: Lock;
  /** When waiting PRs are next due, for the sweep; default: in Redis with REDIS_URL, else in this process's memory. */
  dueIndex?: SweepIndex;
  /** How often the sweep makes its full pass, finding waiting PRs on GitHub (FLOWGATE_FULL_SWEEP_EVERY, default 1h). */
  fullSweepEveryMs?: number;
  /** Receives the app's controls once it is loaded: the sandbox and tests sweep by hand. */
  onReady?: (controls: { sweep: () => Promise<SweepReport> }) => void;
  /** Where the app counts what it does (GET /metrics); a registry of its own when not given. */
  metrics?: Metrics;
  /** The bearer token GET /metrics asks for (METRICS_TOKEN); unset, /metrics is open. */
  metricsToken?: string;
  /** Readiness checks besides the app's own (its private key, Redis): GET /readyz. */
  readiness?: ReadinessCheck[];
}

/** Callback settings from the environment; the webhook secret signs tokens unless a callback secret is set. */
export function callbacksFromEnv(env: NodeJS.ProcessEnv = process.env): AppOptions['callbacks'] {
  const publicUrl = env.FLOWGATE_PUBLIC_URL;
  const secret = env.FLOWGATE_CALLBACK_SECRET ?? env.WEBHOOK_SECRET;
  return publicUrl && secret ? { publicUrl, secret } : undefined;
}

/** FLOWGATE_FULL_SWEEP_EVERY: how often the sweep looks for waiting PRs on GitHub itself (default 1h). */
export function fullSweepFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.FLOWGATE_FULL_SWEEP_EVERY ?? '1h';
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`FLOWGATE_FULL_SWEEP_EVERY=${text}: expected a duration such as 1h or 30m`);
  return ms;
}

export const EVENTS = ['pull_request', 'pull_request_review', 'issue_comment', 'check_run', 'push'] as const;
/** Redeliveries are looked for over 3 hours, at most 20 a sweep: a few thousand GUIDs cover any sweep period. */
const REDELIVERED_KEPT = 4096;
/** Events that change people: cached team members and permissions are forgotten (facts/cache.ts). */
export const PEOPLE_EVENTS = ['membership', 'member', 'team', 'organization'] as const;

export function flowgateApp(options: AppOptions = {}) {
  return (app: Probot, { addHandler }: ApplicationFunctionOptions): void => {
    const metrics = options.metrics ?? createMetrics();
    // Every Octokit the app is handed counts its requests: the events', the sweep's, the callbacks'.
    const auth = async (installation?: number) => countRequests((await app.auth(installation)) as unknown as GitHubClient, metrics);
    let identity: Promise<AppIdentity> | undefined;
    // What the app knows of itself without asking GitHub: its configured id, and its login once learned.
    const configuredId = options.appId ?? (/^\d+$/.test(process.env.APP_ID ?? '') ? Number(process.env.APP_ID) : undefined);
    let known: KnownIdentity = { ...(configuredId !== undefined ? { id: configuredId } : {}), ...(options.appLogin !== undefined ? { login: options.appLogin } : {}) };
    const whoAmI = () =>
      (identity ??= (async () => {
        if (options.appId !== undefined && options.appLogin !== undefined) return { id: options.appId, login: options.appLogin };
        const octokit = await auth();
        const data = (await octokit.request('GET /app')).data as { id?: number; slug?: string } | null;
        const learned: AppIdentity = { id: data?.id ?? Number(process.env.APP_ID), login: `${data?.slug ?? 'flowgate'}[bot]` };
        known = learned;
        return learned;
      })().catch((error: unknown) => {
        // Not kept: a failure (GitHub down, a key being rotated) fails this event only; the next one asks again.
        identity = undefined;
        throw error;
      }));
    const connections = options.connections ?? connectionsFromEnv();
    const redisUrl = options.redisUrl ?? process.env.REDIS_URL;
    // A webhook that changes people reaches one replica: with several, the others must not believe people long.
    const cache = new GitHubCache({}, { peopleTtlMs: redisUrl || options.lock ? REPLICA_PEOPLE_TTL_MS : PEOPLE_TTL_MS });
    const queue = new PullRequestQueue();
    const lock = options.lock ?? (redisUrl ? lazyRedisLock(redisUrl, (message) => app.log.warn(message)) : undefined);
    const now = options.now ?? Date.now;
    const callbacks = options.callbacks ?? callbacksFromEnv();
    const dueIndex = options.dueIndex ?? (redisUrl ? lazyRedisSweepIndex(redisUrl, async () => (await whoAmI()).id, (message) => app.log.warn(message)) : memorySweepIndex());
    const fullSweepEveryMs = options.fullSweepEveryMs ?? fullSweepFromEnv();
    const shared = async () => ({ cache, queue, app: await whoAmI(), connections, now, dueIndex, observer: metrics.observer, ...(callbacks ? { callbacks } : {}), ...(lock ? { lock } : {}) });
    const complete = async (body: unknown, from?: { owner: string; name: string }) => {
      const event = from ? 'repository_dispatch' : 'callback';
      const outcome = await completeCallback({ ...(await shared()), log: (message) => app.log.info(message), clientFor: auth }, body, from).catch((error: unknown) => {
        metrics.event(event, 'failed');
        throw error;
      });
      metrics.event(event, outcome.callback?.error ? 'skipped' : 'handled', outcome.callback?.error ? `refused_${outcome.callback.status}` : undefined);
      return outcome;
    };
    if (callbacks) addHandler(callbackRoute({ secret: callbacks.secret, now, complete }));
    // Loaded without a server (Probot's receive() alone, in tests), there is nowhere to serve them: Probot's addHandler throws.
    const serve = (route: Parameters<typeof addHandler>[0]) => {
      try {
        addHandler(route);
      } catch {
        // No server: the metrics are still counted, and nothing serves them.
      }
    };
    serve(metricsRoute(metrics, options.metricsToken ?? (process.env.METRICS_TOKEN || undefined)));
    const readiness: ReadinessCheck[] = [
      // Signs a JWT with the private key, as every request to GitHub starts with; GitHub is not asked.
      { name: 'private_key', check: async () => ((await app.auth()) as unknown as { auth: (options: { type: 'app' }) => Promise<unknown> }).auth({ type: 'app' }) },
      ...(redisUrl && !options.lock ? [redisCheck(redisUrl)] : []),
      ...(options.readiness ?? []),
    ];
    serve(
      healthRoute({
        checks: readiness,
        onChange: (ready, failures) =>
          ready ? app.log.info('ready: every readiness check passes') : app.log.warn(`not ready: ${Object.entries(failures).map(([name, error]) => `${name}: ${error}`).join('; ')}`),
      }),
    );
    // Failed webhooks are redelivered by the sweep; what this process redelivered is remembered, to notice another sweeper.
    const redelivery = { events: new Set<string>([...EVENTS, 'repository_dispatch']), mine: new RecentSet<string>(REDELIVERED_KEPT), since: now() };
    // One sweep at a time in this process: a tick that comes while the last sweep still runs is skipped.
    let sweeping: Promise<SweepReport> | undefined;
    const runSweep = async (): Promise<SweepReport> => {
      if (sweeping) return { installations: 0, pulls: 0, redelivered: [], errors: [], skipped: 'a sweep is already running in this process' };
      const started = performance.now();
      sweeping = (async () =>
        sweep({
          ...(await shared()),
          log: (message) => app.log.info(message),
          appClient: () => auth(),
          clientFor: auth,
          redelivery,
          fullPassEveryMs: fullSweepEveryMs,
        }))();
      try {
        const report = await sweeping.catch((error: unknown) => {
          metrics.sweep((performance.now() - started) / 1000, 'failed');
          throw error;
        });
        metrics.sweep((performance.now() - started) / 1000, report.errors.length > 0 ? 'errors' : 'ok');
        // Without a shared lock, a redelivery this process did not make is a sign of a second process sweeping.
        if (!lock && report.foreign) {
          app.log.error(`another process redelivered webhook(s) ${report.foreign.join(', ')}: if that was not a person in the app's settings, several Flowgate processes run without REDIS_URL and will duplicate comments and merges; set REDIS_URL on every replica`);
        }
        return report;
      } finally {
        sweeping = undefined;
      }
    };
    options.onReady?.({ sweep: runSweep });
    if (options.sweepEveryMs !== undefined) {
      const every = options.sweepEveryMs;
      // With Redis, one replica sweeps per period; the others skip it.
      const tick = () =>
        void (lock ? lock.lease('sweep', every, runSweep) : runSweep()).then(
          (report) => {
            report?.errors.forEach((error) => app.log.warn(`sweep: ${error}`));
            if (report?.skipped) app.log.warn(`sweep skipped: ${report.skipped}`);
          },
          (error: unknown) => app.log.error(`sweep failed: ${(error as Error).message}`),
        );
      // At start-up too, so a restart catches up on timers that came due while it was down.
      setTimeout(tick, 1_000).unref();
      setInterval(tick, every).unref();
    }
    app.on('repository_dispatch', async (context) => {
      // For senders that hold only a GitHub token: event_type flowgate-callback, the callback as client_payload.
      const payload = context.payload as { action?: unknown; client_payload?: unknown; repository?: { name?: unknown; owner?: { login?: unknown } } };
      if (payload.action !== 'flowgate-callback') return void metrics.event('repository_dispatch', 'skipped', 'cannot_change_a_run');
      const owner = payload.repository?.owner?.login;
      const name = payload.repository?.name;
      if (typeof owner !== 'string' || typeof name !== 'string') {
        context.log.warn('repository_dispatch callback skipped: the payload names no repository (repository.owner.login and repository.name)');
        metrics.event('repository_dispatch', 'skipped', 'malformed_payload');
        return;
      }
      const outcome = await complete(payload.client_payload ?? {}, { owner, name });
      context.log.info(`repository_dispatch callback: ${outcome.callback?.error ?? 'accepted'}`);
    });
    app.on([...EVENTS, ...PEOPLE_EVENTS], async (context) => {
      const what = `${context.name}.${(context.payload as { action?: string }).action ?? ''} (delivery ${context.id})`;
      context.log.debug(`received ${what}`);
      const gh = countRequests(context.octokit as unknown as GitHubClient, metrics);
      // Most deliveries are settled by their payload: screened first, they ask GitHub nothing, not even who the app is.
      const screened = screenWebhook({ cache, now }, context.name, context.payload, known);
      const outcome = screened ?? (await handleWebhook({ ...(await shared()), gh, log: (message) => context.log.info(message) }, context.name, context.payload).catch((error: unknown) => {
        metrics.event(context.name, 'failed');
        throw error;
      }));
      metrics.event(context.name, outcome.skipped ? 'skipped' : 'handled', outcome.skipped ? skipReason(outcome.skipped) : undefined);
      if (outcome.skipped?.startsWith('malformed')) context.log.warn(outcome.skipped);
      else if (outcome.skipped) context.log.debug(`skipped ${context.name}.${(context.payload as { action?: string }).action ?? ''}: ${outcome.skipped}`);
      for (const run of outcome.runs) context.log.info(`${run.started ? 'started' : 'evaluated'} ${run.flow} (${run.id}): ${run.status}`);
      if (!outcome.skipped) context.log.debug(`handled ${what}: ${outcome.runs.length} run(s) evaluated`);
    });
  };
}
