/**
 * Conditional REST reads: a GET the app has an ETag for is sent with
 * `If-None-Match`, and GitHub's 304, which costs no rate limit, is answered from
 * the copy kept. The server keeps copies in memory (bounded); the Action also
 * keeps them in a file between runs (src/action/etags.ts).
 */
import { Lru } from '../facts/cache.js';

export interface CachedAnswer {
  /** As GitHub sent it, quotes and `W/` included: that is what If-None-Match must carry. */
  etag: string;
  body: string;
  headers: Record<string, string>;
}

export interface AnswerStore {
  get(url: string): CachedAnswer | undefined;
  set(url: string, cached: CachedAnswer): void;
}

type Fetch = typeof globalThis.fetch;

/** Set on an answer given from the kept copy after GitHub's 304, so a count of requests can tell it was free. */
export const NOT_MODIFIED_HEADER = 'x-flowgate-not-modified';

/**
 * Makes `inner`'s GETs conditional on what `store` kept. Kept by URL alone: GitHub's ETag is its answer's digest, so a
 * 304 to another token means that token would get the very same answer.
 */
export function conditionalFetch(inner: Fetch, store: AnswerStore, seen: { notModified?: () => void } = {}): Fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const conditional = request.method === 'GET' ? store.get(request.url) : undefined;
    if (conditional) request.headers.set('if-none-match', conditional.etag);
    const response = await inner(request);
    if (response.status === 304 && conditional) {
      seen.notModified?.();
      return new Response(conditional.body, { status: 200, headers: { ...conditional.headers, etag: conditional.etag, [NOT_MODIFIED_HEADER]: 'true' } });
    }
    const etag = response.headers.get('etag');
    if (request.method === 'GET' && etag && response.ok) store.set(request.url, { etag, body: await response.clone().text(), headers: Object.fromEntries(response.headers) });
    return response;
  };
}

/** The server's copies: the most recently used first out, bounded by entries and bytes. */
export function answerCache(): AnswerStore {
  return new Lru<string, CachedAnswer>({ entries: 2048, bytes: 32 * 1024 * 1024 });
}
