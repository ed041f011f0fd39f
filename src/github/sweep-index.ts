/**
 * When each waiting PR is next due: the sweep's index, so that a sweep reads
 * the runs that are due and nothing else. Every evaluation that leaves a run
 * waiting on a timer records the PR's earliest `next_deadline`; one that leaves
 * none removes it. A sweep *claims* what is due: the entry moves a lease into
 * the future, so a second sweeper (another replica) does not take it too, and
 * a sweeper that dies half-way leaves it to the sweep after the lease.
 *
 * In Redis (REDIS_URL): one sorted set per app, scored by the due time, shared
 * by every replica; the claim is one Lua script, so two replicas never claim
 * one PR. Without Redis: a map in this process, empty after a restart, which
 * is why the first sweep of a process, and every hourly one, is a full pass
 * that finds waiting PRs on GitHub itself (the `flowgate:waiting` label) and
 * so repairs any entry that was lost or is stale.
 */
import type { RepoRef } from './client.js';

export interface IndexedPull extends RepoRef {
  installation: number;
  number: number;
}

export interface DuePull extends IndexedPull {
  /** When it was due, as recorded. */
  due: number;
}

export interface SweepIndex {
  /** Records when the PR's runs are next due (ms), or removes it when none waits on a timer. */
  record(pull: IndexedPull, due: number | undefined): Promise<void>;
  /** Claims up to `limit` PRs due at `now`, earliest first: each goes to one caller, and is put back `leaseMs` later. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<DuePull[]>;
  /** True, once per `everyMs` across everyone sharing the index, for the caller that should make the full pass now. */
  takeFullPass(now: number, everyMs: number): Promise<boolean>;
  /** How many PRs it holds. */
  size(): Promise<number>;
}

/** `installation|owner/name#number`: what a member of the index says, parsed back without a request. */
export const memberOf = (pull: IndexedPull): string => `${pull.installation}|${pull.owner}/${pull.name}#${pull.number}`;

export function parseMember(member: string, due: number): DuePull | undefined {
  const match = /^(\d+)\|([^/|#]+)\/([^/|#]+)#(\d+)$/.exec(member);
  if (!match) return undefined;
  return { installation: Number(match[1]), owner: match[2]!, name: match[3]!, number: Number(match[4]), due };
}

/** The index in this process's memory: for one replica (without REDIS_URL), bounded like every cache. */
export function memorySweepIndex(limit = 200_000): SweepIndex {
  const due = new Map<string, number>();
  let lastFullPass = -Infinity;
  return {
    async record(pull, at) {
      const member = memberOf(pull);
      if (at === undefined) return void due.delete(member);
      due.set(member, at);
      // Past the bound the latest-due go first: the full pass finds them again on GitHub.
      if (due.size > limit) {
        const latest = [...due].reduce((a, b) => (b[1] > a[1] ? b : a));
        due.delete(latest[0]);
      }
    },
    async claimDue(now, max, leaseMs) {
      const claimed = [...due]
        .filter(([, at]) => at <= now)
        .sort((a, b) => a[1] - b[1])
        .slice(0, max)
        .flatMap(([member, at]) => {
          due.set(member, now + leaseMs);
          const pull = parseMember(member, at);
          return pull ? [pull] : [];
        });
      return claimed;
    },
    async takeFullPass(now, everyMs) {
      if (now - lastFullPass < everyMs) return false;
      lastFullPass = now;
      return true;
    },
    async size() {
      return due.size;
    },
  };
}

/** The Redis commands the index uses; ioredis provides them. */
export interface SweepIndexClient {
  zadd(key: string, score: number, member: string): Promise<unknown>;
  zrem(key: string, member: string): Promise<unknown>;
  zcard(key: string): Promise<number>;
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
}

// Takes the earliest due members and moves each a lease ahead, in one step: no other replica sees them due meanwhile.
const CLAIM = `
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #members, 2 do redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), members[i]) end
return members
`;
// The full pass is taken by whoever first finds the last one older than the period, by the events' clock.
const FULL_PASS = `
local last = tonumber(redis.call('GET', KEYS[1]) or '-1e18')
if tonumber(ARGV[1]) - last < tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

/** The index in Redis, shared by every replica of app `appId`. */
export function redisSweepIndex(client: SweepIndexClient, appId: number): SweepIndex {
  const key = `flowgate:${appId}:due`;
  return {
    async record(pull, at) {
      if (at === undefined) await client.zrem(key, memberOf(pull));
      else await client.zadd(key, at, memberOf(pull));
    },
    async claimDue(now, max, leaseMs) {
      const flat = (await client.eval(CLAIM, 1, key, now, max, leaseMs)) as string[];
      const pulls: DuePull[] = [];
      for (let index = 0; index < flat.length; index += 2) {
        const pull = parseMember(flat[index]!, Number(flat[index + 1]));
        if (pull) pulls.push(pull);
      }
      return pulls;
    },
    async takeFullPass(now, everyMs) {
      return (await client.eval(FULL_PASS, 1, `flowgate:${appId}:full-pass`, now, everyMs)) === 1;
    },
    async size() {
      return client.zcard(key);
    },
  };
}

/** An index in Redis at `url`, connecting on first use, for app `appId` once it is known. */
export function lazyRedisSweepIndex(url: string, appId: () => Promise<number>, log: (message: string) => void): SweepIndex {
  let index: Promise<SweepIndex> | undefined;
  const get = () =>
    (index ??= import('ioredis').then(async ({ Redis }) => {
      const client = new Redis(url, { maxRetriesPerRequest: 2, commandTimeout: 2_000 });
      client.on('error', (error: Error) => log(`redis: ${error.message}`));
      return redisSweepIndex(client, await appId());
    }));
  return {
    record: async (pull, at) => (await get()).record(pull, at),
    claimDue: async (now, max, leaseMs) => (await get()).claimDue(now, max, leaseMs),
    takeFullPass: async (now, everyMs) => (await get()).takeFullPass(now, everyMs),
    size: async () => (await get()).size(),
  };
}

/** The earliest timer among evaluations, in ms, or undefined when none waits on one. */
export function nextDue(evaluations: readonly { run: { status: string; next_deadline?: string } }[]): number | undefined {
  let earliest: number | undefined;
  for (const { run } of evaluations) {
    if (run.status !== 'waiting' || run.next_deadline === undefined) continue;
    const at = Date.parse(run.next_deadline);
    if (!Number.isNaN(at) && (earliest === undefined || at < earliest)) earliest = at;
  }
  return earliest;
}
