import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockBusy, memoryLock, redisLock, type Lock } from '../../src/github/lock.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `count` holders of one key at once; returns how many ran at the same time at most, and how many ran. */
async function race(lock: Lock, count: number, workMs: number, waitMs = 5_000) {
  let inside = 0;
  let most = 0;
  let ran = 0;
  const results = await Promise.allSettled(
    Array.from({ length: count }, () =>
      lock.hold('pr:acme/web#7', 10_000, waitMs, async () => {
        inside += 1;
        most = Math.max(most, inside);
        await sleep(workMs);
        inside -= 1;
        ran += 1;
      }),
    ),
  );
  return { most, ran, busy: results.filter((result) => result.status === 'rejected' && result.reason instanceof LockBusy).length };
}

function contract(name: string, make: () => Lock) {
  describe(`${name}: the lock contract`, () => {
    it('holders of one key run one at a time, and all of them run', async () => {
      expect(await race(make(), 5, 20)).toEqual({ most: 1, ran: 5, busy: 0 });
    });

    it('a holder that cannot get the lock in time fails with LockBusy and does not run its work', async () => {
      const lock = make();
      let release!: () => void;
      const first = lock.hold('pr:acme/web#7', 10_000, 1_000, () => new Promise<void>((resolve) => (release = resolve)));
      await sleep(20);
      let ran = false;
      const second = lock.hold('pr:acme/web#7', 10_000, 100, async () => void (ran = true));
      await expect(second).rejects.toThrow(LockBusy);
      await expect(second).rejects.toMatchObject({ status: 503, message: expect.stringContaining('pr:acme/web#7 is busy') });
      expect(ran).toBe(false);
      release();
      await first;
    });

    it('a lease runs once per period: a second taker inside the period skips, even after the first finished', async () => {
      const lock = make();
      expect(await lock.lease('sweep', 60_000, async () => 'swept')).toBe('swept');
      expect(await lock.lease('sweep', 60_000, async () => 'swept again')).toBeUndefined();
    });

    it('a lease is not taken while another holder runs', async () => {
      const lock = make();
      const inner = await lock.lease('sweep', 60_000, async () => lock.lease('sweep', 60_000, async () => 'ran'));
      expect(inner).toBeUndefined();
    });
  });
}

contract('in memory', () => memoryLock());

describe('in memory', () => {
  it('a lease can be taken again once its period is over', async () => {
    let now = 0;
    const lock = memoryLock(() => now);
    await lock.lease('sweep', 1_000, async () => 'swept');
    now = 999;
    expect(await lock.lease('sweep', 1_000, async () => 'early')).toBeUndefined();
    now = 1_000;
    expect(await lock.lease('sweep', 1_000, async () => 'next period')).toBe('next period');
  });
});

/** A real Redis on a free loopback port, without persistence; absent, those tests are skipped and say why. */
const redisPresent = existsSync(REDIS_SERVER);
if (!redisPresent) console.warn(`lock.test.ts: ${REDIS_SERVER} is absent; the tests against a real Redis are skipped (apt-get install redis-server)`);

describe.skipIf(!redisPresent)('through a real Redis', () => {
  let server: ChildProcess;
  const clients: Redis[] = [];
  let port = 0;
  const client = () => {
    const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    redis.on('error', () => {}); // refused until redis-server is up
    clients.push(redis);
    return redis;
  };
  /** Two replicas: two connections, two locks. */
  const replica = (log: (message: string) => void = () => {}) => redisLock(client(), log);

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

  contract('Redis', () => replica());

  it('two replicas racing for one PR run one at a time', async () => {
    const [a, b] = [replica(), replica()];
    let inside = 0;
    let most = 0;
    const work = async () => {
      inside += 1;
      most = Math.max(most, inside);
      await sleep(30);
      inside -= 1;
    };
    await Promise.all([0, 1, 2, 3].map((index) => (index % 2 ? a : b).hold('pr:acme/web#8', 10_000, 5_000, work)));
    expect(most).toBe(1);
  });

  it('work that outlives the TTL keeps its lock: another replica gets LockBusy, not the lock', async () => {
    const [a, b] = [replica(), replica()];
    let second = 'not tried';
    await a.hold('pr:acme/web#9', 300, 0, async (signal) => {
      await sleep(900); // three TTLs
      second = await b.hold('pr:acme/web#9', 300, 100, async () => 'ran').catch((error: Error) => error.name);
      expect(signal.aborted).toBe(false);
    });
    expect(second).toBe('LockBusy');
    expect(await b.hold('pr:acme/web#9', 300, 100, async () => 'ran after')).toBe('ran after');
  });

  it('a lock lost while its work runs aborts the work\'s signal, and says so', async () => {
    const logged: string[] = [];
    const lock = replica((message) => logged.push(message));
    const admin = client();
    const aborted = await lock.hold('pr:acme/web#10', 300, 0, async (signal) => {
      await admin.del('mutex:flowgate:pr:acme/web#10');
      for (let tick = 0; tick < 40 && !signal.aborted; tick += 1) await sleep(25);
      return signal.aborted;
    });
    expect(aborted).toBe(true);
    expect(logged).toEqual(['the lock on pr:acme/web#10 was lost while its work ran; another replica may act at the same time']);
  });

  it('a released lock leaves nothing in Redis; a lease stays until its period ends', async () => {
    const lock = replica();
    const admin = client();
    await lock.hold('pr:acme/web#11', 10_000, 0, async () => undefined);
    expect(await admin.exists('mutex:flowgate:pr:acme/web#11')).toBe(0);
    await lock.lease('sweep:test', 10_000, async () => undefined);
    expect(await admin.pttl('mutex:flowgate:sweep:test')).toBeGreaterThan(0);
  });
});
