/**
 * What the GitHub layer keeps between events, for one app instance (one GitHub
 * host). Immutable things are kept by commit; people for a minute; the sticky
 * comment's id until it is found missing.
 */
import type { BaseMergeCheck, ChangedFile, PullRequestSnapshot } from '../../engine/facts.js';
import type { FlowSet } from './flow-source.js';

export const PEOPLE_TTL_MS = 60_000;

/** A map that forgets its oldest entry past a size, so a long-running server stays bounded. */
export class Bounded<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }
  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.limit) this.delete(this.keys().next().value!);
    return super.set(key, value);
  }
}

export class GitHubCache {
  readonly flowsByCommit = new Bounded<string, FlowSet>(256);
  readonly filesByHead = new Bounded<string, ChangedFile[]>(512);
  readonly codeownersByBase = new Bounded<string, string | null>(512);
  readonly people = new Bounded<string, { at: number; value: Pick<PullRequestSnapshot, 'teams' | 'permissions'> }>(512);
  /** What was proven of a head move (`owner/name:before..sha`), when it cannot change: see base-merge.ts. */
  readonly baseMerges = new Bounded<string, BaseMergeCheck>(1024);
  /** The sticky comment of each PR, and what it last said. */
  readonly sticky = new Bounded<string, { id: number; body: string }>(4096);
}
