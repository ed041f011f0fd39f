/**
 * The sandbox's fault switch: GitHub as an unlucky operator meets it. A rule
 * picks requests (by method and path, or every write) and either answers them
 * badly — a 500 or a lost answer before or after the change is applied, a
 * secondary rate limit — or runs a hook while the request is in flight, for
 * races ("when the app asks to merge, the author pushes first").
 *
 * Chance comes from a seeded generator, so a failing proof run can be replayed.
 */

export type FaultKind =
  /** 500, nothing applied. */
  | 'error-before'
  /** Applied, then 500: the change is made and the answer says it was not. */
  | 'error-after'
  /** No answer, nothing applied: the socket is held until the client gives up (or the cap), then cut. */
  | 'timeout-before'
  /** Applied, then no answer. */
  | 'timeout-after'
  /** 403 with `retry-after` and GitHub's secondary-rate-limit message; nothing applied. */
  | 'rate-limit';

export interface RequestInfo {
  method: string;
  /** The path without query or trailing slash, e.g. `/repos/acme/widgets/pulls/1/merge`. */
  path: string;
  body: Record<string, unknown>;
}

export interface FaultRule {
  /** Which requests: `write` is every request that changes GitHub (not GET, not GraphQL, not the app's own token routes). */
  match: 'write' | 'any' | { method?: string; path?: RegExp } | ((request: RequestInfo) => boolean);
  fault?: FaultKind;
  /** Each matching request is hit with this chance (0..1); default 1. */
  probability?: number;
  /** Only the Nth matching request (1-based) is hit. */
  nth?: number;
  /** At most this many hits, then the rule rests. */
  times?: number;
  /** Runs while the request is in flight, before the sandbox applies it and answers. */
  before?: (request: RequestInfo) => void | Promise<void>;
  /** Runs after the sandbox applied the request, before it answers. */
  after?: (request: RequestInfo) => void | Promise<void>;
  /** For the record of what was injected. */
  label?: string;
}

export interface Injected {
  rule: string;
  fault: FaultKind | 'hook' | 'lost';
  method: string;
  path: string;
}

export interface Decision {
  fault?: FaultKind;
  before: ((request: RequestInfo) => void | Promise<void>)[];
  after: ((request: RequestInfo) => void | Promise<void>)[];
}

/** GitHub's answer to a secondary rate limit (the message and documentation URL it sends). */
export const SECONDARY_RATE_LIMIT = {
  message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
  documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
};

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export function isWrite(request: Pick<RequestInfo, 'method' | 'path'>): boolean {
  return request.method !== 'GET' && request.path !== '/graphql' && !request.path.startsWith('/app/');
}

export class FaultSwitch {
  readonly injected: Injected[] = [];
  /** How long a `timeout-*` fault holds the socket before cutting it, if the client has not given up first. */
  timeoutCapMs = 15_000;
  /** The `retry-after` a rate-limit answer asks for, in seconds. */
  retryAfterSeconds = 1;
  #random: () => number;
  #rules: { rule: FaultRule; seen: number; hits: number }[] = [];
  #lost: { match: (delivery: { name: string; payload: Record<string, unknown> }) => boolean; left: number }[] = [];

  constructor(seed = 1) {
    this.#random = seededRandom(seed);
  }

  /** Starts a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    const entry = { rule, seen: 0, hits: 0 };
    this.#rules.push(entry);
    return () => (this.#rules = this.#rules.filter((candidate) => candidate !== entry));
  }

  clear(): void {
    this.#rules = [];
    this.#lost = [];
  }

  reseed(seed: number): void {
    this.#random = seededRandom(seed);
  }

  /** Loses the next `times` webhooks that match: GitHub sent them, the app never heard (a network fault, the app down). */
  loseDeliveries(match: (delivery: { name: string; payload: Record<string, unknown> }) => boolean, times = 1): void {
    this.#lost.push({ match, left: times });
  }

  /** Whether this delivery is to be lost (and counts it). */
  losesDelivery(delivery: { name: string; payload: Record<string, unknown> }): boolean {
    const rule = this.#lost.find((candidate) => candidate.left > 0 && candidate.match(delivery));
    if (!rule) return false;
    rule.left -= 1;
    this.injected.push({ rule: 'lost delivery', fault: 'lost', method: 'POST', path: `(webhook ${delivery.name})` });
    return true;
  }

  /** What to do with one request: at most one fault (the first rule that fires), and every hook that fires. */
  decide(request: RequestInfo): Decision {
    const decision: Decision = { before: [], after: [] };
    for (const entry of this.#rules) {
      const { rule } = entry;
      if (!matches(rule.match, request)) continue;
      entry.seen += 1;
      if (rule.times !== undefined && entry.hits >= rule.times) continue;
      if (rule.nth !== undefined && entry.seen !== rule.nth) continue;
      // One generator for every rule: the same seed and the same requests give the same faults.
      if (rule.probability !== undefined && this.#random() >= rule.probability) continue;
      if (rule.fault && decision.fault) continue;
      entry.hits += 1;
      if (rule.fault) decision.fault = rule.fault;
      if (rule.before) decision.before.push(rule.before);
      if (rule.after) decision.after.push(rule.after);
      this.injected.push({ rule: rule.label ?? describe(rule.match), fault: rule.fault ?? 'hook', method: request.method, path: request.path });
    }
    return decision;
  }
}

function matches(match: FaultRule['match'], request: RequestInfo): boolean {
  if (match === 'any') return true;
  if (match === 'write') return isWrite(request);
  if (typeof match === 'function') return match(request);
  return (match.method === undefined || match.method === request.method) && (match.path === undefined || match.path.test(request.path));
}

function describe(match: FaultRule['match']): string {
  if (typeof match === 'string') return match;
  if (typeof match === 'function') return 'custom';
  return `${match.method ?? '*'} ${match.path?.source ?? '*'}`;
}
