/**
 * Attacks on the GitHub shell, through the real app on the sandbox: which commit
 * a decision binds to, edited comments, redelivered and lost webhooks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/github/record.js';
import { startReceiver } from '../../src/sandbox/receiver.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

let running: AppOnSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const REPO = 'acme/widgets';

async function setUp(flow = GATE_FLOW) {
  running = await startAppOnSandbox();
  const { sandbox } = running;
  sandbox.createRepo(REPO, { '.github/flows/gate.yml': flow, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia', 'max'] }, permissions: { mia: 'write', max: 'write' } });
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
  return { sandbox, pr };
}

/** Webhooks sent while `lost` runs never reach the app (they go to a receiver that drops them, as if the app were down). */
async function unheard(sandbox: AppOnSandbox['sandbox'], lost: () => Promise<unknown>): Promise<void> {
  const url = sandbox.webhookUrl;
  const sink = await startReceiver();
  sandbox.webhookUrl = sink.url;
  try {
    await lost();
  } finally {
    sandbox.webhookUrl = url;
    await sink.close();
  }
}

const recordOn = (sandbox: AppOnSandbox['sandbox'], sha: string) => {
  const decoded = decodeRecord(sandbox.checkRunsFor(sha).find((run) => run.name === 'Flowgate: gate')?.output.text ?? '');
  if (!decoded.ok) throw new Error(`no record on ${sha}: ${decoded.error}`);
  return decoded.record;
};

describe('decisions bind to the commit they were made on', () => {
  it('a comment approval that races a push counts for the old head only: the pushed commit is not merged', async () => {
    const { sandbox, pr } = await setUp();
    const approvedOn = pr.headSha;
    let pushed = '';
    await unheard(sandbox, async () => {
      await sandbox.comment(REPO, pr.number, 'mia', '/approve');
      pushed = await sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': 'export const x = 666;\n' });
    });
    // The comment's webhook is handled only now, after the push.
    await sandbox.redeliver(sandbox.deliveries.find((delivery) => delivery.name === 'issue_comment' && (delivery.payload.sender as { login: string }).login === 'mia')!);
    const pull = sandbox.pullRequest(REPO, pr.number);
    expect(pull.headSha).toBe(pushed);
    expect(pull.merged).toBe(false);
    const record = recordOn(sandbox, pushed);
    expect(record.run.head_sha).toBe(approvedOn);
    // The push is dated by GitHub's check suite, not by when the app first saw it.
    expect(record.pushes).toEqual([expect.objectContaining({ sha: pushed, before: approvedOn })]);
  });

  it('with count 2 and a push the app never heard of, one approval before it and one after are not two on the head', async () => {
    const { sandbox, pr } = await setUp(GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      count: 2'));
    await sandbox.comment(REPO, pr.number, 'mia', '/approve');
    let pushed = '';
    await unheard(sandbox, async () => {
      pushed = await sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': 'export const x = 666;\n' });
    });
    await sandbox.comment(REPO, pr.number, 'max', '/approve');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    const summary = sandbox.checkRunsFor(pushed).find((run) => run.name === 'Flowgate: gate')!.output.title;
    expect(summary).toBe('Waiting for 1 more approval(s) from @acme/managers');
  });
});
