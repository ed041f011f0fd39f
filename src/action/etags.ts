/**
 * The ETags of REST reads, and the answers they stand for. Kept in memory for
 * one run, and in a file between runs when the workflow restores a directory
 * (`etag-cache` input, with actions/cache): a read repeated in a later run is
 * then a 304, which does not count against GITHUB_TOKEN's 1,000 an hour.
 *
 * A 304 makes the kept answer stand for GitHub's, so the file is signed with
 * the action's `secret`: any job of the repository can write the Actions cache,
 * and a planted answer (a compare, a list of comments) must not be believed.
 * A file whose signature does not hold is an empty store.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hmac, sameSignature } from '../github/hmac.js';
import type { AnswerStore, CachedAnswer } from '../github/transport/conditional.js';

type Cached = CachedAnswer;

/** Bodies past this are not kept: the file must stay small to restore quickly. */
const MAX_BODY = 256 * 1024;
const MAX_ENTRIES = 200;

export class EtagStore implements AnswerStore {
  readonly #entries = new Map<string, Cached>();

  get(url: string): Cached | undefined {
    return this.#entries.get(url);
  }

  set(url: string, cached: Cached): void {
    if (cached.body.length > MAX_BODY) return;
    this.#entries.delete(url);
    this.#entries.set(url, cached);
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /**
   * Reads a saved store signed with `secret`; a missing, unreadable or unsigned file, or one whose signature does not
   * hold, is an empty store (a 200 instead of a 304, nothing worse).
   */
  static load(path: string | undefined, secret: string): EtagStore {
    const store = new EtagStore();
    if (!path) return store;
    try {
      const saved = JSON.parse(readFileSync(path, 'utf8')) as { entries?: unknown; signature?: unknown };
      if (typeof saved.entries !== 'string' || typeof saved.signature !== 'string' || !sameSignature(hmac(secret, saved.entries, 'hex'), saved.signature)) return store;
      for (const [url, cached] of JSON.parse(saved.entries) as [string, Cached][]) if (typeof cached?.etag === 'string' && typeof cached.body === 'string') store.set(url, cached);
    } catch {
      // Nothing saved yet.
    }
    return store;
  }

  save(path: string | undefined, secret: string): void {
    if (!path) return;
    mkdirSync(dirname(path), { recursive: true });
    const entries = JSON.stringify([...this.#entries]);
    writeFileSync(path, JSON.stringify({ entries, signature: hmac(secret, entries, 'hex') }));
  }
}
