/**
 * For the throughput bench: the load generator. Keep-alive HTTP, a fixed number
 * of deliveries in flight, each with a fresh delivery GUID, bounded in count and
 * in time; every answer's status and latency is kept.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Delivery } from './throughput-deliveries.js';

/** Unanswered deliveries after which the load stops. */
export const GIVE_UP_AFTER = 10;

export interface LoadOptions {
  /** How many deliveries to send (cycling through the given ones). */
  count: number;
  /** How many are in flight at once. */
  concurrency: number;
  /** No delivery is started after this long; those in flight finish. */
  maxMs: number;
  /** A delivery not answered in this long counts as failed (GitHub gives a webhook 10 s). */
  timeoutMs?: number;
}

export interface LoadResult {
  sent: number;
  /** Answers by HTTP status. */
  statuses: Record<number, number>;
  /** Deliveries that got no answer: the first few reasons. */
  errors: string[];
  failures: number;
  latenciesMs: number[];
  seconds: number;
}

function deliver(agent: Agent, url: string, delivery: Delivery, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': delivery.body.length,
          'user-agent': 'GitHub-Hookshot/flowgate-bench',
          'x-github-event': delivery.event,
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': delivery.signature,
        },
      },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
        response.once('error', reject);
      },
    );
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    outgoing.once('error', reject);
    outgoing.end(delivery.body);
  });
}

export async function drive(url: string, deliveries: Delivery[], options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const result: LoadResult = { sent: 0, statuses: {}, errors: [], failures: 0, latenciesMs: [], seconds: 0 };
  const started = performance.now();
  const stopAt = started + options.maxMs;
  const worker = async () => {
    // A server that stopped answering (it died) fails every delivery at once: stop after a few, not at the time bound.
    while (result.sent < options.count && performance.now() < stopAt && result.failures < GIVE_UP_AFTER) {
      const delivery = deliveries[result.sent % deliveries.length]!;
      result.sent += 1;
      const sent = performance.now();
      try {
        const status = await deliver(agent, url, delivery, options.timeoutMs ?? 10_000);
        result.latenciesMs.push(performance.now() - sent);
        result.statuses[status] = (result.statuses[status] ?? 0) + 1;
      } catch (error) {
        result.failures += 1;
        if (result.errors.length < 5) result.errors.push(`${delivery.label}: ${(error as Error).message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** How many deliveries were answered 2xx. */
export function answered2xx(result: LoadResult): number {
  return Object.entries(result.statuses).reduce((sum, [status, count]) => sum + (Number(status) >= 200 && Number(status) < 300 ? count : 0), 0);
}

/** The q-quantile (0..1) of the latencies, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** A `--name N` option of a bench's command line: a whole number of at least 1, or `fallback` when absent. */
export function wholeOption(argv: readonly string[], name: string, fallback: number): number {
  const at = argv.indexOf(`--${name}`);
  const value = at === -1 ? fallback : Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} ${argv[at + 1]}: expected a whole number of at least 1`);
  return value;
}
