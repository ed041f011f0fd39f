/**
 * Locks across replicas, through Redis when REDIS_URL is set: events on one PR
 * are handled one at a time even when they reach different replicas, and one
 * replica sweeps per period.
 *
 * The app never proceeds without its lock. A lock is refreshed while its work
 * runs (redis-semaphore's Mutex), so slow work keeps it; an event that cannot
 * get it in time fails with LockBusy (503), which GitHub shows as a failed
 * delivery and the sweep redelivers. Without Redis there is only the
 * per-process queue: run one replica.
 */
import type { Redis } from 'ioredis';
import type { Mutex } from 'redis-semaphore';
import { formatDuration } from '../flow/duration.js';

/** An event that could not get its PR's lock in time. Its webhook fails with 503, so it is redelivered, not lost. */
export class LockBusy extends Error {
  override readonly name = 'LockBusy';
  readonly status = 503;
  constructor(readonly key: string, waitedMs: number) {
    super(`${key} is busy: another event held its lock for ${formatDuration(waitedMs)}; this one fails so that it is delivered again`);
  }
}

/** A lock that expired while its work ran (Redis unreachable, or the process stalled): the work is told through its signal. */
export class LockLost extends Error {
  override readonly name = 'LockLost';
  constructor(readonly key: string) {
    super(`the lock on ${key} was lost while its work ran; another replica may act at the same time`);
  }
}

export interface Lock {
  /**
   * Runs `work` holding the lock, waiting up to `waitMs` for it, else throws
   * LockBusy. The lock lasts `ttlMs` if this process dies, and is refreshed
   * while `work` runs; if it is lost anyway, `signal` aborts.
   */
  hold<T>(key: string, ttlMs: number, waitMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /**
   * Runs `work` if nobody has taken the lock in the last `ttlMs`; otherwise does
   * nothing and returns undefined. The lock is not released after the work but
   * left to expire: one holder per period, across replicas.
   */
  lease<T>(key: string, ttlMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined>;
}

/** No lock: for one process, whose queue already serialises events. */
export const noLock: Lock = {
  hold: (_key, _ttl, _wait, work) => work(new AbortController().signal),
  lease: (_key, _ttl, work) => work(new AbortController().signal),
};

/** The commands redis-semaphore needs; ioredis provides them. */
export type LockClient = Pick<Redis, 'eval' | 'evalsha' | 'get' | 'set' | 'zrem'>;

/** A lock on the Redis at `url`, connecting on first use. */
export function lazyRedisLock(url: string, log: (message: string) => void): Lock {
  let lock: Promise<Lock> | undefined;
  const get = () =>
    (lock ??= import('ioredis').then(({ Redis }) => {
      // A Redis that does not answer fails the event (it is redelivered) rather than holding it.
      const client = new Redis(url, { maxRetriesPerRequest: 2, commandTimeout: 2_000 });
      client.on('error', (error: Error) => log(`redis: ${error.message}`));
      return redisLock(client, log);
    }));
  return {
    hold: async (key, ttlMs, waitMs, work) => (await get()).hold(key, ttlMs, waitMs, work),
    lease: async (key, ttlMs, work) => (await get()).lease(key, ttlMs, work),
  };
}

/**
 * The lock library, loaded with the first lock taken: a server without REDIS_URL
 * never takes one, and so never holds it in memory (like ioredis above).
 */
let library: Promise<typeof import('redis-semaphore')> | undefined;

export function redisLock(client: LockClient, log: (message: string) => void): Lock {
  const mutex = async (key: string, ttlMs: number, waitMs: number, lost: AbortController): Promise<Mutex> =>
    new (await (library ??= import('redis-semaphore'))).Mutex(client as never, `flowgate:${key}`, {
      lockTimeout: ttlMs,
      // A wait of 0 is one attempt (redis-semaphore makes none with a zero acquireTimeout).
      ...(waitMs > 0 ? { acquireTimeout: waitMs } : { acquireAttemptsLimit: 1 }),
      retryInterval: 50,
      // Three refreshes per TTL: one lost refresh does not lose the lock.
      refreshInterval: Math.max(1, Math.round(ttlMs / 3)),
      onLockLost: () => {
        const error = new LockLost(key);
        log(error.message);
        lost.abort(error);
      },
    });
  return {
    async hold(key, ttlMs, waitMs, work) {
      const lost = new AbortController();
      const held = await mutex(key, ttlMs, waitMs, lost);
      if (!(await held.tryAcquire())) throw new LockBusy(key, waitMs);
      try {
        return await work(lost.signal);
      } finally {
        await held.release().catch((error: Error) => log(`lock ${key}: release failed (${error.message}); it expires within ${formatDuration(ttlMs)}`));
      }
    },
    async lease(key, ttlMs, work) {
      const lost = new AbortController();
      const held = await mutex(key, ttlMs, 0, lost);
      if (!(await held.tryAcquire())) return undefined;
      try {
        return await work(lost.signal);
      } finally {
        held.stopRefresh();
      }
    },
  };
}

/**
 * The same contract in memory, for one process: tests and the sandbox give one
 * to several app instances to make them replicas that share a lock.
 */
export function memoryLock(now: () => number = Date.now): Lock {
  const held = new Map<string, number>(); // key -> until
  const free = (key: string) => (held.get(key) ?? -Infinity) <= now();
  const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
  return {
    async hold(key, _ttlMs, waitMs, work) {
      const start = Date.now();
      while (!free(key)) {
        if (Date.now() - start >= waitMs) throw new LockBusy(key, waitMs);
        await pause();
      }
      held.set(key, Infinity);
      try {
        return await work(new AbortController().signal);
      } finally {
        held.delete(key);
      }
    },
    async lease(key, ttlMs, work) {
      if (!free(key)) return undefined;
      const until = now() + ttlMs;
      held.set(key, Infinity);
      try {
        return await work(new AbortController().signal);
      } finally {
        held.set(key, Math.max(until, now()));
      }
    },
  };
}
