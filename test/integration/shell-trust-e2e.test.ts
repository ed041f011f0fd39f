/**
 * Attacks on the GitHub shell, through the real app on the sandbox: which commit
 * a decision binds to, edited comments, redelivered and lost webhooks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/github/history/record.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';
import { unheard } from '../sandbox-helpers.js';

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

describe('a run is started once, and never lost', () => {
  it('a redelivered opened does not restart a finished run: no second check run, no second gate message', async () => {
    const { sandbox, pr } = await setUp(GATE_FLOW.replace('    on_approve: ship', '    on_approve: ship\n    on_decline: fail'));
    await sandbox.comment(REPO, pr.number, 'mia', '/decline not like this');
    const comments = sandbox.pullRequest(REPO, pr.number).comments.length;
    const opened = sandbox.deliveries.find((delivery) => delivery.name === 'pull_request' && delivery.payload.action === 'opened')!;
    await sandbox.redeliver(opened);
    await sandbox.redeliver(opened);
    // One run's check and one Flowgate check, however often the event comes.
    expect(sandbox.checkRunsFor(pr.headSha).map((run) => [run.status, run.conclusion, run.output.title])).toEqual([['completed', 'failure', 'Declined by mia'], ['completed', 'failure', '1 run: 1 declined']]);
    expect(sandbox.pullRequest(REPO, pr.number).comments).toHaveLength(comments);
    expect(sandbox.checkRunsFor(pr.headSha)[0]!.external_id).toBe(`1-gate-${pr.headSha.slice(0, 12)}`);
  });

  it('a run whose opened webhook failed starts on the next event; a decision made before it does not count', async () => {
    running = await startAppOnSandbox();
    const { sandbox } = running;
    sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia', 'max'] } });
    let number = 0;
    await unheard(sandbox, async () => {
      number = (await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } })).number;
    });
    const head = sandbox.pullRequest(REPO, number).headSha;
    expect(sandbox.checkRunsFor(head)).toEqual([]);
    // The comment is handled a moment after it was written, as on GitHub.
    await unheard(sandbox, () => sandbox.comment(REPO, number, 'mia', '/approve'));
    sandbox.clock.advance(2000);
    await sandbox.redeliver(sandbox.deliveries.find((delivery) => delivery.name === 'issue_comment' && (delivery.payload.sender as { login: string }).login === 'mia')!);
    const [run] = sandbox.checkRunsFor(head);
    expect(run).toMatchObject({ name: 'Flowgate: gate', status: 'in_progress', output: { title: 'Waiting for 1 more approval(s) from @acme/managers' } });
    expect(sandbox.pullRequest(REPO, number).merged).toBe(false);
    await sandbox.comment(REPO, number, 'max', '/approve');
    expect(sandbox.pullRequest(REPO, number).merged).toBe(true);
  });

  it('a PR closed and reopened starts afresh on the same head', async () => {
    const { sandbox, pr } = await setUp();
    const pull = sandbox.pullRequest(REPO, pr.number);
    // Closed and reopened by hand, as GitHub's timeline would show it.
    pull.state = 'closed';
    pull.timeline.push({ __typename: 'ClosedEvent', at: sandbox.clock.tick(), createdAt: sandbox.clock.iso(), actor: { login: 'dev' } });
    pull.state = 'open';
    pull.timeline.push({ __typename: 'ReopenedEvent', at: sandbox.clock.tick(), createdAt: sandbox.clock.iso(), actor: { login: 'dev' } });
    const opened = sandbox.deliveries.find((delivery) => delivery.name === 'pull_request' && delivery.payload.action === 'opened')!;
    await sandbox.redeliver({ ...opened, id: 'closed-1', payload: { ...opened.payload, action: 'closed' } });
    expect(sandbox.checkRunsFor(pr.headSha)[0]).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    await sandbox.redeliver({ ...opened, id: 'reopened-1', payload: { ...opened.payload, action: 'reopened' } });
    expect(sandbox.checkRunsFor(pr.headSha).map((run) => run.external_id)).toEqual([`1-gate-${pr.headSha.slice(0, 12)}`, 'flowgate', `1-gate-${pr.headSha.slice(0, 12)}-r1`]);
    // The run cancelled on close does not fail the PR's Flowgate check: the new run does the speaking.
    expect(sandbox.checkRunsFor(pr.headSha)[1]).toMatchObject({ name: 'Flowgate', status: 'in_progress', output: { title: '1 run: 1 waiting' } });
  });
});
