import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/github/record.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

let running: AppOnSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('the app on the sandbox', () => {
  it('runs a flow on a live PR: waits for an approver, then merges at the approved commit', async () => {
    running = await startAppOnSandbox();
    const { sandbox } = running;
    sandbox.createRepo('acme/widgets', { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia'] } });
    const pr = await sandbox.openPullRequest('acme/widgets', { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
    const [checkRun] = sandbox.checkRunsFor(pr.headSha);
    expect(checkRun).toMatchObject({ name: 'Flowgate: gate', status: 'in_progress', output: { title: 'Waiting for 1 more approval(s) from @acme/managers' } });
    expect(decodeRecord(checkRun!.output.text ?? '')).toMatchObject({ ok: true });
    expect(pr.comments.map((comment) => comment.user)).toEqual(['flowgate[bot]']);

    await sandbox.review('acme/widgets', pr.number, 'mia', 'approved');
    expect(sandbox.pullRequest('acme/widgets', pr.number)).toMatchObject({ state: 'closed', merged: true });
    expect(sandbox.checkRunsFor(pr.headSha)[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(sandbox.deliveries.every((delivery) => delivery.status === 200)).toBe(true);
  });
});
