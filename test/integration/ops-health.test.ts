/**
 * GET /healthz and GET /readyz on the app's own server, on loopback: what a load
 * balancer sees when the app is well, when its Redis is gone, and when its
 * private key cannot sign.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Probot } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import { appHttpHandler } from '../../src/app/http-handler.js';
import { flowgateApp, type AppOptions } from '../../src/app/probot-app.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const REDIS_SERVER = '/usr/bin/redis-server';

const servers: Server[] = [];
let sandboxApp: AppOnSandbox | undefined;
let redis: ChildProcess | undefined;
afterEach(async () => {
  await sandboxApp?.stop();
  sandboxApp = undefined;
  redis?.kill('SIGKILL');
  redis = undefined;
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/** The app's server with a GitHub that is nowhere (no request may reach it). */
async function serve(options: AppOptions, key = privateKey): Promise<{ url: string; warnings: string[] }> {
  const warnings: string[] = [];
  const quiet = () => {};
  const log: Record<string, unknown> = { info: quiet, debug: quiet, trace: quiet, error: quiet, fatal: quiet, warn: (message: string) => void warnings.push(message) };
  log.child = () => log;
  const probot = new Probot({ appId: 1, privateKey: key, secret: 's', baseUrl: 'http://127.0.0.1:9', log: log as never });
  const handler = await appHttpHandler(probot, flowgateApp({ appId: 1, appLogin: 'flowgate[bot]', connections: () => undefined, ...options }));
  const server = createServer((request, response) => void handler(request, response));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, warnings };
}

async function get(url: string): Promise<{ status: number; body: { status: string; checks?: Record<string, string> } }> {
  const response = await fetch(url);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return { status: response.status, body: (await response.json()) as { status: string; checks?: Record<string, string> } };
}

describe('the health endpoints', () => {
  it('an app on the sandbox is alive and ready: its private key signs; no Redis is asked for when none is set', async () => {
    sandboxApp = await startAppOnSandbox();
    expect(await get(`${sandboxApp.appUrl}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get(`${sandboxApp.appUrl}/readyz`)).toEqual({ status: 200, body: { status: 'ready', checks: { private_key: 'ok' } } });
    // Probes are not webhooks: GitHub saw no request.
    expect(sandboxApp.sandbox.requests).toEqual([]);
    expect((await fetch(`${sandboxApp.appUrl}/readyz`, { method: 'POST' })).status).toBe(405);
  });

  it('with REDIS_URL set and Redis unreachable, /readyz answers 503 naming Redis and the log says why once; /healthz stays 200', async () => {
    const port = await freePort();
    const { url, warnings } = await serve({ redisUrl: `redis://127.0.0.1:${port}` });
    const ready = await get(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('not ready');
    expect(ready.body.checks).toMatchObject({ private_key: 'ok', redis: expect.stringMatching(/ECONNREFUSED|Connection is closed/) });
    await get(`${url}/readyz`);
    expect(warnings.filter((warning) => warning.startsWith('not ready: redis:'))).toHaveLength(1);
    expect(await get(`${url}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('a private key that cannot sign makes the app not ready', async () => {
    const { url } = await serve({}, '-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n');
    const ready = await get(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.checks?.private_key).not.toBe('ok');
  });

  it.skipIf(!existsSync(REDIS_SERVER))('with a real Redis, /readyz is 200 while it answers and 503 once it is gone', async () => {
    const port = await freePort();
    redis = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const { url } = await serve({ redisUrl: `redis://127.0.0.1:${port}` });
    let ready = await get(`${url}/readyz`);
    for (let attempt = 0; attempt < 100 && ready.status !== 200; attempt += 1) {
      await sleep(50);
      ready = await get(`${url}/readyz`);
    }
    expect(ready).toEqual({ status: 200, body: { status: 'ready', checks: { private_key: 'ok', redis: 'ok' } } });
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis!.once('exit', resolve));
    // Probes within a second share one answer: ask until the next round.
    for (let attempt = 0; attempt < 100 && ready.status === 200; attempt += 1) {
      await sleep(50);
      ready = await get(`${url}/readyz`);
    }
    expect(ready.status).toBe(503);
    expect(ready.body.checks?.redis).not.toBe('ok');
  });
});
