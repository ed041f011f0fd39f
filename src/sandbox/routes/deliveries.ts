/**
 * The app's webhook delivery log, as GitHub's App API serves it: list the
 * attempts newest first with cursor paging (`GET /app/hook/deliveries`), read
 * one, and redeliver one (`POST /app/hook/deliveries/{delivery_id}/attempts`).
 * A sweep uses these to find webhooks that never reached the app, or failed.
 */
import { shaped } from '../openapi-shapes.js';
import type { Route } from '../router.js';
import { NotFound, Refused } from '../state.js';
import type { Delivery } from '../webhooks.js';

/**
 * The status code GitHub shows for an attempt. An attempt that got no answer
 * has none; GitHub's documented example shows `failed to connect` as 502, and
 * both land in the 400–599 range that `?status=failure` selects.
 */
export function statusCodeOf(delivery: Delivery): number {
  if (delivery.status !== undefined) return delivery.status;
  return delivery.outcome === 'timed out' ? 504 : 502;
}

function item(delivery: Delivery) {
  const payload = delivery.payload as { action?: string; installation?: { id?: number }; repository?: { id?: number } };
  return {
    id: delivery.deliveryId,
    guid: delivery.id,
    delivered_at: delivery.deliveredAt!.replace(/\.\d{3}Z$/, 'Z'),
    redelivery: delivery.redelivery,
    duration: (delivery.durationMs ?? 0) / 1000,
    status: delivery.outcome ?? 'failed to connect',
    status_code: statusCodeOf(delivery),
    event: delivery.name,
    action: payload.action ?? null,
    installation_id: payload.installation?.id ?? null,
    repository_id: payload.repository?.id ?? null,
    throttled_at: null,
  };
}

/** The cursor names the first attempt of a page; GitHub's look like `v1_12077215967`. */
const cursorOf = (deliveryId: number) => `v1_${deliveryId}`;

/** What the delivery routes read of the Sandbox: its log, its URLs, and a way to deliver again. */
export interface DeliveryLog {
  readonly deliveries: Delivery[];
  readonly url: string;
  readonly webhookUrl: string | undefined;
  deliveryById(deliveryId: number): Delivery | undefined;
  queueRedelivery(delivery: Delivery): void;
}

export function deliveryRoutes(sandbox: DeliveryLog): Route[] {
  const attempted = () => sandbox.deliveries.filter((delivery) => delivery.deliveredAt !== undefined);
  const find = (id: string) => {
    const delivery = sandbox.deliveryById(Number(id));
    if (!delivery?.deliveredAt) throw new NotFound(`delivery ${id}`);
    return delivery;
  };
  return [
    [
      'GET',
      '/app/hook/deliveries',
      (_, __, query) => {
        const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
        const cursor = query.get('cursor');
        const from = cursor === null ? Infinity : Number(/^v1_(\d+)$/.exec(cursor)?.[1] ?? NaN);
        if (Number.isNaN(from)) throw new Refused(422, `cursor ${cursor} is not valid`);
        const status = query.get('status');
        const wanted = (code: number) => (status === 'success' ? code >= 200 && code < 400 : status === 'failure' ? code >= 400 && code < 600 : true);
        const all = attempted()
          .filter((delivery) => delivery.deliveryId <= from && wanted(statusCodeOf(delivery)))
          .sort((a, b) => b.deliveryId - a.deliveryId);
        const page = all.slice(0, perPage);
        const next = all[perPage];
        const headers: Record<string, string> = {};
        if (next) {
          const link = new URL('/app/hook/deliveries', sandbox.url);
          link.searchParams.set('per_page', String(perPage));
          if (status) link.searchParams.set('status', status);
          link.searchParams.set('cursor', cursorOf(next.deliveryId));
          headers.link = `<${link.toString()}>; rel="next"`;
        }
        return { status: 200, body: page.map((delivery) => shaped('hook-delivery-item', item(delivery))), headers };
      },
    ],
    [
      'GET',
      '/app/hook/deliveries/{delivery_id}',
      (params) => {
        const delivery = find(params.delivery_id!);
        return {
          status: 200,
          body: shaped('hook-delivery', {
            ...item(delivery),
            url: sandbox.webhookUrl ?? '',
            request: { headers: { 'X-GitHub-Event': delivery.name, 'X-GitHub-Delivery': delivery.id }, payload: delivery.payload },
            response: { headers: null, payload: null },
          }),
        };
      },
    ],
    [
      'POST',
      '/app/hook/deliveries/{delivery_id}/attempts',
      (params) => {
        // GitHub accepts the redelivery and makes it later; so does the sandbox (it does not wait for the app to answer).
        sandbox.queueRedelivery(find(params.delivery_id!));
        return { status: 202, body: {} };
      },
    ],
  ];
}
