/**
 * A run that starts late (its opened webhook failed) records the decisions made
 * before it started, as ignored and with the reason, in its check run (issue 7, item 16).
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

describe('decisions before a run started', () => {
  it('an /approve made before a late run started is in its history as ignored, with a verdict, and does not count', async () => {
    running = await startAppOnSandbox();
    const { sandbox } = running;
    sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia', 'max'] } });
    let number = 0;
    await unheard(sandbox, async () => {
      number = (await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } })).number;
      await sandbox.comment(REPO, number, 'mia', '/approve');
    });
    sandbox.clock.advance(2000);
    await sandbox.label(REPO, number, 'dev', 'documentation'); // any later event starts the run
    const head = sandbox.pullRequest(REPO, number).headSha;
    const [run] = sandbox.checkRunsFor(head);
    expect(run?.status).toBe('in_progress');
    expect(run?.output.text).toMatch(/mia approved via comment: ignored: made before the run started at /);
    const decoded = decodeRecord(run?.output.text ?? '');
    expect(decoded.ok && decoded.record.verdicts.map((verdict) => [verdict.counted, verdict.rule.replace(/ at .*/, '')])).toEqual([[false, 'ignored: made before the run started']]);
    expect(sandbox.pullRequest(REPO, number).merged).toBe(false);
  });
});
