/**
 * The app's HTTP server as `npm start` serves it (app/http-handler.ts), on
 * loopback: what it answers to bodies too large, malformed, unsigned, or
 * shaped unlike what the app expects. No request reaches GitHub.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Probot } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackRoute } from '../../src/app/callback-route.js';
import { appHttpHandler } from '../../src/app/http-handler.js';
import { flowgateApp } from '../../src/app/probot-app.js';
import { MAX_WEBHOOK_BYTES } from '../../src/app/webhook-route.js';
import { LockBusy, type Lock } from '../../src/github/lock.js';

const require = createRequire(import.meta.url);
const examples = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as { name: string; examples: Record<string, any>[] }[];
const example = (name: string, action: string) => structuredClone(examples.find((event) => event.name === name)!.examples.find((payload) => payload.action === action && payload.installation)!);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const SECRET = 'webhook-secret';
const MB = 1024 * 1024;

/** A lock some other replica always holds. */
const busy: Lock = {
  hold: async (key, _ttl, wait) => {
    throw new LockBusy(key, wait);
  },
  lease: async () => undefined,
};

let server: Server;
let url: string;
const reads: number[] = [];
beforeAll(async () => {
  // A Probot whose GitHub is nowhere: any request to it would fail the test.
  const probot = new Probot({ appId: 1, privateKey, secret: SECRET, baseUrl: 'http://127.0.0.1:9' });
  const app = flowgateApp({ appId: 1, appLogin: 'flowgate[bot]', connections: () => undefined, lock: busy, callbacks: { publicUrl: 'http://127.0.0.1', secret: 'callback-secret' } });
  const handler = await appHttpHandler(probot, app, { onRead: (bytes) => reads.push(bytes) });
  server = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Answer {
  status: number;
  body: string;
}

/** POSTs `size` bytes in 1 MB chunks (no content-length unless given), and resolves with the answer, even if the server stops reading. */
function stream(path: string, size: number, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}${path}`, { method: 'POST', headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
      response.on('error', () => resolve({ status: response.statusCode!, body }));
    });
    request.on('error', reject);
    const chunk = Buffer.alloc(MB, 0x20);
    let sent = 0;
    const write = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', write);
      }
      request.end();
    };
    write();
  });
}

const webhookHeaders = (name: string, body: string, secret = SECRET) => ({
  'content-type': 'application/json',
  'x-github-event': name,
  'x-github-delivery': `d-${Math.random()}`,
  'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
});

async function post(path: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers, body });
  return { status: response.status, body: await response.text() };
}

describe('the webhook route reads no more than GitHub can send', () => {
  it('a body declared larger than 25 MB is refused with 413 before a byte of it is read', async () => {
    reads.length = 0;
    const answer = await new Promise<Answer>((resolve, reject) => {
      const request = httpRequest(`${url}/api/github/webhooks`, { method: 'POST', headers: { ...webhookHeaders('ping', ''), 'content-length': String(300 * MB) } }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      });
      request.on('error', reject);
      request.write(Buffer.alloc(64 * 1024));
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ ok: false, error: `the body is larger than ${MAX_WEBHOOK_BYTES} bytes` });
    expect(reads).toEqual([0]);
  });

  it('a 40 MB body sent in chunks without a length is cut at the cap and refused with 413', async () => {
    reads.length = 0;
    const answer = await stream('/api/github/webhooks', 40 * MB, webhookHeaders('ping', ''));
    expect(answer.status).toBe(413);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toBeGreaterThan(MAX_WEBHOOK_BYTES);
    // The server stopped at the cap: it read at most one chunk past it, never the 40 MB.
    expect(reads[0]).toBeLessThanOrEqual(MAX_WEBHOOK_BYTES + MB);
  });

  it('an unsigned body under the cap is refused with 400 and a message, not 500', async () => {
    const body = JSON.stringify(example('pull_request', 'opened'));
    const answer = await post('/api/github/webhooks', body, webhookHeaders('pull_request', body, 'wrong-secret'));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatch(/signature does not match/);
  });

  it('a webhook that is not JSON, not POSTed, or without GitHub\'s headers gets a 4xx that says which', async () => {
    expect((await post('/api/github/webhooks', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post('/api/github/webhooks', '{}', { 'content-type': 'application/json' })).body).toMatch(/x-github-delivery, x-github-event and x-hub-signature-256/);
    expect((await fetch(`${url}/api/github/webhooks`)).status).toBe(405);
    const signed = '{"zen":';
    const answer = await post('/api/github/webhooks', signed, webhookHeaders('ping', signed));
    expect(answer).toMatchObject({ status: 400, body: expect.stringContaining('Invalid JSON') });
  });
});

describe('events the app cannot handle now fail loudly, so GitHub redelivers them', () => {
  it('an event that cannot get its PR\'s lock answers 503, and the delivery shows as failed', async () => {
    const body = JSON.stringify(example('pull_request', 'opened'));
    const answer = await post('/api/github/webhooks', body, webhookHeaders('pull_request', body));
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body).error).toMatch(/is busy: another event held its lock for 8s/);
  });
});

describe('payloads shaped unlike GitHub\'s are skipped, not crashed on', () => {
  it('a repository_dispatch callback without a repository is skipped with 200', async () => {
    const body = JSON.stringify({ action: 'flowgate-callback', client_payload: { token: 'x' }, installation: { id: 1 } });
    const answer = await post('/api/github/webhooks', body, webhookHeaders('repository_dispatch', body));
    expect(answer).toEqual({ status: 200, body: 'ok\n' });
  });

  it('a pull_request without a pull request is skipped with 200', async () => {
    const body = JSON.stringify({ action: 'opened', repository: null, installation: { id: 1 } });
    expect(await post('/api/github/webhooks', body, webhookHeaders('pull_request', body))).toEqual({ status: 200, body: 'ok\n' });
  });
});

describe('the callback route answers bad input with a 4xx and a message', () => {
  it('a body over 64 KiB is refused with 413, by its length or while it streams', async () => {
    const declared = await post('/flowgate/callback', 'x'.repeat(70 * 1024), { 'content-type': 'application/json' });
    expect(declared.status).toBe(413);
    const streamed = await stream('/flowgate/callback', 2 * MB, { 'content-type': 'application/json' });
    expect(streamed.status).toBe(413);
  });

  it('malformed JSON is 400; a content type it cannot read is 415', async () => {
    expect(await post('/flowgate/callback', '{"token":', { 'content-type': 'application/json' })).toMatchObject({ status: 400, body: expect.stringContaining('not JSON') });
    expect(await post('/flowgate/callback', '<token/>', { 'content-type': 'application/xml' })).toMatchObject({ status: 415, body: expect.stringContaining('application/json') });
  });

  it('a callback whose PR is locked by another replica answers 503 with retry-after, not 500', async () => {
    // A validly signed token, so the callback gets as far as the lock.
    const { signToken } = await import('../../src/github/callbacks/token.js');
    const token = signToken({ v: 1, repo: 'acme/web', pr: 7, installation: 1, run: 'r', step: 's', attempt: 1, exp: Math.floor(Date.now() / 1000) + 3600 }, 'callback-secret');
    const response = await fetch(`${url}/flowgate/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, result: 'success' }) });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('10');
    expect((await response.json()) as object).toMatchObject({ ok: false, error: expect.stringContaining('try again') });
  });
});

