/**
 * What the GitHub layer keeps between events, for one app instance (one GitHub
 * host). Immutable things are kept by the object id GitHub gives them (flows by
 * tree, files by head commit, CODEOWNERS by base commit); a PR's timeline as far
 * as it was read, to read only what is new (gather.ts); people until a
 * `membership`, `member`, `team` or `organization` webhook says they changed,
 * and at most PEOPLE_TTL_MS; the sticky comment's id until it is found missing.
 *
 * Every cache is bounded twice: by entries, and by an estimate of its bytes,
 * because entries vary in size by orders of magnitude (a commit's changed
 * files: 3 or 3,000). They evict the least recently used entry, and a hit
 * refreshes it: a server's working set (the PRs being reviewed now) stays, a
 * PR nobody touched for a day goes first.
 */
import type { BaseMergeCheck, ChangedFile, PullRequestSnapshot } from '../../engine/facts.js';
import type { FlowFile } from '../../flow/validate.js';
import type { FlowSet } from './flow-source.js';
import type { TimelineItem } from './pull-request-query.js';

/**
 * How long a team's members or a person's permission is believed without a webhook saying it changed. The webhooks
 * forget them at once; this bounds the harm of one that never arrives. A decision is judged once, when first seen
 * (its verdict is then kept in the run's record), so only that first judgement reads people.
 */
export const PEOPLE_TTL_MS = 10 * 60_000;
/**
 * With replicas (REDIS_URL), a `membership` webhook reaches one of them and only that one forgets: the others'
 * people go stale until this bound, as they did before people were kept per team and per person.
 */
export const REPLICA_PEOPLE_TTL_MS = 60_000;

const MiB = 1024 * 1024;

export interface CacheBounds {
  /** At most this many entries. */
  entries: number;
  /** At most about this many bytes, by `approximateBytes` of each key and value; unset, entries alone bound it. */
  bytes?: number;
}

/**
 * A map that forgets its least recently used entry past its bounds, so a
 * long-running server stays bounded. `get` counts as a use; `has` does not.
 * An entry larger than the whole byte bound is not kept at all.
 */
export class Lru<K, V> extends Map<K, V> {
  #bytes = 0;
  readonly #sizes = new Map<K, number>();
  readonly bounds: CacheBounds;

  constructor(bounds: CacheBounds | number) {
    super();
    this.bounds = typeof bounds === 'number' ? { entries: bounds } : bounds;
  }

  /** The estimated bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The value without counting a use. */
  peek(key: K): V | undefined {
    return super.get(key);
  }

  override get(key: K): V | undefined {
    if (!super.has(key)) return undefined;
    const value = super.get(key) as V;
    // Map keeps insertion order: re-inserting makes it the most recent.
    super.delete(key);
    super.set(key, value);
    return value;
  }

