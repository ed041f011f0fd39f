/**
 * `npm start`: the Flowgate server. Configured by the usual Probot variables
 * (APP_ID, PRIVATE_KEY_PATH or PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST, LOG_LEVEL,
 * REDIS_URL, PORT, HOST, WEBHOOK_PATH, WEBHOOK_PROXY_URL), read from the
 * environment and .env; without credentials Probot offers to register the app
 * from app.yml. Credentials that are set but cannot work stop the start with
 * a message and exit 2 (app/credentials.ts); docs/deploy.md lists them all.
 *
 * Probot's own server is not used once the app has credentials: its webhook
 * middleware reads a body of any size before checking the signature, and
 * answers 202 to an event still running after 9 s, so a later failure would
 * never show on GitHub. app/http-handler.ts serves the same routes without both.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseEnv } from 'node:util';
import { createProbot, run, type Probot } from 'probot';
import { ConfigError, credentialsFromEnv, type Credentials } from './app/credentials.js';
import { appHttpHandler, DEFAULT_WEBHOOK_PATH } from './app/http-handler.js';
import { startWebhookProxy, type WebhookProxy } from './app/webhook-proxy.js';
import { flowgateApp, fullSweepFromEnv } from './app/probot-app.js';
import { parseDuration } from './flow/duration.js';
import { probotTransport } from './github/transport/octokit.js';
import { requestTimeoutFromEnv } from './github/transport/timeout.js';

function fail(message: string): never {
  console.error(`flowgate: ${message}`);
  process.exit(2);
}

// .env, as Probot reads it: its values win over the environment's.
try {
  Object.assign(process.env, parseEnv(readFileSync('.env', 'utf8')));
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') fail(`.env: ${(error as Error).message}`);
}

// Probot's own default is warn, which hides the start-up line and each run's progress; .env.example says info.
if (!process.env.LOG_LEVEL?.trim()) process.env.LOG_LEVEL = 'info';

// FLOWGATE_SWEEP_EVERY: how often to look for due timers and failed webhooks (default 5m; "off" to leave it to another replica or a cron).
const every = process.env.FLOWGATE_SWEEP_EVERY ?? '5m';
const sweepEveryMs = every === 'off' ? undefined : parseDuration(every);
if (every !== 'off' && sweepEveryMs === undefined) fail(`FLOWGATE_SWEEP_EVERY=${every}: expected a duration such as 5m, or off`);
// FLOWGATE_REQUEST_TIMEOUT: the deadline of each request to GitHub (default 10s).
let timeoutMs: number;
try {
  timeoutMs = requestTimeoutFromEnv();
} catch (error) {
  fail((error as Error).message);
}

let credentials: Credentials;
try {
  credentials = credentialsFromEnv();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  fail(error.message);
}

// FLOWGATE_FULL_SWEEP_EVERY: how often the sweep's full pass finds waiting PRs on GitHub, repairing its due index (default 1h).
let fullSweepEveryMs: number;
try {
  fullSweepEveryMs = fullSweepFromEnv();
} catch (error) {
  fail((error as Error).message);
}

const app = flowgateApp({ ...(sweepEveryMs === undefined ? {} : { sweepEveryMs }), fullSweepEveryMs });

/** Probot with the checked credentials; Probot reads the rest (GHE_HOST, LOG_LEVEL, REDIS_URL) from the environment. */
function probotFor(checked: Extract<Credentials, { kind: 'app' }>): Probot {
  return createProbot({ overrides: { appId: checked.appId, privateKey: checked.privateKey, secret: checked.secret, ...probotTransport({ timeoutMs }) } });
}

async function serve(probot: Probot): Promise<void> {
  await probot.ready();
  if (!process.env.REDIS_URL) {
    probot.log.warn(
      'REDIS_URL is not set: this process serialises events on a PR only within itself. Run exactly ONE replica of Flowgate; ' +
        'two replicas without REDIS_URL duplicate comments and merges, and both sweep. Set REDIS_URL (the same Redis) on every replica to run several.',
    );
  }
  const path = process.env.WEBHOOK_PATH ?? DEFAULT_WEBHOOK_PATH;
  const handler = await appHttpHandler(probot, app, { path });
  const server = createServer((request, response) => void handler(request, response));
  const port = Number(process.env.PORT) || 3000;
  const host = process.env.HOST ?? 'localhost';
  server.on('error', (error: NodeJS.ErrnoException) => fail(error.code === 'EADDRINUSE' ? `port ${port} is in use; set PORT to another` : error.message));
  await new Promise<void>((listening) => server.listen(port, host, listening));
  probot.log.info(`Flowgate listening on http://${host}:${port} (webhooks at ${path}; health at /healthz and /readyz, metrics at /metrics; each GitHub request times out after ${timeoutMs} ms)`);
  // Development without a public URL: a relay channel replays GitHub's deliveries to the webhook route.
  let proxy: WebhookProxy | undefined;
  const proxyUrl = process.env.WEBHOOK_PROXY_URL?.trim();
  if (proxyUrl) {
    const local = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
    try {
      proxy = await startWebhookProxy(proxyUrl, `http://${local}:${port}${path}`, { info: (message) => probot.log.info(message), error: (message) => probot.log.error(message) });
    } catch (error) {
      fail(error instanceof ConfigError ? error.message : `WEBHOOK_PROXY_URL=${proxyUrl}: the relay could not start (${(error as Error).message})`);
    }
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      probot.log.info(`${signal}: stopping; a webhook cut short shows as failed on GitHub, and the sweep redelivers it`);
      void proxy?.stop();
      server.close(() => process.exit(0));
      server.closeIdleConnections();
    });
  }
}

try {
  if (credentials.kind === 'app') await serve(probotFor(credentials));
  // Without credentials, Probot's setup flow registers the app from app.yml and writes them to .env.
  else await run(app);
} catch (error) {
  fail(error instanceof ConfigError ? error.message : `could not start: ${(error as Error).message}`);
}
