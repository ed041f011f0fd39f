import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/github/history/record.js';
import { commentText } from '../../src/github/history/markers.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

let running: AppOnSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const REPO = 'acme/widgets';

async function setUp(flows: Record<string, string> = { 'gate.yml': GATE_FLOW }) {
  running = await startAppOnSandbox();
  const { sandbox } = running;
  const files = Object.fromEntries(Object.entries(flows).map(([name, text]) => [`.github/flows/${name}`, text]));
  sandbox.createRepo(REPO, { ...files, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia'] }, permissions: { mia: 'write' } });
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
  return { sandbox, pr };
}

const sticky = <T extends { user: string; body: string }>(comments: T[]) => comments.filter((comment) => comment.body.startsWith('<!-- flowgate:sticky -->'));

describe('the app on the sandbox', () => {
  it('runs a flow on a live PR: waits for an approver, then merges at the approved commit', async () => {
    const { sandbox, pr } = await setUp();
    const [checkRun] = sandbox.checkRunsFor(pr.headSha);
    expect(checkRun).toMatchObject({ name: 'Flowgate: gate', status: 'in_progress', output: { title: 'Waiting for 1 more approval(s) from @acme/managers' } });
    expect(checkRun!.actions.map((action) => action.label)).toEqual(['Approve', 'Decline']);
    expect(decodeRecord(checkRun!.output.text ?? '')).toMatchObject({ ok: true });
    expect(sticky(pr.comments)).toHaveLength(1);
    expect(sticky(pr.comments)[0]!.body).toContain('```mermaid');

    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    expect(sandbox.pullRequest(REPO, pr.number)).toMatchObject({ state: 'closed', merged: true });
    expect(sandbox.checkRunsFor(pr.headSha)[0]).toMatchObject({ status: 'completed', conclusion: 'success', actions: [] });
    expect(sticky(pr.comments)).toHaveLength(1);
    expect(sandbox.deliveries.every((delivery) => delivery.status === 200)).toBe(true);
  });

  it('counts its requests: one read an event at steady state; a new PR five, a comment without a command none, an approval that merges five', async () => {
    const { sandbox, pr } = await setUp();
    expect(sandbox.requests).toEqual([
      'POST /graphql', // one query: what is live, the PR's facts, the app's runs on its commits
      'POST /graphql', // team members: the first event of a repository cannot foresee what its flows need
      'POST /repos/acme/widgets/check-runs',
      'POST /repos/acme/widgets/check-runs', // the Flowgate check branch protection requires
      // the sticky comment: the facts already hold the app's comments, so none is listed
      'POST /repos/acme/widgets/issues/1/comments',
    ]);
    sandbox.requests.length = 0;
    await sandbox.comment(REPO, pr.number, 'mia', 'Looks fine so far.');
    expect(sandbox.requests).toEqual([]);
    // An event that changes nothing (a label no flow reads): one read, no write.
    await sandbox.label(REPO, pr.number, 'dev', 'docs');
    expect(sandbox.requests).toEqual(['POST /graphql']);
    sandbox.requests.length = 0;
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    expect(sandbox.requests).toEqual([
      'POST /graphql', // flows, facts and runs in one query; the people and the flows' text are known
      // Flowgate: success before the merge, which a required Flowgate check still in progress would block.
      'PATCH /repos/acme/widgets/check-runs/' + sandbox.checkRunsFor(pr.headSha)[1]!.id,
      'PUT /repos/acme/widgets/pulls/1/merge',
      'PATCH /repos/acme/widgets/check-runs/' + sandbox.checkRunsFor(pr.headSha)[0]!.id,
      'PATCH /repos/acme/widgets/issues/comments/' + sticky(pr.comments)[0]!.id,
      // GitHub's pull_request.closed for the merge: one read finds that nothing changed.
      'POST /graphql',
    ]);
  });

  it('a decision made in a comment is acted on at once', async () => {
    const { sandbox, pr } = await setUp();
    await sandbox.comment(REPO, pr.number, 'mia', 'Checked the numbers.\n/approve');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
  });

  it('a PR that edits a flow cannot change its own gate: flows come from the default branch', async () => {
    running = await startAppOnSandbox();
    const { sandbox } = running;
    sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW }, { teams: { 'acme/managers': ['mia'] } });
    const loosened = GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { users: [dev] }\n      exclude: []');
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Let me approve myself', branch: 'dev/loose', changes: { '.github/flows/gate.yml': loosened } });
    await sandbox.review(REPO, pr.number, 'dev', 'approved');
    await sandbox.comment(REPO, pr.number, 'dev', '/approve');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    const summary = sandbox.checkRunsFor(pr.headSha)[0]!.output.summary ?? '';
    expect(summary).toContain('ignored: the author cannot approve');
  });

  it('removes an approval label added by someone who may not approve, saying why', async () => {
    const { sandbox, pr } = await setUp();
    await sandbox.label(REPO, pr.number, 'rob', 'flowgate:approve');
    const pull = sandbox.pullRequest(REPO, pr.number);
    expect(pull.labels).toEqual([]);
    expect(commentText(pull.comments.at(-1)!.body)).toBe('@rob: Flowgate removed the label `flowgate:approve` because it does not count as a decision here: not an approver (approvers: @acme/managers).');
    expect(pull.merged).toBe(false);
  });

  it('takes a decision from the check run\'s Approve button', async () => {
    const { sandbox, pr } = await setUp();
    const [checkRun] = sandbox.checkRunsFor(pr.headSha);
    await sandbox.clickButton(REPO, checkRun!.id, 'mia', 'approve');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
    expect(decodeRecord(sandbox.checkRunsFor(pr.headSha)[0]!.output.text ?? '')).toMatchObject({ ok: true, record: { buttons: [{ actor: 'mia', action: 'approve' }] } });
  });

  it('a redelivered webhook changes nothing and applies nothing twice', async () => {
    const { sandbox, pr } = await setUp(
      { 'gate.yml': GATE_FLOW.replace('      - merge: {}', '      - comment: "Approved by {{decision.actor}}."\n      - label: [approved]') },
    );
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    const review = sandbox.deliveries.find((delivery) => delivery.name === 'pull_request_review')!;
    const before = sandbox.pullRequest(REPO, pr.number).comments.length;
    sandbox.requests.length = 0;
    await sandbox.redeliver(review);
    await sandbox.redeliver(review);
    const pull = sandbox.pullRequest(REPO, pr.number);
    expect(pull.comments).toHaveLength(before);
    expect(pull.labels).toEqual(['approved']);
    expect(sandbox.requests.filter((request) => !request.startsWith('GET') && request !== 'POST /graphql')).toEqual([]);
    expect(sandbox.requests).toEqual(['POST /graphql', 'POST /graphql']);
  });

  it('a merge refused because the head moved says so, and the run goes back to its gate for the new head', async () => {
    const flow = `name: gate
on: { pull_request: {} }
steps:
  - id: review
    approval: { from: { teams: [acme/managers] }, invalidate_on_push: false }
  - id: ready
    wait: { label: ship-it }
  - id: ship
    actions: [ { merge: {} } ]
`;
    const { sandbox, pr } = await setUp({ 'gate.yml': flow });
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    const approved = pr.headSha;
    const moved = await sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': 'export const x = 3;\n' });
    await sandbox.label(REPO, pr.number, 'dev', 'ship-it');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    const [run] = sandbox.checkRunsFor(moved);
    expect(run).toMatchObject({ status: 'in_progress', output: { title: 'Waiting for 1 more approval(s) from @acme/managers' } });
    expect(run!.output.text).toContain('merge failed: 409: head moved');
    expect(run!.output.text).toContain('back to review for the new head');
    expect(sandbox.checkRunsFor(approved)[0]).toMatchObject({ conclusion: 'neutral', output: { title: `Moved to ${moved.slice(0, 7)}` } });
    expect(sandbox.requests.filter((request) => request.startsWith('PUT')).length).toBe(1);
  });

  it('a push leaves no pending check behind: the `Flowgate` check on the commit it moved past is closed as moved, once', async () => {
    const { sandbox, pr } = await setUp();
    const summaryOn = (sha: string) => sandbox.checkRunsFor(sha).filter((run) => run.name === 'Flowgate');
    const first = pr.headSha;
    expect(summaryOn(first)).toMatchObject([{ status: 'in_progress' }]);
    const moved = await sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': 'export const x = 3;\n' });
    expect(summaryOn(first)).toMatchObject([{ status: 'completed', conclusion: 'neutral', output: { title: `Moved to ${moved.slice(0, 7)}`, text: '' } }]);
    expect(summaryOn(moved)).toMatchObject([{ status: 'in_progress' }]);
    // The next event finds nothing left to close.
    sandbox.requests.length = 0;
    await sandbox.label(REPO, pr.number, 'dev', 'unrelated');
    expect(sandbox.requests.filter((request) => request.startsWith('PATCH'))).toEqual([]);
  });

  it('/flowgate status brings back a deleted sticky comment and acknowledges with a reaction', async () => {
    const { sandbox, pr } = await setUp();
    const pull = sandbox.pullRequest(REPO, pr.number);
    await sandbox.deleteComment(REPO, pr.number, sticky(pull.comments)[0]!.id, 'dev');
    await sandbox.comment(REPO, pr.number, 'dev', '/flowgate status');
    expect(sticky(pull.comments)).toHaveLength(1);
    const asked = pull.comments.find((comment) => comment.body === '/flowgate status')!;
    expect(asked.reactions).toEqual([expect.objectContaining({ user: 'flowgate[bot]', content: 'eyes' })]);
    await sandbox.redeliver(sandbox.deliveries.find((delivery) => (delivery.payload.comment as { body?: string } | undefined)?.body === '/flowgate status')!);
    expect(asked.reactions).toHaveLength(1);
    expect(sticky(pull.comments)).toHaveLength(1);
  });

  it('after a decline, a push starts a new run; the finished run stays on its commit', async () => {
    const { sandbox, pr } = await setUp({ 'gate.yml': GATE_FLOW.replace('    on_approve: ship', '    on_approve: ship\n    on_decline: fail') });
    await sandbox.comment(REPO, pr.number, 'mia', '/decline not like this');
    const declinedOn = pr.headSha;
    const next = await sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': 'export const x = 4;\n' });
    expect(sandbox.checkRunsFor(declinedOn).map((run) => [run.conclusion, run.output.title])).toEqual([['failure', 'Declined by mia'], ['failure', '1 run: 1 declined']]);
    expect(sandbox.checkRunsFor(next).map((run) => [run.status, run.output.title])).toEqual([['in_progress', 'Waiting for 1 more approval(s) from @acme/managers'], ['in_progress', '1 run: 1 waiting']]);
  });
});
