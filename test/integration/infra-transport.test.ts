/**
 * How the app talks to GitHub when GitHub misbehaves: never answers, answers a
 * rate limit with retry-after, or fails a write with a 5xx.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { Probot } from 'probot';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { probotTransport } from '../../src/github/transport/octokit.js';
import { requestTimeoutFromEnv, timedFetch } from '../../src/github/transport/timeout.js';
import { statusCommand } from '../../src/cli/status-command.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

/** A loopback server that takes every request and never answers it. */
let silent: Server;
let silentUrl: string;
let received = 0;
beforeAll(async () => {
  silent = createServer(() => void (received += 1));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(async () => {
  silent.closeAllConnections();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe('a deadline on every GitHub request', () => {
  it('a request GitHub never answers fails after the deadline, naming the request', async () => {
    const probot = new Probot({ appId: 1, privateKey, secret: 's', baseUrl: silentUrl, ...probotTransport({ timeoutMs: 200, throttle: false }) });
    const octokit = await probot.auth();
    const before = received;
    const error = await octokit.request('GET /app/hook/deliveries').catch((caught: unknown) => caught as Error & { status?: number });
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('timed out after 200ms: GET /app/hook/deliveries');
    expect((error as { status?: number }).status).toBe(500);
    // Not repeated: a request that hit its deadline already held the PR for all of it.
    expect(received - before).toBe(1);
  });

  it('the installation token request has the deadline too', async () => {
    const probot = new Probot({ appId: 1, privateKey, secret: 's', baseUrl: silentUrl, ...probotTransport({ timeoutMs: 200, throttle: false }) });
    const octokit = await probot.auth(5);
    await expect(octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'web' })).rejects.toThrow('timed out after 200ms: POST /app/installations/5/access_tokens');
  });

  it('a server that sends headers and then stalls is cut at the deadline', async () => {
    const stalling = createServer((_request, response) => void response.writeHead(200, { 'content-type': 'application/json' }).write('{"partial":'));
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    try {
      const fetch = timedFetch(200);
      await expect(fetch(`http://127.0.0.1:${(stalling.address() as AddressInfo).port}/graphql`, { method: 'POST', body: '{}' })).rejects.toThrow('timed out after 200ms: POST /graphql');
    } finally {
      stalling.closeAllConnections();
      stalling.close();
    }
  });

  it('flowgate status reports a GitHub that never answers, instead of hanging', async () => {
    const lines: string[] = [];
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    const code = await statusCommand({ repo: 'acme/web', pr: '7', json: false, token: 't', apiUrl: silentUrl, timeoutMs: 200 }, io as never);
    expect(code).toBe(8);
    expect(lines.join('\n')).toContain('timed out after 200ms: POST /graphql');
  });

  it('FLOWGATE_REQUEST_TIMEOUT is a duration; anything else is a clear error', () => {
    expect(requestTimeoutFromEnv({})).toBe(10_000);
    expect(requestTimeoutFromEnv({ FLOWGATE_REQUEST_TIMEOUT: '30s' })).toBe(30_000);
    expect(() => requestTimeoutFromEnv({ FLOWGATE_REQUEST_TIMEOUT: '30' })).toThrow('FLOWGATE_REQUEST_TIMEOUT=30: expected a duration such as 10s or 1m');
  });
});

describe('rate limits and retries, through the real Probot Octokit', () => {
  beforeEach(() => {
    nock.cleanAll();
    nock.disableNetConnect();
  });
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });
  const token = (installation: number) =>
    nock('https://api.github.com').post(`/app/installations/${installation}/access_tokens`).reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z' });
  // One second of retry-after lasts a millisecond here.
  const probot = () => new Probot({ appId: 1, privateKey, secret: 's', ...probotTransport({ timeoutMs: 5_000, secondMs: 1 }) });

  it('a secondary rate limit is retried after retry-after, even for a POST, and applied once', async () => {
    token(11);
    const posted: unknown[] = [];
    nock('https://api.github.com')
      .post('/repos/acme/web/issues/7/comments')
      .reply(403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'retry-after': '3' })
      .post('/repos/acme/web/issues/7/comments', (body) => (posted.push(body), true))
      .reply(201, { id: 1 });
    const octokit = await probot().auth(11);
    const { status } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: 'acme', repo: 'web', issue_number: 7, body: 'hi' });
    expect(status).toBe(201);
    expect(posted).toHaveLength(1);
  });

  it('a secondary rate limit that lasts is given up after two retries, with GitHub\'s error', async () => {
    token(12);
    const limited = { message: 'You have exceeded a secondary rate limit.' };
    nock('https://api.github.com').post('/repos/acme/web/issues/7/labels').times(3).reply(403, limited, { 'retry-after': '1' });
    const octokit = await probot().auth(12);
    const error = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { owner: 'acme', repo: 'web', issue_number: 7, labels: ['x'] }).catch((caught: unknown) => caught as { status: number; message: string });
    expect(error).toMatchObject({ status: 403, message: expect.stringContaining('secondary rate limit') });
  });

  it('a retry-after longer than two minutes is not waited for inside an event', async () => {
    token(13);
    nock('https://api.github.com').get('/repos/acme/web').reply(403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '3600' });
    const octokit = await probot().auth(13);
    await expect(octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'web' })).rejects.toMatchObject({ status: 403 });
  });

  it('a POST that fails with a 5xx is not sent again (GitHub may have applied it)', async () => {
    token(14);
    nock('https://api.github.com').post('/repos/acme/web/issues/7/comments').once().reply(502, { message: 'Server Error' });
    const octokit = await probot().auth(14);
    await expect(octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: 'acme', repo: 'web', issue_number: 7, body: 'hi' })).rejects.toMatchObject({ status: 502 });
  });

  it('request: { retries: 0 } is obeyed for any method; a read without it is retried after a 5xx', async () => {
    token(15);
    nock('https://api.github.com')
      .put('/repos/acme/web/pulls/7/merge').once().reply(500, { message: 'Server Error' })
      .get('/repos/acme/web').once().reply(503, { message: 'unavailable' })
      .get('/repos/acme/web').once().reply(200, { name: 'web' });
    const octokit = await new Probot({ appId: 1, privateKey, secret: 's', ...probotTransport({ timeoutMs: 5_000, secondMs: 1 }) }).auth(15);
    await expect(octokit.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', { owner: 'acme', repo: 'web', pull_number: 7, sha: 'a', request: { retries: 0 } })).rejects.toMatchObject({ status: 500 });
    const { data } = await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'web' });
    expect(data).toEqual({ name: 'web' });
  });
});
