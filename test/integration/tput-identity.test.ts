/**
 * The server's identity (GET /app, asked once, by the first event that needs it,
 * when APP_ID and the bot's login are not given, as under `npm start`): a failure
 * to learn it fails that event, and only that one. A delivery its payload settles
 * (a comment without a command) asks GitHub nothing, not even that, so it is
 * answered while GitHub is down. Found while benchmarking the server against a
 * bare Probot app (bench/throughput*.ts).
 */
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Probot } from 'probot';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appHttpHandler } from '../../src/app/http-handler.js';
import { flowgateApp } from '../../src/app/probot-app.js';
import { UnthrottledOctokit } from '../../src/sandbox/with-app.js';

const SECRET = 'webhook-secret';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

/** GitHub for the app: GET /app refused while `down` (401 Bad credentials, which Octokit does not retry: as while a private key is being rotated). */
let down = true;
const asked: string[] = [];
let github: Server;
let server: Server;
let url: string;
beforeAll(async () => {
  github = createServer((request, response) => {
    asked.push(`${request.method} ${request.url}`);
    if (request.method === 'GET' && request.url === '/app' && !down) return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 7, slug: 'flowgate-test' }));
    response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' }));
  });
  await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
  const probot = new Probot({ appId: 7, privateKey, secret: SECRET, baseUrl: `http://127.0.0.1:${(github.address() as AddressInfo).port}`, Octokit: UnthrottledOctokit, logLevel: 'fatal' });
  // No appId or appLogin: the app asks GitHub who it is, as `npm start` does.
  const handler = await appHttpHandler(probot, flowgateApp({ connections: () => undefined }));
  server = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => github.close(() => resolve()));
});

/** A comment on a PR by `sender`: without a command the app skips it; with one, it must first know whether the comment is its own. */
async function deliverComment(text: string, sender = 'flowgate-test[bot]'): Promise<number> {
  const body = JSON.stringify({ action: 'created', issue: { number: 1, pull_request: { url: 'https://api.github.com/repos/acme/widgets/pulls/1' } }, comment: { body: text }, repository: { name: 'widgets', owner: { login: 'acme' } }, sender: { login: sender, type: 'Bot' }, installation: { id: 1 } });
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
  });
  await response.arrayBuffer();
  return response.status;
}

it('a failure to learn the app\'s identity fails only the event that needed it: the next such event asks again and is handled', async () => {
  // Settled by its payload: answered with GitHub down, and GitHub is not asked.
  expect(await deliverComment('Nice.')).toBe(200);
  expect(asked).toEqual([]);
  // A command, perhaps the app's own (its login is GitHub's to say): the app must ask, and fails closed.
  expect(await deliverComment('/approve')).toBeGreaterThanOrEqual(500);
  expect(asked).toEqual(['GET /app']);
  down = false;
  // Its own comment, once it knows who it is: skipped, asking nothing more than its identity.
  expect(await deliverComment('/approve')).toBe(200);
  expect(await deliverComment('/flowgate status')).toBe(200);
  expect(await deliverComment('Nice.')).toBe(200);
  // Asked again once after the failure, then kept.
  expect(asked).toEqual(['GET /app', 'GET /app']);
});
