/**
 * What LOG_LEVEL=debug shows, as docs/deploy.md says: each webhook received with
 * its delivery id, each request to GitHub with its status, and each event
 * handled or skipped, with why.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Probot } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import { appHttpHandler } from '../../src/app/http-handler.js';
import { flowgateApp } from '../../src/app/probot-app.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { UnthrottledOctokit } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

let sandbox: Sandbox | undefined;
let server: Server | undefined;
afterEach(async () => {
  await sandbox?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  sandbox = undefined;
  server = undefined;
});

describe('LOG_LEVEL=debug', () => {
  it('logs each delivery received, each request to GitHub with its status, and each event handled or skipped with why', async () => {
    sandbox = new Sandbox({ webhookSecret: 's' });
    await sandbox.start();
    const lines: { level: string; text: string }[] = [];
    // A logger that keeps what it is told, in either of pino's forms: (message) or (fields, message).
    const log: Record<string, unknown> = {};
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) {
      log[level] = (first: unknown, second?: unknown) => void lines.push({ level, text: String(typeof first === 'string' ? first : second) });
    }
    log.child = () => log;
    log.level = 'debug';
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const probot = new Probot({ appId: sandbox.appId, privateKey, secret: 's', baseUrl: sandbox.url, Octokit: UnthrottledOctokit.defaults({ log: log as never }), log: log as never });
    const handler = await appHttpHandler(probot, flowgateApp({ appId: sandbox.appId, appLogin: sandbox.appLogin, now: () => sandbox!.clock.now(), connections: () => undefined }));
    server = createServer((request, response) => void handler(request, response));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    sandbox.webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
    sandbox.createRepo('acme/widgets', { '.github/flows/gate.yml': GATE_FLOW }, { teams: { 'acme/managers': ['mia'] } });
    const pr = await sandbox.openPullRequest('acme/widgets', { author: 'dev', title: 'x', branch: 'dev/x', changes: { 'x.ts': '1\n' } });
    await sandbox.comment('acme/widgets', pr.number, 'mia', 'Looks fine.');

    const debug = lines.filter((line) => line.level === 'debug').map((line) => line.text);
    const opened = sandbox.deliveries.find((delivery) => delivery.name === 'pull_request')!;
    expect(debug).toContain(`received pull_request.opened (delivery ${opened.id})`);
    expect(debug).toContain(`handled pull_request.opened (delivery ${opened.id}): 1 run(s) evaluated`);
    // Mia's remark, and the app's own sticky comment (no command in it: skipped without asking who the app is).
    expect(debug.filter((text) => text === 'skipped issue_comment.created: a comment without a command')).toHaveLength(2);
    expect(debug.filter((text) => /^GitHub request: POST http:\/\/127\.0\.0\.1:\d+\/graphql - 200$/.test(text))).toHaveLength(2);
    expect(debug).toEqual(expect.arrayContaining([expect.stringMatching(/^GitHub request: POST \S+\/repos\/acme\/widgets\/check-runs - 201$/)]));
    // At info, only what the runs did.
    expect(lines.filter((line) => line.level === 'info').map((line) => line.text)).toEqual([expect.stringMatching(/^started gate \(\S+\): waiting$/)]);
  });
});
