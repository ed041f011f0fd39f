/**
 * What `npm start` (dist/server.js) loads for Redis: a server without REDIS_URL
 * never uses the Redis client (ioredis) or the lock library (redis-semaphore),
 * so it does not load them, and holds no memory for them; with REDIS_URL it
 * loads both and takes its locks in that Redis. Every module the server
 * resolves is written down by a module hook (test/rss-module-trace.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromPackage, moduleTrace } from '../rss-module-trace.js';

const SERVER = resolve('dist/server.js');
const SECRET = 'rss-test-secret';
const REDIS_SERVER = '/usr/bin/redis-server';
const redisPresent = existsSync(REDIS_SERVER);
if (!redisPresent) console.warn(`rss-optional-backends.test.ts: ${REDIS_SERVER} is absent; the test with REDIS_URL is skipped (apt-get install redis-server)`);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

const freePort = () =>
  new Promise<number>((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => done(port));
    });
  });

/** GitHub for the server: its identity at GET /app; anything else 404 (the sweep's questions go unanswered). */
let github: Server;
let githubHost = '';
beforeAll(async () => {
  github = createServer((request, response) => {
    request.resume();
    if (request.method === 'GET' && request.url === '/api/v3/app') return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 7, slug: 'flowgate-rss' }));
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
  });
  await new Promise<void>((done) => github.listen(0, '127.0.0.1', done));
  githubHost = `127.0.0.1:${(github.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => github.close(() => done())));

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

interface Started {
  url: string;
  /** Every module URL resolved so far. */
  loaded(): string[];
}

async function startServer(env: Record<string, string>): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-rss-'));
  const trace = moduleTrace();
  const port = await freePort();
  const base = {
    PATH: process.env.PATH ?? '',
    APP_ID: '7',
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: githubHost,
    GHE_PROTOCOL: 'http',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    PORT: String(port),
    FLOWGATE_SWEEP_EVERY: 'off',
  };
  const server = spawn(process.execPath, ['--import', trace.hook, SERVER], { cwd: dir, env: { ...base, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  child = server;
  let output = '';
  server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (let attempt = 0; !output.includes('Flowgate listening'); attempt += 1) {
    if (attempt > 300 || server.exitCode !== null) throw new Error(`the server did not start:\n${output}`);
    await sleep(50);
  }
  return { url: `http://127.0.0.1:${port}`, loaded: trace.loaded };
}

/** A signed issue_comment.created without a command: an event every server meets, skipped from its payload. */
async function deliverSkippedComment(url: string): Promise<number> {
  const body = JSON.stringify({
    action: 'created',
    issue: { number: 1, pull_request: { url: 'https://api.github.com/repos/acme/service/pulls/1' } },
    comment: { id: 1, body: 'looks good to me' },
    sender: { login: 'octocat', type: 'User' },
    repository: { name: 'service', owner: { login: 'acme' }, default_branch: 'main' },
    installation: { id: 1 },
  });
  const response = await fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': 'rss-1', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe('npm start loads the Redis client and the lock library only when REDIS_URL is set', () => {
  it('without REDIS_URL, neither ioredis nor redis-semaphore is loaded: not at start, not for an event, not for /readyz', async () => {
    const server = await startServer({});
    expect(await deliverSkippedComment(server.url)).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const loaded = server.loaded();
    // The trace sees the server's packages, so an absence below means something.
    expect(fromPackage(loaded, 'probot').length).toBeGreaterThan(0);
    expect(fromPackage(loaded, 'zod').length).toBeGreaterThan(0);
    expect(fromPackage(loaded, 'ioredis')).toEqual([]);
    expect(fromPackage(loaded, 'redis-semaphore')).toEqual([]);
  });

  describe.skipIf(!redisPresent)('with a real Redis', () => {
    let redis: ChildProcess;
    let port = 0;
    let client: Redis;
    beforeAll(async () => {
      port = await freePort();
      redis = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      client.on('error', () => {}); // refused until redis-server is up
      for (let attempt = 0; attempt < 100; attempt += 1) {
        if (await client.ping().then(() => true, () => false)) return;
        await sleep(50);
      }
      throw new Error(`redis-server did not answer on port ${port}`);
    });
    afterAll(() => {
      client?.disconnect();
      redis?.kill('SIGTERM');
    });

    it("with REDIS_URL, the server loads both and its sweep takes the sweep's lease in that Redis", { timeout: 30_000 }, async () => {
      // The sweep ticks a second after start: with Redis, it runs under a lease one replica holds per period.
      const server = await startServer({ REDIS_URL: `redis://127.0.0.1:${port}`, FLOWGATE_SWEEP_EVERY: '1h' });
      let keys: string[] = [];
      for (let attempt = 0; attempt < 200 && keys.length === 0; attempt += 1) {
        keys = await client.keys('*flowgate:sweep*');
        if (keys.length === 0) await sleep(50);
      }
      expect(keys).toHaveLength(1);
      const loaded = server.loaded();
      expect(fromPackage(loaded, 'ioredis').length).toBeGreaterThan(0);
      expect(fromPackage(loaded, 'redis-semaphore').length).toBeGreaterThan(0);
    });
  });
});
