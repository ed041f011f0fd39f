import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../../src/sandbox/sandbox.js';

const REPO = 'acme/widgets';
let sandbox: Sandbox | undefined;
let hook: Server | undefined;
afterEach(async () => {
  await sandbox?.stop();
  await new Promise((resolve) => (hook ? hook.close(resolve) : resolve(undefined)));
  sandbox = hook = undefined;
});

/** A webhook receiver that answers each delivery with the next status of `statuses` (then 200). */
async function receiver(statuses: number[] = []): Promise<{ url: string; got: { event: string; action: string; guid: string }[] }> {
  const got: { event: string; action: string; guid: string }[] = [];
  hook = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      got.push({ event: String(request.headers['x-github-event']), action: (JSON.parse(text) as { action: string }).action, guid: String(request.headers['x-github-delivery']) });
      response.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => hook!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, got };
}

async function withPull(options: { webhookUrl?: string } = {}) {
  sandbox = new Sandbox({ seed: 7, ...options });
  await sandbox.start();
  sandbox.createRepo(REPO, { 'a.ts': '1\n' });
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'b', changes: { 'a.ts': '2\n' } });
  return { sandbox, pr };
}

const api = (method: string, path: string, body?: unknown, signal?: AbortSignal) =>
  fetch(`${sandbox!.url}${path}`, { method, headers: { authorization: 'token x', 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}), ...(signal ? { signal } : {}) });
const comment = (text: string, signal?: AbortSignal) => api('POST', `/repos/${REPO}/issues/1/comments`, { body: text }, signal);
const botComments = () => sandbox!.pullRequest(REPO, 1).comments.filter((entry) => entry.user === 'flowgate[bot]');

describe('the sandbox\'s fault switch', () => {
  it('settle() finishes when a webhook is sent while no webhook URL is set, and keeps the delivery as failed', async () => {
    const { sandbox } = await withPull();
    await sandbox.comment(REPO, 1, 'mia', '/approve');
    await sandbox.settle();
    expect(sandbox.deliveries.map((delivery) => [delivery.name, delivery.outcome])).toEqual([
      ['pull_request', 'failed to connect'],
      ['issue_comment', 'failed to connect'],
    ]);
  });

  it('a 500 before applying changes nothing; a 500 after applying keeps the change', async () => {
    const { sandbox } = await withPull();
    sandbox.faults.add({ match: 'write', fault: 'error-before', nth: 1 });
    sandbox.faults.add({ match: 'write', fault: 'error-after', nth: 2 });
    expect((await comment('one')).status).toBe(500);
    expect(botComments()).toHaveLength(0);
    expect((await comment('two')).status).toBe(500);
    expect(botComments().map((entry) => entry.body)).toEqual(['two']);
    expect((await comment('three')).status).toBe(201);
    expect(sandbox.faults.injected.map((entry) => entry.fault)).toEqual(['error-before', 'error-after']);
  });

  it('a secondary rate limit answers 403 with retry-after and GitHub\'s message, and applies nothing', async () => {
    const { sandbox } = await withPull();
    sandbox.faults.add({ match: { method: 'POST', path: /\/comments$/ }, fault: 'rate-limit', times: 1 });
    const limited = await comment('one');
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(((await limited.json()) as { message: string }).message).toMatch(/secondary rate limit/);
    expect(botComments()).toHaveLength(0);
    expect((await comment('two')).status).toBe(201);
  });

  it('a timeout holds the answer until the client gives up; before applying nothing changes, after applying the change stays', async () => {
    const { sandbox } = await withPull();
    sandbox.faults.add({ match: 'write', fault: 'timeout-before', nth: 1 });
    sandbox.faults.add({ match: 'write', fault: 'timeout-after', nth: 2 });
    await expect(comment('one', AbortSignal.timeout(300))).rejects.toThrow();
    expect(botComments()).toHaveLength(0);
    await expect(comment('two', AbortSignal.timeout(300))).rejects.toThrow();
    expect(botComments().map((entry) => entry.body)).toEqual(['two']);
  });

  it('a timeout with no client timeout is cut at the cap: the client sees a connection error, not an answer', async () => {
    const { sandbox } = await withPull();
    sandbox.faults.timeoutCapMs = 200;
    sandbox.faults.add({ match: 'write', fault: 'timeout-after', times: 1 });
    await expect(comment('one')).rejects.toThrow();
    expect(botComments()).toHaveLength(1);
  });

  it('chance is seeded: the same seed hits the same requests', async () => {
    const pattern = async (seed: number) => {
      const local = new Sandbox({ seed });
      let hits = '';
      local.faults.add({ match: 'any', fault: 'error-before', probability: 0.3 });
      for (let index = 0; index < 40; index += 1) hits += local.faults.decide({ method: 'POST', path: '/x', body: {} }).fault ? 'x' : '.';
      return hits;
    };
    expect(await pattern(3)).toBe(await pattern(3));
    expect(await pattern(3)).not.toBe(await pattern(4));
    expect((await pattern(3)).split('x').length - 1).toBeGreaterThan(4);
  });

  it('a hook runs while the request is in flight: the author pushes while the app asks to merge, and the merge is refused', async () => {
    const { sandbox, pr } = await withPull();
    const approved = pr.headSha;
    sandbox.faults.add({ match: { method: 'PUT', path: /\/merge$/ }, times: 1, before: async () => void (await sandbox.push(REPO, 1, 'dev', { 'a.ts': '3\n' })) });
    const answer = await api('PUT', `/repos/${REPO}/pulls/1/merge`, { sha: approved });
    expect(answer.status).toBe(409);
    expect(sandbox.pullRequest(REPO, 1).merged).toBe(false);
    expect(sandbox.truth.on(REPO, 1).actions.map((action) => action.kind)).toEqual(['push']);
  });

  it('keeps ground truth: each decision with the head it was made on, each merge with the commit merged', async () => {
    const { sandbox, pr } = await withPull();
    const first = pr.headSha;
    await sandbox.comment(REPO, 1, 'mia', '/approve');
    const second = await sandbox.push(REPO, 1, 'dev', { 'a.ts': '3\n' });
    await sandbox.review(REPO, 1, 'max', 'approved');
    await sandbox.label(REPO, 1, 'max', 'flowgate:approve');
    const edited = sandbox.pullRequest(REPO, 1).comments[0]!;
    await sandbox.editComment(REPO, 1, edited.id, 'dev', '/approve again');
    expect((await api('PUT', `/repos/${REPO}/pulls/1/merge`, { sha: second })).status).toBe(200);
    const truth = sandbox.truth.on(REPO, 1);
    expect(truth.actions.map((action) => [action.kind, action.actor, action.head, action.detail])).toEqual([
      ['comment', 'mia', first, '/approve'],
      ['push', 'dev', second, second],
      ['review', 'max', second, 'approved'],
      ['label', 'max', second, 'flowgate:approve'],
      ['comment-edit', 'dev', second, '/approve again'],
    ]);
    expect(truth.merges).toEqual([expect.objectContaining({ sha: second, number: 1 })]);
    expect(sandbox.deliveries.at(-2)).toMatchObject({ name: 'issue_comment', payload: { action: 'edited', changes: { body: { from: '/approve' } } } });
  });
});