describe('the callback route when GitHub fails it', () => {
  /** The callback route alone, completing every callback by throwing `error`. */
  async function failingWith(error: unknown): Promise<Answer> {
    const route = callbackRoute({ secret: 's', now: Date.now, complete: async () => { throw error; } });
    const alone = createServer((request, response) => void route(request, response));
    await new Promise<void>((resolve) => alone.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(alone.address() as AddressInfo).port}/flowgate/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":"t"}' });
      return { status: response.status, body: await response.text() };
    } finally {
      alone.close();
    }
  }

  it('a repository or PR GitHub does not have is 404 with a message, by REST status or GraphQL NOT_FOUND', async () => {
    expect(await failingWith(Object.assign(new Error('Not Found'), { status: 404 }))).toMatchObject({ status: 404, body: expect.stringContaining('no such repository or pull request') });
    expect(await failingWith(Object.assign(new Error("Could not resolve to a Repository with the name 'acme/gone'."), { errors: [{ type: 'NOT_FOUND' }] }))).toMatchObject({ status: 404 });
  });

  it('any other failure is 502 and tells the sender to try again, never a bare 500', async () => {
    expect(await failingWith(new Error('timed out after 10s: POST /graphql'))).toMatchObject({ status: 502, body: expect.stringContaining('timed out after 10s: POST /graphql); the callback was not taken, try again') });
  });
});
