/**
 * The sweep costs what is due, not what is waiting: with the due index it reads
 * only the PRs whose timers are due, a lost or stale entry is caught by the
 * slower full pass, and two replicas sharing Redis never both take one PR.
 * The handler and the sweep run in this process against the sandbox, which
 * counts every request (the app's JWT routes, /app/..., are not counted).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Octokit } from '@octokit/rest';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FLOWS } from '../../bench/cost-sandbox.js';
import type { GitHubClient } from '../../src/github/client.js';
import { GitHubCache } from '../../src/github/facts/cache.js';
import { handleWebhook, PullRequestQueue, type HandlerDeps } from '../../src/github/handle.js';
import { sweep, type SweepDeps } from '../../src/github/sweep.js';
import { memorySweepIndex, redisSweepIndex, type SweepIndex } from '../../src/github/sweep-index.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';

const REPO = 'acme/service';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

/** A replica: its own cache and queue, the given index; events are handed to it from the sandbox's delivery log. */
function replica(box: Sandbox, index: SweepIndex) {
  const gh = new Octokit({ auth: 'sandbox', baseUrl: box.url, log: { debug() {}, info() {}, warn() {}, error() {} } }) as unknown as GitHubClient;
  const deps: HandlerDeps = { gh, cache: new GitHubCache(), queue: new PullRequestQueue(), app: { id: box.appId, login: box.appLogin }, connections: () => undefined, now: () => box.clock.now(), log: () => {}, dueIndex: index };
  const sweepDeps: SweepDeps = { ...deps, appClient: async () => gh, clientFor: async () => gh, fullPassEveryMs: 2 * HOUR };
  return { deps, sweep: () => sweep(sweepDeps) };
}

/** `pulls` PRs, one in `soonEvery` due an hour after opening (the others after 4 hours), each with its run started by the handler. */
async function setUp(pulls: number, soonEvery: number, index: SweepIndex) {
  sandbox = new Sandbox();
  await sandbox.start();
  sandbox.createRepo(REPO, { ...FLOWS, 'src/a.ts': 'a\n' });
  const app = replica(sandbox, index);
  const soon: number[] = [];
  for (let index = 0; index < pulls; index += 1) {
    const label = index % soonEvery === 0 ? 'soon' : 'later';
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: `Change ${index}`, branch: `b${index}`, labels: [label], changes: { [`src/f${index}.ts`]: `${index}\n` } });
    if (label === 'soon') soon.push(pr.number);
  }
  for (const delivery of sandbox.deliveries.filter((entry) => entry.name === 'pull_request')) await handleWebhook(app.deps, 'pull_request', delivery.payload);
  return { sandbox, app, soon };
}

const escalations = (box: Sandbox, number: number) => box.pullRequest(REPO, number).comments.filter((comment) => comment.body.includes('@backup')).length;
const writes = (requests: readonly string[]) => requests.filter((request) => !request.startsWith('GET') && request !== 'POST /graphql');

describe('the sweep with a due index', () => {
  it('with nothing due, a sweep makes no request to GitHub at all', async () => {
    const { sandbox, app } = await setUp(10, 5, memorySweepIndex());
    expect((await app.sweep()).pass).toBe('full');
    sandbox.requests.length = 0;
    sandbox.clock.advance(30 * MINUTE);
    const report = await app.sweep();
    expect(report).toMatchObject({ pass: 'due', installations: 0, pulls: 0, errors: [] });
    expect(sandbox.requests).toEqual([]);
  });

  it('with one PR in 50 due, it reads only the due PR, and a fiftieth of a full pass', { timeout: 90_000 }, async () => {
    const { sandbox, app, soon } = await setUp(50, 50, memorySweepIndex());
    await app.sweep();
    sandbox.requests.length = 0;
    sandbox.clock.advance(61 * MINUTE);
    const due = await app.sweep();
    expect(due).toMatchObject({ pass: 'due', installations: 1, pulls: 1, errors: [] });
    expect(escalations(sandbox, soon[0]!)).toBe(1);
    const dueReads = sandbox.requests.length - writes(sandbox.requests).length;
    expect(dueReads).toBeGreaterThan(0);
    expect(dueReads).toBeLessThanOrEqual(6);

    sandbox.requests.length = 0;
    sandbox.clock.advance(2 * HOUR);
    const full = await app.sweep();
    expect(full).toMatchObject({ pass: 'full', pulls: 50 });
    expect(sandbox.requests.length - writes(sandbox.requests).length).toBeGreaterThanOrEqual(50 * dueReads);
  });

  it('a lost index entry, or a stale one, is caught by the full pass', async () => {
    const index = memorySweepIndex();
    const { sandbox, app, soon } = await setUp(3, 1, index);
    await app.sweep();
    const installation = sandbox.state.repo(REPO).installationId;
    await index.record({ installation, owner: 'acme', name: 'service', number: soon[0]! }, undefined);
    await index.record({ installation, owner: 'acme', name: 'service', number: soon[1]! }, sandbox.clock.now() + 10 * HOUR);
    sandbox.clock.advance(61 * MINUTE);
    expect(await app.sweep()).toMatchObject({ pass: 'due', pulls: 1 });
    expect(soon.map((number) => escalations(sandbox, number))).toEqual([0, 0, 1]);
    sandbox.clock.advance(HOUR);
    expect(await app.sweep()).toMatchObject({ pass: 'full', pulls: 3 });
    expect(soon.map((number) => escalations(sandbox, number))).toEqual([1, 1, 1]);
  });

  it('a PR claimed by a sweep is not claimed again until its lease lapses, and a finished run leaves the index', async () => {
    const index = memorySweepIndex();
    const pull = { installation: 1, owner: 'acme', name: 'service', number: 7 };
    await index.record(pull, 1_000);
    expect(await index.claimDue(1_000, 10, 600_000)).toEqual([{ ...pull, due: 1_000 }]);
    expect(await index.claimDue(2_000, 10, 600_000)).toEqual([]);
    expect(await index.claimDue(601_000, 10, 600_000)).toHaveLength(1);
    await index.record(pull, undefined);
    expect(await index.size()).toBe(0);
  });
});