  override set(key: K, value: V): this {
    this.delete(key);
    const size = this.bounds.bytes === undefined ? 0 : approximateBytes(key) + approximateBytes(value);
    if (this.bounds.bytes !== undefined && size > this.bounds.bytes) return this;
    super.set(key, value);
    this.#sizes.set(key, size);
    this.#bytes += size;
    while (super.size > this.bounds.entries || (this.bounds.bytes !== undefined && this.#bytes > this.bounds.bytes)) {
      this.delete(super.keys().next().value as K);
    }
    return this;
  }

  override delete(key: K): boolean {
    this.#bytes -= this.#sizes.get(key) ?? 0;
    this.#sizes.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    super.clear();
    this.#sizes.clear();
    this.#bytes = 0;
  }
}

/**
 * What a value costs on V8's heap, roughly: strings at two bytes a character
 * (the worst case), numbers at 8, and 32 bytes for each object or array. It
 * is an estimate for bounds, not an accounting; it walks each object once.
 */
export function approximateBytes(value: unknown, seen: Set<object> = new Set()): number {
  switch (typeof value) {
    case 'string':
      return 16 + 2 * value.length;
    case 'number':
    case 'bigint':
      return 8;
    case 'boolean':
    case 'undefined':
      return 4;
    case 'object': {
      if (value === null) return 4;
      if (seen.has(value)) return 8;
      seen.add(value);
      let total = 32;
      if (value instanceof Map || value instanceof Set) {
        for (const entry of value) total += 8 + approximateBytes(entry, seen);
      } else if (Array.isArray(value)) {
        for (const item of value) total += 8 + approximateBytes(item, seen);
      } else {
        for (const [field, item] of Object.entries(value)) total += 8 + 2 * field.length + approximateBytes(item, seen);
      }
      return total;
    }
    default:
      return 8;
  }
}

/** A team's members (`owner/repo|team:org/slug`) or a person's permission on a repository (`owner/repo|login:name`), read at `at`. */
type People = { at: number; members?: string[]; permission?: PullRequestSnapshot['permissions'][string] };

/**
 * Team members and permissions, one entry per team and per person, each under
 * its repository (`owner/repo|…`), so a new reviewer costs a read of one login,
 * not of everyone again. A webhook that
 * changes people forgets what it may have changed: `forget` records when, so
 * an event that read people before that moment and stores them after it
 * (it was in flight) is not believed either.
 */
export class PeopleCache extends Lru<string, People> {
  /** When each scope (`org` or `org/repo`, lower case) was last forgotten, by the events' clock. */
  readonly #forgotten = new Lru<string, number>(4096);
  /** Forget-times of scopes pushed out of #forgotten: everything read before this is suspect. */
  #floor = -Infinity;

  override get(key: string): People | undefined {
    const entry = super.get(key);
    if (!entry) return undefined;
    const repo = key.slice(0, key.indexOf('|')).toLowerCase();
    const org = repo.slice(0, repo.indexOf('/'));
    const forgotten = Math.max(this.#floor, this.#forgotten.get(org) ?? -Infinity, this.#forgotten.get(repo) ?? -Infinity);
    if (entry.at > forgotten) return entry;
    this.delete(key);
    return undefined;
  }

  /** Forgets people of a whole organisation or user (`acme`) or of one repository (`acme/web`), as of `at`. */
  forget(scope: string, at: number): void {
    const key = scope.toLowerCase();
    if (this.#forgotten.size >= this.#forgotten.bounds.entries && !this.#forgotten.has(key)) {
      const oldest = this.#forgotten.keys().next().value as string;
      this.#floor = Math.max(this.#floor, this.#forgotten.peek(oldest) ?? -Infinity);
    }
    this.#forgotten.set(key, Math.max(at, this.#forgotten.peek(key) ?? -Infinity));
    const prefix = key.includes('/') ? `${key}|` : `${key}/`;
    for (const cached of [...this.keys()]) if (cached.toLowerCase().startsWith(prefix)) this.delete(cached);
  }
}

/** The bounds of each cache: a few hundred MiB at most in all, whatever the traffic. */
export const CACHE_BOUNDS = {
  flowsByCommit: { entries: 256, bytes: 32 * MiB },
  flowsByTree: { entries: 256, bytes: 32 * MiB },
  liveTrees: { entries: 4096, bytes: 1 * MiB },
  timelines: { entries: 1024, bytes: 96 * MiB },
  heads: { entries: 8192, bytes: 2 * MiB },
  filesByHead: { entries: 512, bytes: 64 * MiB },
  codeownersByBase: { entries: 512, bytes: 16 * MiB },
  people: { entries: 8192, bytes: 16 * MiB },
  sticky: { entries: 4096, bytes: 32 * MiB },
  baseMerges: { entries: 1024, bytes: 1 * MiB },
} as const satisfies Record<string, CacheBounds>;

/** A PR's timeline as far as the app has read it: the items, where to read on from, and GitHub's counts when it was read. */
export interface KnownTimeline {
  items: TimelineItem[];
  cursor: string | null;
}

export class GitHubCache {
  readonly flowsByCommit = new Lru<string, FlowSet>(CACHE_BOUNDS.flowsByCommit);
  /** Validated flow files by the `.github/flows` tree's oid (`owner/name^oid`): a commit that changed no flow reuses them. */
  readonly flowsByTree = new Lru<string, FlowFile[]>(CACHE_BOUNDS.flowsByTree);
  /** The `.github/flows` tree last seen on each repository's default branch (null: none): whether to ask for the files' text again. */
  readonly liveTrees = new Lru<string, string | null>(CACHE_BOUNDS.liveTrees);
  /** Each PR's timeline as read so far (`owner/name#number`), to read only the pages after it. */
  readonly timelines = new Lru<string, KnownTimeline>(CACHE_BOUNDS.timelines);
  /** Each PR's head and base commits when last read, to know before asking whether its files and CODEOWNERS are known. */
  readonly heads = new Lru<string, { head: string; base: string }>(CACHE_BOUNDS.heads);
  readonly filesByHead = new Lru<string, ChangedFile[]>(CACHE_BOUNDS.filesByHead);
  readonly codeownersByBase = new Lru<string, string | null>(CACHE_BOUNDS.codeownersByBase);
  readonly people = new PeopleCache(CACHE_BOUNDS.people);
  /** The sticky comment of each PR, and what it last said. */
  readonly sticky = new Lru<string, { id: number; body: string }>(CACHE_BOUNDS.sticky);
  /** What was proven of a head move (`owner/name:before..sha`), when it cannot change: see base-merge.ts. */
  readonly baseMerges = new Lru<string, BaseMergeCheck>(CACHE_BOUNDS.baseMerges);

