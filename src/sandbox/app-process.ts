/**
 * The real Flowgate app in a process of its own, against a sandbox in another:
 * the proof harness kills it (SIGKILL) half-way through an event, restarts it,
 * and runs two of them side by side with Redis. Configured by environment:
 *
 *   FLOWGATE_SANDBOX_URL   the sandbox's base URL (required)
 *   FLOWGATE_SANDBOX_NOW   the sandbox's clock at spawn, in ms
 *   APP_ID, FLOWGATE_APP_LOGIN, WEBHOOK_SECRET, FLOWGATE_CALLBACK_SECRET, REDIS_URL
 *
 * It prints one JSON line, `{"listening":"http://127.0.0.1:port"}`, when ready.
 * `POST /_proof/sweep` runs the timer sweep and answers its report.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Probot } from 'probot';
import { appHttpHandler } from '../app/http-handler.js';
import { flowgateApp } from '../app/probot-app.js';
import type { SweepReport } from '../github/sweep.js';
import { requestTimeoutFromEnv, timedFetch } from '../github/transport/timeout.js';
import { UnthrottledOctokit, WEBHOOK_PATH } from './with-app.js';

const env = process.env;
const sandboxUrl = env.FLOWGATE_SANDBOX_URL;
if (!sandboxUrl) {
  console.error('app-process: set FLOWGATE_SANDBOX_URL to the sandbox\'s base URL');
  process.exit(2);
}

/**
 * The sandbox's clock is the app's clock: it keeps time in another process, and
 * says what time it is on every answer and webhook (`x-sandbox-now`). Times the
 * app records (a push seen) must be comparable with times the sandbox stamps.
 */
let sandboxNow = Number(env.FLOWGATE_SANDBOX_NOW ?? Date.now());
const see = (value: string | string[] | null | undefined) => {
  const ms = Number(Array.isArray(value) ? value[0] : value);
  if (Number.isFinite(ms) && ms > sandboxNow) sandboxNow = ms;
};
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const response = await realFetch(input, init);
  see(response.headers.get('x-sandbox-now'));
  return response;
};

const secret = env.WEBHOOK_SECRET ?? 'sandbox-webhook-secret';
const appId = Number(env.APP_ID ?? 4242);
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

// The same HTTP handler as `npm start`: the body cap, and a failed event answers 5xx.
let handler: Awaited<ReturnType<typeof appHttpHandler>> | undefined;
let sweepNow: (() => Promise<SweepReport>) | undefined;
const server = createServer((request, response) => {
  see(request.headers['x-sandbox-now']);
  if (request.method === 'POST' && request.url === '/_proof/sweep') {
    if (!sweepNow) return void response.writeHead(503).end();
    void sweepNow().then(
      (report) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(report)),
      (error: unknown) => response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (error as Error).message })),
    );
    return;
  }
  if (!handler) return void response.writeHead(503).end();
  void handler(request, response);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const probot = new Probot({ appId, privateKey, secret, baseUrl: sandboxUrl, Octokit: UnthrottledOctokit, request: { fetch: timedFetch(requestTimeoutFromEnv(env)) }, logLevel: (env.LOG_LEVEL as 'warn' | undefined) ?? 'warn' });
const app = flowgateApp({
  appId,
  appLogin: env.FLOWGATE_APP_LOGIN ?? 'flowgate[bot]',
  now: () => sandboxNow,
  connections: () => undefined,
  callbacks: { publicUrl: appUrl, secret: env.FLOWGATE_CALLBACK_SECRET ?? 'sandbox-callback-secret' },
  ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
  onReady: (controls) => (sweepNow = controls.sweep),
});
handler = await appHttpHandler(probot, app, { path: WEBHOOK_PATH });
process.stdout.write(`${JSON.stringify({ listening: appUrl, webhooks: `${appUrl}${WEBHOOK_PATH}` })}\n`);
