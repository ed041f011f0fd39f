/**
 * Redelivers webhooks that failed. GitHub does not retry a delivery our server
 * answered with a 5xx, or did not answer (killed, timed out, unreachable), so
 * without this an event lost that way is lost for good. The sweep lists the
 * app's recent deliveries (with the app's JWT) and asks GitHub to send again
 * each event whose attempts all failed, oldest first and a bounded number per
 * sweep. Handling an event is idempotent, so a redelivery of an event that did
 * get handled (after GitHub stopped waiting) changes nothing.
 */
import type { GitHubClient } from '../client.js';

/** A delivery in GET /app/hook/deliveries (GitHub's "hook-delivery-item"). */
export interface Delivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
}

export interface RedeliveryOptions {
  now: number;
  /** The events the app acts on; a failure of any other one is not worth a redelivery. */
  events: ReadonlySet<string>;
  /** How far back to look (default 3 hours; GitHub keeps deliveries redeliverable for 3 days). */
  windowMs?: number;
  /** At most this many redeliveries per sweep (default 20). */
  maxPerSweep?: number;
  /** An event that failed this many times (first delivery included) is left alone: it fails for a reason a retry will not fix (default 4). */
  maxAttempts?: number;
  /** GUIDs this process has redelivered; a redelivery it did not ask for is reported as `foreign`. */
  mine?: Set<string>;
  /** When this process started: redeliveries before it are nobody's business. */
  since?: number;
}

export interface RedeliveryReport {
  /** GUIDs asked to be delivered again. */
  redelivered: string[];
  /** GUIDs still failing after maxAttempts, left alone. */
  abandoned: string[];
  /** GUIDs that someone else redelivered: another process sweeping without a shared lock, or a person in the app's settings. */
  foreign: string[];
  errors: string[];
}

const HOUR_MS = 3600 * 1000;
const MAX_PAGES = 10;

/** 2xx and 3xx: our server took it. 4xx: our server refused it on purpose, and would again. Anything else (5xx, 0 for no answer) failed. */
const succeeded = (delivery: Delivery) => delivery.status_code >= 200 && delivery.status_code < 400;
const refused = (delivery: Delivery) => delivery.status_code >= 400 && delivery.status_code < 500;

/** The cursor of the next page, from GitHub's `link` header. */
function nextCursor(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined;
  const next = link.split(',').find((part) => /rel="next"/.test(part));
  const url = next?.match(/<([^>]+)>/)?.[1];
  return url ? (new URL(url).searchParams.get('cursor') ?? undefined) : undefined;
}

/** The app's deliveries of the last `windowMs`, newest first, over a bounded number of pages. */
export async function recentDeliveries(app: GitHubClient, from: number): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { data, headers } = await app.request('GET /app/hook/deliveries', { per_page: 100, ...(cursor ? { cursor } : {}) });
    const items = data as Delivery[];
    deliveries.push(...items.filter((delivery) => Date.parse(delivery.delivered_at) >= from));
    cursor = nextCursor(headers.link);
    const oldest = items.at(-1);
    if (!cursor || !oldest || Date.parse(oldest.delivered_at) < from) break;
  }
  return deliveries;
}

export async function redeliverFailed(app: GitHubClient, options: RedeliveryOptions): Promise<RedeliveryReport> {
  const report: RedeliveryReport = { redelivered: [], abandoned: [], foreign: [], errors: [] };
  const deliveries = await recentDeliveries(app, options.now - (options.windowMs ?? 3 * HOUR_MS));
  const byGuid = new Map<string, Delivery[]>();
  for (const delivery of deliveries) byGuid.set(delivery.guid, [...(byGuid.get(delivery.guid) ?? []), delivery]);
  const due: Delivery[] = [];
  for (const [guid, attempts] of byGuid) {
    attempts.sort((a, b) => Date.parse(a.delivered_at) - Date.parse(b.delivered_at) || a.id - b.id);
    const latest = attempts.at(-1)!;
    if (options.mine && options.since !== undefined && !options.mine.has(guid) && attempts.some((attempt) => attempt.redelivery && Date.parse(attempt.delivered_at) >= options.since!)) {
      report.foreign.push(guid);
    }
    if (!options.events.has(latest.event) || attempts.some(succeeded) || refused(latest)) continue;
    if (attempts.length >= (options.maxAttempts ?? 4)) {
      report.abandoned.push(guid);
      continue;
    }
    due.push(latest);
  }
  due.sort((a, b) => Date.parse(a.delivered_at) - Date.parse(b.delivered_at));
  for (const delivery of due.slice(0, options.maxPerSweep ?? 20)) {
    try {
      await app.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: delivery.id });
      report.redelivered.push(delivery.guid);
      options.mine?.add(delivery.guid);
    } catch (error) {
      report.errors.push(`redelivering ${delivery.event}${delivery.action ? `.${delivery.action}` : ''} ${delivery.guid}: ${(error as Error).message}`);
    }
  }
  return report;
}
