/**
 * Locks across replicas, through Redis when REDIS_URL is set: a sweep runs on
 * one replica at a time, and events on one PR are handled one at a time even
 * when they reach different replicas. Without Redis the per-process queue is
 * all there is, and every replica sweeps (harmless: effects are keyed).
 */
import { randomUUID } from 'node:crypto';

/** The two Redis commands a lock needs; ioredis provides them. */
export interface LockStore {
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<'OK' | null>;
  eval(script: string, keys: number, key: string, value: string): Promise<unknown>;
}

// Deletes the key only if this holder still holds it: a lock that expired and was
// taken by another replica is not released by the first.
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export interface Lock {
  /** Runs `work` holding the lock, waiting up to `waitMs` for it; after that, runs anyway and says so. */
  hold<T>(key: string, ttlMs: number, waitMs: number, work: () => Promise<T>): Promise<T>;
  /** Runs `work` if the lock is free now; otherwise does nothing and returns undefined. */
  tryHold<T>(key: string, ttlMs: number, work: () => Promise<T>): Promise<T | undefined>;
}

export const noLock: Lock = {
  hold: (_key, _ttl, _wait, work) => work(),
  tryHold: (_key, _ttl, work) => work(),
};

/** A lock on the Redis at `url`, connecting on first use. */
export function lazyRedisLock(url: string, log: (message: string) => void): Lock {
  let lock: Promise<Lock> | undefined;
  const get = () =>
    (lock ??= import('ioredis').then(({ Redis }) => {
      const client = new Redis(url, { maxRetriesPerRequest: 2 });
      client.on('error', (error: Error) => log(`redis: ${error.message}`));
      return redisLock(client as unknown as LockStore, log);
    }));
  return {
    hold: async (key, ttlMs, waitMs, work) => (await get()).hold(key, ttlMs, waitMs, work),
    tryHold: async (key, ttlMs, work) => (await get()).tryHold(key, ttlMs, work),
  };
}

export function redisLock(store: LockStore, log: (message: string) => void, pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))): Lock {
  const acquire = async (key: string, ttlMs: number): Promise<string | undefined> => {
    const value = randomUUID();
    return (await store.set(`flowgate:lock:${key}`, value, 'PX', ttlMs, 'NX')) === 'OK' ? value : undefined;
  };
  const release = async (key: string, value: string) => {
    await store.eval(RELEASE, 1, `flowgate:lock:${key}`, value);
  };
  return {
    async hold(key, ttlMs, waitMs, work) {
      let value = await acquire(key, ttlMs);
      for (let waited = 0; value === undefined && waited < waitMs; waited += 100) {
        await pause(100);
        value = await acquire(key, ttlMs);
      }
      if (value === undefined) log(`lock ${key} still held after ${waitMs} ms; going ahead (effects are keyed)`);
      try {
        return await work();
      } finally {
        if (value !== undefined) await release(key, value);
      }
    },
    async tryHold(key, ttlMs, work) {
      const value = await acquire(key, ttlMs);
      if (value === undefined) return undefined;
      try {
        return await work();
      } finally {
        await release(key, value);
      }
    },
  };
}
