/**
 * The real Flowgate app, served on loopback and wired to a sandbox: webhooks go
 * from the sandbox to Probot's middleware, and the app's Octokit goes back to
 * the sandbox through a base URL. No code path of the app knows it is a sandbox.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Probot } from 'probot';
import { appHttpHandler, DEFAULT_WEBHOOK_PATH } from '../app/http-handler.js';
import { flowgateApp } from '../app/probot-app.js';
import type { Connections } from '../github/effects/connections.js';
import type { Lock } from '../github/lock.js';
import type { SweepReport } from '../github/sweep.js';
import { flowgateOctokit } from '../github/transport/octokit.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, timedFetch } from '../github/transport/timeout.js';
import { Sandbox, type SandboxOptions } from './sandbox.js';

export interface AppOnSandbox {
  sandbox: Sandbox;
  probot: Probot;
  /** Where the app listens: webhooks and the callback route. */
  appUrl: string;
  /** Stops the app and the sandbox. */
  stop(): Promise<void>;
  /** Stops the app only, as a restart would; the sandbox keeps its state. */
  stopApp(): Promise<void>;
  /** Runs the timer sweep now (the sandbox's clock decides what is due). */
  sweep(): Promise<SweepReport>;
}

export const WEBHOOK_PATH = DEFAULT_WEBHOOK_PATH;

/**
 * Against GitHub, Octokit spaces writes 1 s apart and comments 3 s apart, for
 * GitHub's secondary rate limits. The sandbox has none, so the harness goes
 * without the throttle (and so without its retries after a rate limit; those are
 * tested with nock against the throttled Octokit). Otherwise this is the Octokit
 * `npm start` uses: no automatic repeat of a POST, a deadline on every request.
 */
export const UnthrottledOctokit = flowgateOctokit({ throttle: false });

export interface AppOnSandboxOptions extends SandboxOptions {
  connections?: Connections;
  /** Signs callback tokens; the app's own server is their public URL. */
  callbackSecret?: string;
  /** A sandbox to reuse: the app restarts, GitHub stays. */
  sandbox?: Sandbox;
  /** The lock between replicas: two apps given one lock act as two replicas sharing a Redis. */
  lock?: Lock;
  /** The deadline of each request to the sandbox (default 10 s). */
  requestTimeoutMs?: number;
}

export async function startAppOnSandbox(options: AppOnSandboxOptions = {}): Promise<AppOnSandbox> {
  const secret = options.webhookSecret ?? options.sandbox?.webhookSecret ?? 'sandbox-webhook-secret';
  const sandbox = options.sandbox ?? new Sandbox({ ...options, webhookSecret: secret });
  if (!sandbox.url) await sandbox.start();
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  // The server listens first, so the app knows its own URL for callback links.
  let handler: Awaited<ReturnType<typeof appHttpHandler>> | undefined;
  const server: Server = createServer((request, response) => {
    if (!handler) return void response.writeHead(503).end();
    void handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fetch = timedFetch(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const probot = new Probot({ appId: sandbox.appId, privateKey, secret, baseUrl: sandbox.url, Octokit: UnthrottledOctokit, request: { fetch } });
  const app = flowgateApp({
    appId: sandbox.appId,
    appLogin: sandbox.appLogin,
    now: () => sandbox.clock.now(),
    connections: options.connections ?? (() => undefined),
    callbacks: { publicUrl: appUrl, secret: options.callbackSecret ?? 'sandbox-callback-secret' },
    onReady: (controls) => (sweepNow = controls.sweep),
    ...(options.lock ? { lock: options.lock } : {}),
  });
  let sweepNow: (() => Promise<SweepReport>) | undefined;
  handler = await appHttpHandler(probot, app, { path: WEBHOOK_PATH });
  sandbox.webhookUrl = `${appUrl}${WEBHOOK_PATH}`;
  return {
    sandbox,
    probot,
    appUrl,
    async stop() {
      await sandbox.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async sweep() {
      const report = await sweepNow!();
      await sandbox.settle();
      return report;
    },
    async stopApp() {
      await sandbox.settle();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
