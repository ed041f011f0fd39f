/**
 * The Probot adapter: subscribes to the events in app.yml and hands each one to
 * handleWebhook. Nothing else happens here.
 */
import type { ApplicationFunctionOptions, Probot } from 'probot';
import { callbackRoute } from './callback-route.js';
import { sweep, type SweepReport } from '../github/sweep.js';
import { lazyRedisLock } from '../github/lock.js';
import { GitHubCache } from '../github/cache.js';
import type { GitHubClient } from '../github/client.js';
import { connectionsFromEnv, type Connections } from '../github/connections.js';
import { completeCallback, handleWebhook, PullRequestQueue } from '../github/handle.js';

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
  /** Receives the app's controls once it is loaded: the sandbox and tests sweep by hand. */
  onReady?: (controls: { sweep: () => Promise<SweepReport> }) => void;
}

/** Callback settings from the environment; the webhook secret signs tokens unless a callback secret is set. */
export function callbacksFromEnv(env: NodeJS.ProcessEnv = process.env): AppOptions['callbacks'] {
  const publicUrl = env.FLOWGATE_PUBLIC_URL;
  const secret = env.FLOWGATE_CALLBACK_SECRET ?? env.WEBHOOK_SECRET;
  return publicUrl && secret ? { publicUrl, secret } : undefined;
}

export const EVENTS = ['pull_request', 'pull_request_review', 'issue_comment', 'check_run'] as const;

export function flowgateApp(options: AppOptions = {}) {
  return (app: Probot, { addHandler }: ApplicationFunctionOptions): void => {
    let identity: Promise<{ id: number; login: string }> | undefined;
    const whoAmI = () =>
      (identity ??= (async () => {
        if (options.appId !== undefined && options.appLogin !== undefined) return { id: options.appId, login: options.appLogin };
        const octokit = await app.auth();
        const { data } = await octokit.request('GET /app');
        return { id: data?.id ?? Number(process.env.APP_ID), login: `${data?.slug ?? 'flowgate'}[bot]` };
      })());
    const connections = options.connections ?? connectionsFromEnv();
    const cache = new GitHubCache();
    const queue = new PullRequestQueue();
    const redisUrl = options.redisUrl ?? process.env.REDIS_URL;
    const lock = redisUrl ? lazyRedisLock(redisUrl, (message) => app.log.warn(message)) : undefined;
    const now = options.now ?? Date.now;
    const callbacks = options.callbacks ?? callbacksFromEnv();
    const shared = async () => ({ cache, queue, app: await whoAmI(), connections, now, ...(callbacks ? { callbacks } : {}), ...(lock ? { lock } : {}) });
    const complete = async (body: unknown, from?: { owner: string; name: string }) =>
      completeCallback({ ...(await shared()), log: (message) => app.log.info(message), clientFor: async (installation) => (await app.auth(installation)) as unknown as GitHubClient }, body, from);
    if (callbacks) addHandler(callbackRoute({ secret: callbacks.secret, now, complete }));
    const runSweep = async (): Promise<SweepReport> =>
      sweep({
        ...(await shared()),
        log: (message) => app.log.info(message),
        appClient: async () => (await app.auth()) as unknown as GitHubClient,
        clientFor: async (installation) => (await app.auth(installation)) as unknown as GitHubClient,
      });
    options.onReady?.({ sweep: runSweep });
    if (options.sweepEveryMs !== undefined) {
      const every = options.sweepEveryMs;
      // With Redis, one replica sweeps per tick; the others skip it.
      const tick = () =>
        void (lock ? lock.tryHold('sweep', every, runSweep) : runSweep()).then(
          (report) => report?.errors.forEach((error) => app.log.warn(`sweep: ${error}`)),
          (error: unknown) => app.log.error(`sweep failed: ${(error as Error).message}`),
        );
      // At start-up too, so a restart catches up on timers that came due while it was down.
      setTimeout(tick, 1_000).unref();
      setInterval(tick, every).unref();
    }
    app.on('repository_dispatch', async (context) => {
      // For senders that hold only a GitHub token: event_type flowgate-callback, the callback as client_payload.
      if (context.payload.action !== 'flowgate-callback') return;
      const outcome = await complete(context.payload.client_payload ?? {}, { owner: context.payload.repository.owner.login, name: context.payload.repository.name });
      context.log.info(`repository_dispatch callback: ${outcome.callback?.error ?? 'accepted'}`);
    });
    app.on([...EVENTS], async (context) => {
      const outcome = await handleWebhook({ ...(await shared()), gh: context.octokit as unknown as GitHubClient, log: (message) => context.log.info(message) }, context.name, context.payload);
      if (outcome.skipped?.startsWith('malformed')) context.log.warn(outcome.skipped);
      else if (outcome.skipped) context.log.debug(`skipped ${context.name}.${(context.payload as { action?: string }).action ?? ''}: ${outcome.skipped}`);
      for (const run of outcome.runs) context.log.info(`${run.started ? 'started' : 'evaluated'} ${run.flow} (${run.id}): ${run.status}`);
    });
  };
}
