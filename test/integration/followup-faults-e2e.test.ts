/**
 * A fault that stops an event (a lost answer, a timeout) is in the run's history
 * on its check run, not only in the app's log (issue 7, item 11).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/github/history/record.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

let running: AppOnSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const REPO = 'acme/widgets';

async function setUp(options: { requestTimeoutMs?: number } = {}) {
  running = await startAppOnSandbox(options);
  const { sandbox } = running;
  sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia', 'max'] }, permissions: { mia: 'write', max: 'write' } });
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
  return { sandbox, pr };
}

const gateText = (sandbox: AppOnSandbox['sandbox'], sha: string): string => sandbox.checkRunsFor(sha).find((run) => run.name === 'Flowgate: gate')?.output.text ?? '';
const faultLines = (text: string): string[] => text.split('\n').filter((line) => line.includes('fault: '));

describe('faults in the history', () => {
  it('a merge GitHub answers 500 shows the fault on the check run, and the merge happens once on the next event', async () => {
    const { sandbox, pr } = await setUp();
    sandbox.faults.add({ match: { method: 'PUT', path: /\/merge$/ }, fault: 'error-before', times: 1 });
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    const text = gateText(sandbox, pr.headSha);
    expect(faultLines(text)).toHaveLength(1);
    expect(faultLines(text)[0]).toMatch(/fault: merge .*500.*stays pending/);
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    const record = decodeRecord(text);
    expect(record.ok && record.record.faults).toHaveLength(1);

    await running!.sweep(); // redelivers the failed webhook
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
    expect(sandbox.truth.merges).toHaveLength(1);
    expect(faultLines(gateText(sandbox, pr.headSha))).toHaveLength(1);
  });

  it('a merge that times out shows the timeout on the check run', async () => {
    const { sandbox, pr } = await setUp({ requestTimeoutMs: 300 });
    sandbox.faults.add({ match: { method: 'PUT', path: /\/merge$/ }, fault: 'timeout-before', times: 1 });
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    expect(faultLines(gateText(sandbox, pr.headSha)).join('\n')).toMatch(/fault: merge .*timed out/);
  });
});
