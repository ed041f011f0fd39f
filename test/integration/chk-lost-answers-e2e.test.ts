/**
 * The app's other creates whose answer GitHub may lose (applied, then a 500):
 * the sticky comment and the `Flowgate` check. The redelivered event finds what
 * the first made and makes no second one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

let running: AppOnSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const REPO = 'acme/widgets';

async function setUp() {
  running = await startAppOnSandbox();
  running.sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': '1\n' }, { teams: { 'acme/managers': ['mia'] }, permissions: { mia: 'write' } });
  return running.sandbox;
}

describe('a create whose answer is lost, redelivered', () => {
  it('the sticky comment: one, updated in place by the next event', async () => {
    const sandbox = await setUp();
    sandbox.faults.add({ match: (request) => request.method === 'POST' && /\/issues\/\d+\/comments$/.test(request.path) && String(request.body.body).startsWith('<!-- flowgate:sticky -->'), fault: 'error-after', times: 1 });
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'dev/x', changes: { 'billing/x.ts': '2\n' } });
    await sandbox.settle();
    expect(sandbox.deliveries.find((delivery) => delivery.name === 'pull_request')!.status).toBeGreaterThanOrEqual(500);
    await running!.sweep();
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    const stickies = sandbox.pullRequest(REPO, pr.number).comments.filter((comment) => comment.body.startsWith('<!-- flowgate:sticky -->'));
    expect(stickies).toHaveLength(1);
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
  });

  it('the `Flowgate` check: one on the head, which then passes', async () => {
    const sandbox = await setUp();
    sandbox.faults.add({ match: (request) => request.method === 'POST' && request.path.endsWith('/check-runs') && request.body.name === 'Flowgate', fault: 'error-after', times: 1 });
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'dev/x', changes: { 'billing/x.ts': '2\n' } });
    const head = pr.headSha;
    await sandbox.settle();
    await running!.sweep();
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    expect(sandbox.checkRunsFor(head).filter((run) => run.name === 'Flowgate')).toMatchObject([{ status: 'completed', conclusion: 'success' }]);
  });
});
