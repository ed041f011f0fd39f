/**
 * The callback route, POST /flowgate/callback: JSON from agents and scripts, or
 * the form of the confirmation page. A GET never resumes anything: a link opened
 * in a browser (or fetched by a chat's link preview) shows what it would do, and
 * a button that POSTs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyToken } from '../github/callbacks/token.js';
import { statusOf } from '../github/client.js';
import { CALLBACK_PATH } from '../github/callbacks/links.js';
import type { Outcome } from '../github/handle.js';
import { LockBusy } from '../github/lock.js';
import { readCapped, refuseOversize } from './webhook-route.js';

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

// JSON is also read from senders that say text/plain or nothing at all (a bare curl or fetch); a form comes from the confirmation page.
const JSON_TYPES = /^\s*(application\/(json|[\w.+-]+\+json)|text\/plain)?\s*(;|$)/i;
const FORM_TYPE = /^\s*application\/x-www-form-urlencoded\s*(;|$)/i;

/** What a failure on the way to GitHub means for the sender: whether to try again, and when. */
function failure(response: ServerResponse, error: unknown): true {
  if (error instanceof LockBusy) {
    response.setHeader('retry-after', '10');
    return json(response, 503, { ok: false, error: `${error.message}; try again in a few seconds` });
  }
  const status = statusOf(error);
  // GraphQL says NOT_FOUND in its errors, not in an HTTP status.
  const graphqlNotFound = ((error as { errors?: { type?: string }[] }).errors ?? []).some((entry) => entry.type === 'NOT_FOUND');
  if (status === 404 || status === 410 || graphqlNotFound) return json(response, 404, { ok: false, error: `GitHub has no such repository or pull request, or the app cannot see it: ${(error as Error).message}` });
  return json(response, 502, { ok: false, error: `GitHub failed the request (${(error as Error).message}); the callback was not taken, try again` });
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
    const type = request.headers['content-type'] ?? '';
    const form = FORM_TYPE.test(type);
    if (!form && !JSON_TYPES.test(type)) return json(response, 415, { ok: false, error: `the body must be application/json (or a form from the confirmation page), not ${type}` });
    if (Number(request.headers['content-length']) > MAX_BODY_BYTES) return refuseOversize(request, response, MAX_BODY_BYTES);
    const bytes = await readCapped(request, MAX_BODY_BYTES).catch(() => null);
    if (bytes === null) return void response.destroy(), true; // the sender went away: nobody to answer
    if (bytes === undefined) return refuseOversize(request, response, MAX_BODY_BYTES);
    const text = bytes.toString('utf8');
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
    let outcome: Outcome;
    try {
      outcome = await options.complete(body);
    } catch (error) {
      return failure(response, error);
    }
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