describe('the sandbox\'s webhook delivery log', () => {
  it('records each attempt\'s outcome, pages the log with a cursor, and redelivers an attempt with the same GUID', async () => {
    const { url, got } = await receiver([200, 500]);
    const { sandbox } = await withPull({ webhookUrl: url });
    await sandbox.comment(REPO, 1, 'mia', 'one');
    await sandbox.comment(REPO, 1, 'mia', 'two');
    expect(sandbox.deliveries.map((delivery) => [delivery.outcome, delivery.status])).toEqual([
      ['OK', 200],
      ['Invalid HTTP Response: 500', 500],
      ['OK', 200],
    ]);
    type Item = { id: number; guid: string; status_code: number; redelivery: boolean; action: string };
    const first = await api('GET', '/app/hook/deliveries?per_page=2');
    const page1 = (await first.json()) as Item[];
    expect(page1.map((entry) => entry.action)).toEqual(['created', 'created']);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toContain('cursor=v1_');
    const page2 = (await (await fetch(next!, { headers: { authorization: 'bearer jwt' } })).json()) as Item[];
    expect(page2.map((entry) => entry.action)).toEqual(['opened']);
    const failed = (await (await api('GET', '/app/hook/deliveries?status=failure')).json()) as Item[];
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ status_code: 500, redelivery: false });

    const again = await api('POST', `/app/hook/deliveries/${failed[0]!.id}/attempts`);
    expect(again.status).toBe(202);
    await sandbox.settle();
    expect(got.at(-1)).toEqual({ event: 'issue_comment', action: 'created', guid: failed[0]!.guid });
    const latest = ((await (await api('GET', '/app/hook/deliveries?per_page=1')).json()) as Item[])[0]!;
    expect(latest).toMatchObject({ guid: failed[0]!.guid, redelivery: true, status_code: 200 });
    expect((await api('POST', '/app/hook/deliveries/1/attempts')).status).toBe(404);
  });

  it('a delivery to an app that is not listening fails as "failed to connect" and can be redelivered once it listens', async () => {
    const { sandbox } = await withPull({ webhookUrl: 'http://127.0.0.1:9/hook' });
    expect(sandbox.deliveries[0]).toMatchObject({ outcome: 'failed to connect' });
    expect(sandbox.deliveries[0]!.status).toBeUndefined();
    const { url, got } = await receiver();
    sandbox.webhookUrl = url;
    await sandbox.redeliver(sandbox.deliveries[0]!);
    expect(got).toEqual([{ event: 'pull_request', action: 'opened', guid: sandbox.deliveries[0]!.id }]);
    expect(sandbox.deliveries.map((delivery) => [delivery.redelivery, delivery.outcome])).toEqual([
      [false, 'failed to connect'],
      [true, 'OK'],
    ]);
  });
});
