/**
 * The webhook route, POST /api/github/webhooks, in place of Probot's middleware,
 * for three reasons:
 * - The body is capped before it is read. GitHub sends at most 25 MB; anything
 *   larger is refused with 413 from its content-length, or cut at the cap while
 *   it streams, before any signature check has vouched for the sender.
 * - A failed event answers a 5xx, so GitHub shows the delivery as failed and the
 *   sweep redelivers it. Probot's middleware answers 202 after 9 s whatever
 *   follows, which would hide a failure after that from both.
 * - A 4xx carries a message (bad signature, bad JSON, missing headers).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Probot } from 'probot';

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export interface WebhookRouteOptions {
  path: string;
  maxBytes?: number;
  /** Told how many bytes of each body were read: tests check the cap. */
  onRead?: (bytes: number) => void;
}

function answer(response: ServerResponse, status: number, body: object | string, close = false): true {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(text);
  return true;
}

/**
 * Reads a body of at most `max` bytes; undefined when it is larger, having
 * stopped reading at the cap (the socket is left open so a 413 can be sent).
 */
export function readCapped(request: IncomingMessage, max: number, onRead?: (bytes: number) => void): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Buffer | undefined | Error) => {
      request.off('data', data).off('end', end).off('error', done).off('close', closed);
      onRead?.(size);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const data = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      request.pause();
      done(undefined);
    };
    const end = () => done(Buffer.concat(chunks, size));
    const closed = () => done(new Error('the sender closed the connection before the body ended'));
    request.on('data', data).on('end', end).on('error', done).on('close', closed);
  });
}

/** Refuses a body over the cap with 413, and closes the connection so the rest of it is never read. */
export function refuseOversize(request: IncomingMessage, response: ServerResponse, max: number): true {
  answer(response, 413, { ok: false, error: `the body is larger than ${max} bytes` }, true);
  response.on('finish', () => request.socket.destroy());
  return true;
}

export function webhookRoute(probot: Probot, options: WebhookRouteOptions) {
  const max = options.maxBytes ?? MAX_WEBHOOK_BYTES;
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const pathname = new URL(request.url ?? '/', 'http://flowgate').pathname.replace(/\/+$/, '');
    if (pathname !== options.path) return false;
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      return answer(response, 405, { error: `webhooks are POSTed to ${options.path}` });
    }
    if (!/^\s*application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
      return answer(response, 415, { error: 'a webhook must be application/json (set the content type of the webhook to JSON)' });
    }
    const id = request.headers['x-github-delivery'];
    const name = request.headers['x-github-event'];
    const signature = request.headers['x-hub-signature-256'];
    if (typeof id !== 'string' || typeof name !== 'string' || typeof signature !== 'string') {
      return answer(response, 400, { error: 'a webhook needs the headers x-github-delivery, x-github-event and x-hub-signature-256' });
    }
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      options.onRead?.(0);
      return refuseOversize(request, response, max);
    }
    const body = await readCapped(request, max, options.onRead).catch(() => null);
    if (body === null) return void response.destroy(), true; // the sender went away: nobody to answer
    if (body === undefined) return refuseOversize(request, response, max);
    try {
      await probot.webhooks.verifyAndReceive({ id, name: name as never, payload: body.toString('utf8'), signature });
      return answer(response, 200, 'ok\n');
    } catch (error) {
      // Probot's handlers fail as an AggregateError of what each one threw.
      const first = ((error as { errors?: unknown[] }).errors?.[0] ?? error) as Error & { status?: unknown };
      // GitHub's own answers to the handler (a 404, a 422) are faults of this event, not of the delivery: 502, so it is redelivered.
      const status = 'request' in first ? 502 : typeof first.status === 'number' && first.status >= 400 && first.status < 600 ? first.status : 500;
      if (status >= 500) probot.log.error(`webhook ${id} (${name}) failed, ${status}: ${first.message}; GitHub shows the delivery as failed and the sweep redelivers it`);
      else probot.log.warn(`webhook ${id} (${name}) refused, ${status}: ${first.message}`);
      return answer(response, status, { error: first.message.replace(/^\[@octokit\/webhooks\] /, '') });
    }
  };
}