/** A real Redis on a free loopback port, without persistence; absent, these tests are skipped and say why. */
const REDIS_SERVER = '/usr/bin/redis-server';
const redisPresent = existsSync(REDIS_SERVER);
if (!redisPresent) console.warn(`cost-sweep.test.ts: ${REDIS_SERVER} is absent; the sweep index tests against a real Redis are skipped (apt-get install redis-server)`);

describe.skipIf(!redisPresent)('the due index in a real Redis', () => {
  let server: ChildProcess;
  const clients: Redis[] = [];
  let port = 0;
  const client = () => {
    const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    redis.on('error', () => {}); // refused until redis-server is up
    clients.push(redis);
    return redis;
  };

  beforeAll(async () => {
    port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    server = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const ping = client();
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (await ping.ping().then(() => true, () => false)) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not answer on port ${port}`);
  });
  afterAll(async () => {
    for (const redis of clients) redis.disconnect();
    server?.kill('SIGTERM');
  });

  it('two replicas sweeping at once split the due PRs: each is handled once, and nothing else is read', { timeout: 60_000 }, async () => {
    const appId = 900 + Math.floor(Math.random() * 1000);
    const { sandbox, app, soon } = await setUp(16, 2, redisSweepIndex(client(), appId));
    expect((await app.sweep()).pass).toBe('full');
    const [a, b] = [replica(sandbox, redisSweepIndex(client(), appId)), replica(sandbox, redisSweepIndex(client(), appId))];
    sandbox.clock.advance(61 * MINUTE);
    const [first, second] = await Promise.all([a.sweep(), b.sweep()]);
    expect([first.pass, second.pass]).toEqual(['due', 'due']);
    expect(first.pulls + second.pulls).toBe(soon.length);
    expect(soon.map((number) => escalations(sandbox, number))).toEqual(soon.map(() => 1));
    sandbox.requests.length = 0;
    sandbox.clock.advance(10 * MINUTE);
    expect(await a.sweep()).toMatchObject({ pass: 'due', pulls: 0 });
    expect(sandbox.requests).toEqual([]);
  });

  it('one replica takes the full pass per period; a finished run leaves the sorted set', async () => {
    const appId = 2_000 + Math.floor(Math.random() * 1000);
    const redis = client();
    const [a, b] = [redisSweepIndex(redis, appId), redisSweepIndex(client(), appId)];
    expect(await Promise.all([a.takeFullPass(0, HOUR), b.takeFullPass(0, HOUR)])).toEqual(expect.arrayContaining([true, false]));
    expect(await b.takeFullPass(HOUR - 1, HOUR)).toBe(false);
    expect(await b.takeFullPass(HOUR, HOUR)).toBe(true);

    const { sandbox, app, soon } = await setUp(2, 1, a);
    expect(await redis.zcard(`flowgate:${appId}:due`)).toBe(2);
    await sandbox.review(REPO, soon[0]!, 'lead', 'approved');
    const review = sandbox.deliveries.filter((delivery) => delivery.name === 'pull_request_review').at(-1)!;
    await handleWebhook(app.deps, review.name, review.payload);
    expect(await redis.zrange(`flowgate:${appId}:due`, '0', '-1')).toEqual([`${sandbox.state.repo(REPO).installationId}|acme/service#${soon[1]}`]);
  });
});