  /** How long people are believed without a webhook saying they changed (PEOPLE_TTL_MS, or REPLICA_PEOPLE_TTL_MS). */
  readonly peopleTtlMs: number;

  constructor(bounds: Partial<Record<keyof typeof CACHE_BOUNDS, CacheBounds>> = {}, options: { peopleTtlMs?: number } = {}) {
    this.peopleTtlMs = options.peopleTtlMs ?? PEOPLE_TTL_MS;
    if (bounds.flowsByCommit) this.flowsByCommit = new Lru(bounds.flowsByCommit);
    if (bounds.flowsByTree) this.flowsByTree = new Lru(bounds.flowsByTree);
    if (bounds.liveTrees) this.liveTrees = new Lru(bounds.liveTrees);
    if (bounds.timelines) this.timelines = new Lru(bounds.timelines);
    if (bounds.heads) this.heads = new Lru(bounds.heads);
    if (bounds.filesByHead) this.filesByHead = new Lru(bounds.filesByHead);
    if (bounds.codeownersByBase) this.codeownersByBase = new Lru(bounds.codeownersByBase);
    if (bounds.people) this.people = new PeopleCache(bounds.people);
    if (bounds.sticky) this.sticky = new Lru(bounds.sticky);
    if (bounds.baseMerges) this.baseMerges = new Lru(bounds.baseMerges);
  }
}

/**
 * Which cached people a webhook may have changed, from its payload: a team's
 * members (`membership`), a repository's collaborators (`member`), a team's
 * repositories or permission (`team`), an organisation's members and base
 * permission (`organization`). Undefined when it changes none.
 */
export function peopleChangedBy(name: string, raw: unknown): string | undefined {
  const payload = (raw ?? {}) as { organization?: { login?: unknown }; repository?: { full_name?: unknown; owner?: { login?: unknown } } };
  const org = typeof payload.organization?.login === 'string' ? payload.organization.login : undefined;
  const repo = typeof payload.repository?.full_name === 'string' ? payload.repository.full_name : undefined;
  switch (name) {
    case 'member':
      // A collaborator added, removed or given another permission on one repository.
      return repo ?? org;
    case 'membership':
    case 'team':
    case 'organization':
      // Team membership and team permissions reach every repository of the organisation.
      return org ?? (typeof payload.repository?.owner?.login === 'string' ? payload.repository.owner.login : undefined);
    default:
      return undefined;
  }
}

/** A set that forgets its oldest member past a size: what this process redelivered, say, which only matters for hours. */
export class RecentSet<T> extends Set<T> {
  constructor(readonly limit: number) {
    super();
  }
  override add(value: T): this {
    super.delete(value);
    super.add(value);
    while (super.size > this.limit) super.delete(super.values().next().value as T);
    return this;
  }
}
