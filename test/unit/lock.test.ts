import { describe, expect, it } from 'vitest';
import { redisLock, type LockStore } from '../../src/github/lock.js';

/** Redis's SET NX PX and the release script, in memory, with a clock the test moves. */
function fakeRedis() {
  let now = 0;
  const keys = new Map<string, { value: string; until: number }>();
  const live = (key: string) => {
    const entry = keys.get(key);
    return entry && entry.until > now ? entry : undefined;
  };
  const store: LockStore = {
    async set(key, value, _px, milliseconds) {
      if (live(key)) return null;
      keys.set(key, { value, until: now + milliseconds });
      return 'OK';
    },
    async eval(_script, _keys, key, value) {
      if (live(key)?.value !== value) return 0;
      keys.delete(key);
      return 1;
    },
  };
  return { store, advance: (ms: number) => (now += ms), held: (key: string) => live(`flowgate:lock:${key}`) !== undefined };
}

describe('locks through Redis', () => {
  it('a second holder waits for the first, then goes', async () => {
    const redis = fakeRedis();
    const lock = redisLock(redis.store, () => {}, (ms) => new Promise((resolve) => setTimeout(resolve, ms / 100)));
    const order: string[] = [];
    let release!: () => void;
    const first = lock.hold('pr', 10_000, 5_000, () => new Promise<void>((resolve) => (release = () => (order.push('first'), resolve()))));
    await Promise.resolve();
    const second = lock.hold('pr', 10_000, 5_000, async () => void order.push('second'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    expect(redis.held('pr')).toBe(false);
  });

  it('a holder that waited too long goes ahead, and says so', async () => {
    const redis = fakeRedis();
    const logged: string[] = [];
    const lock = redisLock(redis.store, (message) => logged.push(message), async () => void redis.advance(100));
    await redis.store.set('flowgate:lock:pr', 'someone-else', 'PX', 60_000, 'NX');
    expect(await lock.hold('pr', 10_000, 1_000, async () => 'done')).toBe('done');
    expect(logged).toEqual(['lock pr still held after 1000 ms; going ahead (effects are keyed)']);
    expect(redis.held('pr')).toBe(true);
  });

  it('only one replica sweeps at a time; the others skip', async () => {
    const redis = fakeRedis();
    const lock = redisLock(redis.store, () => {});
    let inner: unknown = 'not run';
    const outer = await lock.tryHold('sweep', 60_000, async () => {
      inner = await lock.tryHold('sweep', 60_000, async () => 'ran');
      return 'swept';
    });
    expect([outer, inner]).toEqual(['swept', undefined]);
  });

  it('an expired lock taken by another is not released by its first holder', async () => {
    const redis = fakeRedis();
    const lock = redisLock(redis.store, () => {});
    await lock.hold('pr', 1_000, 0, async () => {
      redis.advance(2_000);
      await redis.store.set('flowgate:lock:pr', 'second', 'PX', 60_000, 'NX');
    });
    expect(redis.held('pr')).toBe(true);
  });
});
