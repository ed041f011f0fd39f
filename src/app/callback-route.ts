/**
 * The callback route, POST /flowgate/callback: JSON from agents and scripts, or
 * the form of the confirmation page. A GET never resumes anything: a link opened
 * in a browser (or fetched by a chat's link preview) shows what it would do, and
 * a button that POSTs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyToken } from '../github/callback-token.js';
import { CALLBACK_PATH, type Outcome } from '../github/handle.js';

export const MAX_BODY_BYTES = 64 * 1024;

export interface CallbackRouteOptions {
  secret: string;
  now: () => number;
  complete: (body: unknown) => Promise<Outcome>;
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function page(response: ServerResponse, status: number, title: string, body: string): true {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" });
  response.end(`<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><body style="font:16px system-ui;max-width:40em;margin:3em auto"><h1>${escape(title)}</h1>${body}</body>`);
  return true;
}

function json(response: ServerResponse, status: number, body: object): true {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
  return true;
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function callbackRoute(options: CallbackRouteOptions) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const url = new URL(request.url ?? '/', 'http://flowgate');
    if (url.pathname !== CALLBACK_PATH) return false;
    if (request.method === 'GET') return confirmation(url, response, options);
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'GET, POST' }).end();
      return true;
    }
    const text = await readBody(request);
    if (text === undefined) return json(response, 413, { ok: false, error: `the body is larger than ${MAX_BODY_BYTES} bytes` });
    const form = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    let body: unknown;
    if (form) {
      body = Object.fromEntries(new URLSearchParams(text));
    } else {
      try {
        body = text === '' ? {} : JSON.parse(text);
      } catch {
        return json(response, 400, { ok: false, error: 'the body is not JSON' });
      }
      // A token in the link's query counts as the body's token.
      if (body && typeof body === 'object' && !('token' in body) && url.searchParams.get('token')) body = { ...body, token: url.searchParams.get('token') };
    }
    const outcome = await options.complete(body);
    const status = outcome.callback?.status ?? 500;
    const error = outcome.callback?.error;
    if (form) return page(response, status, error ? 'Not done' : 'Done', `<p>${escape(error ?? 'Flowgate took it. You can close this page.')}</p>`);
    return json(response, status, { ok: error === undefined, ...(error ? { error } : {}), runs: outcome.runs });
  };
}

function confirmation(url: URL, response: ServerResponse, options: CallbackRouteOptions): true {
  const token = url.searchParams.get('token') ?? '';
  const verified = verifyToken(token, options.secret, options.now());
  if (!verified.ok) return page(response, 400, 'This link cannot be used', `<p>${escape(verified.error)}</p>`);
  const { claims } = verified;
  const decision = url.searchParams.get('decision');
  const result = url.searchParams.get('result') ?? (decision ? undefined : 'success');
  const what = decision ? `${decision} at ${claims.step}` : `complete ${claims.step} with result ${result}`;
  const hidden = [['token', token], ...(decision ? [['decision', decision]] : []), ...(result ? [['result', result]] : [])]
    .map(([name, value]) => `<input type="hidden" name="${escape(name!)}" value="${escape(value!)}">`)
    .join('');
  return page(
    response,
    200,
    'Confirm',
    `<p>This will <b>${escape(what)}</b> in run <code>${escape(claims.run)}</code> on <code>${escape(`${claims.repo}#${claims.pr}`)}</code> (attempt ${claims.attempt}).</p>` +
      `<form method="post" action="${escape(CALLBACK_PATH)}">${hidden}${decision === 'decline' ? '<p><label>Reason <input name="reason" required></label></p>' : ''}<button type="submit">Confirm</button></form>`,
  );
}
