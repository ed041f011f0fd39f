/**
 * The real Flowgate app, served on loopback and wired to a sandbox: webhooks go
 * from the sandbox to Probot's middleware, and the app's Octokit goes back to
 * the sandbox through a base URL. No code path of the app knows it is a sandbox.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import { flowgateApp } from '../app/probot-app.js';
import type { Connections } from '../github/connections.js';
import { Sandbox, type SandboxOptions } from './sandbox.js';

export interface AppOnSandbox {
  sandbox: Sandbox;
  probot: Probot;
  stop(): Promise<void>;
}

export const WEBHOOK_PATH = '/api/github/webhooks';

/**
 * Against GitHub, Octokit spaces writes 1 s apart and comments 3 s apart, for
 * GitHub's secondary rate limits. The sandbox has none. Probot sets `throttle`
 * itself, so the switch is made where the final options arrive: the constructor.
 */
export class UnthrottledOctokit extends ProbotOctokit {
  constructor(options: ConstructorParameters<typeof ProbotOctokit>[0] = {}) {
    super({ ...options, throttle: { ...options.throttle, enabled: false } as typeof options.throttle });
  }
}

export async function startAppOnSandbox(options: SandboxOptions & { connections?: Connections } = {}): Promise<AppOnSandbox> {
  const secret = options.webhookSecret ?? 'sandbox-webhook-secret';
  const sandbox = new Sandbox({ ...options, webhookSecret: secret });
  await sandbox.start();
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const probot = new Probot({ appId: sandbox.appId, privateKey, secret, baseUrl: sandbox.url, Octokit: UnthrottledOctokit });
  const app = flowgateApp({
    appId: sandbox.appId,
    appLogin: sandbox.appLogin,
    now: () => sandbox.clock.now(),
    connections: options.connections ?? (() => undefined),
  });
  const middleware = await createNodeMiddleware(app, { probot, webhooksPath: WEBHOOK_PATH });
  const server: Server = createServer((request, response) => {
    void middleware(request, response, () => response.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sandbox.webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${WEBHOOK_PATH}`;
  return {
    sandbox,
    probot,
    async stop() {
      await sandbox.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
