/**
 * Sending webhooks as GitHub does: signed, one at a time and in order, each
 * attempt kept in the delivery log with how it went, a 10-second answer limit,
 * and copies to mirrors for the tests that race two replicas.
 */
import { createHmac } from 'node:crypto';
import type { FaultSwitch } from './faults.js';
import type { Clock } from './state.js';

/** One attempt to deliver a webhook, as GitHub's delivery log keeps it. */
export interface Delivery {
  /** The event's GUID (`X-GitHub-Delivery`), shared by its redeliveries. */
  id: string;
  name: string;
  payload: Record<string, unknown>;
  /** The app's HTTP answer; absent when none came (no URL, connection refused or cut, timed out). */
  status?: number;
  /** This attempt's own id in the delivery log. */
  deliveryId: number;
  redelivery: boolean;
  /** How it went, in GitHub's words: `OK`, `Invalid HTTP Response: 500`, `failed to connect`, `timed out`. */
  outcome?: string;
  /** Why an attempt got no answer, for the person reading a test or the demo (not part of GitHub's log). */
  error?: string;
  deliveredAt?: string;
  durationMs?: number;
}

/** The Sandbox's public settings a delivery reads, each time: tests change them between deliveries. */
export interface Hookshot {
  readonly clock: Clock;
  readonly faults: FaultSwitch;
  readonly deliveries: Delivery[];
  readonly webhookUrl: string | undefined;
  readonly webhookSecret: string;
  readonly mirrorUrls: string[];
  readonly deliveryCopies: number;
  readonly deliveryTimeoutMs: number;
}

/** The webhooks waiting their turn, and the drain that delivers them. */
export interface Outbox {
  readonly hookshot: Hookshot;
  readonly queue: Delivery[];
  draining: Promise<void> | undefined;
  lastDeliveryId: number;
}

export function createOutbox(hookshot: Hookshot): Outbox {
  return { hookshot, queue: [], draining: undefined, lastDeliveryId: 7_000_000 };
}

/** A new attempt, with the next id in the log; it is not logged until enqueued or delivered. */
export function attempt(outbox: Outbox, guid: string, name: string, payload: Record<string, unknown>, redelivery: boolean): Delivery {
  outbox.lastDeliveryId += 1;
  return { id: guid, name, payload, deliveryId: outbox.lastDeliveryId, redelivery };
}

/** Logs an attempt and queues it behind those before it. */
export function enqueue(outbox: Outbox, delivery: Delivery): void {
  outbox.hookshot.deliveries.push(delivery);
  outbox.queue.push(delivery);
  kick(outbox);
}

/**
 * Waits until every queued webhook, and those they caused, has been delivered
 * or has failed. Between rounds it yields to timers and I/O: a drain whose
 * deliveries all fail at once (no URL) is all microtasks, and awaiting it in a
 * tight loop once starved the event loop so that no timer or signal could stop
 * it. A drain left behind settled (a bug in kick) is cleared, not spun on.
 */
export async function settle(outbox: Outbox): Promise<void> {
  for (let draining = outbox.draining; draining; draining = outbox.draining) {
    await draining.catch(() => undefined);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (outbox.draining === draining) {
      outbox.draining = undefined;
      kick(outbox);
    }
  }
}

/**
 * Starts draining unless a drain runs. The promise is cleared by its own
 * callback, after it was stored: a drain with nothing to await (no URL) once
 * left a settled promise behind, and settle() spun on it for ever.
 */
function kick(outbox: Outbox): void {
  if (outbox.draining || outbox.queue.length === 0) return;
  const draining: Promise<void> = drain(outbox).finally(() => {
    if (outbox.draining === draining) outbox.draining = undefined;
    kick(outbox);
  });
  outbox.draining = draining;
}

/** Deliveries go one at a time, in order; one caused by the app's own API call waits for the delivery in flight. */
async function drain(outbox: Outbox): Promise<void> {
  for (let next = outbox.queue.shift(); next; next = outbox.queue.shift()) await deliver(outbox.hookshot, next);
}

/** Posts one attempt to the webhook URL (and its mirrors) and writes down how it went. */
export async function deliver(hookshot: Hookshot, delivery: Delivery): Promise<void> {
  const started = Date.now();
  delivery.deliveredAt = hookshot.clock.iso();
  try {
    if (!hookshot.webhookUrl) throw new Error('no webhook URL is set: nothing listens; redeliver it once the app does');
    if (hookshot.faults.losesDelivery(delivery)) throw new Error('lost on the way (the fault switch)');
    const body = JSON.stringify(delivery.payload);
    const signature = `sha256=${createHmac('sha256', hookshot.webhookSecret).update(body).digest('hex')}`;
    const post = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': delivery.name, 'x-github-delivery': delivery.id, 'x-hub-signature-256': signature, 'user-agent': 'GitHub-Hookshot/sandbox', 'x-sandbox-now': String(hookshot.clock.now()) },
        body,
        signal: AbortSignal.timeout(hookshot.deliveryTimeoutMs),
      });
    // Mirrors get the same delivery at the same moment; only the primary's answer is logged.
    const copies = Array.from({ length: Math.max(0, hookshot.deliveryCopies - 1) }, () => hookshot.webhookUrl!);
    const mirrored = [...hookshot.mirrorUrls, ...copies].map((url) => post(url).then((answer) => answer.arrayBuffer(), () => undefined));
    const [response] = await Promise.all([post(hookshot.webhookUrl), ...mirrored]);
    delivery.status = response.status;
    delivery.outcome = response.ok ? 'OK' : `Invalid HTTP Response: ${response.status}`;
    await response.arrayBuffer().catch(() => undefined);
  } catch (error) {
    delivery.outcome = (error as Error).name === 'TimeoutError' ? 'timed out' : 'failed to connect';
    delivery.error = (error as Error).message;
  } finally {
    delivery.durationMs = Date.now() - started;
  }
}
