/**
 * The one check a team requires, `Flowgate`, on the sandbox with the real app:
 * always posted, so a required check never hangs, and failing loudly when the
 * live flows are invalid.
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
const BILLING_GATE = GATE_FLOW.replace('on: { pull_request: {} }', 'on: { pull_request: { paths: ["billing/**"] } }');
/** `nexxt` for `next`, and a step that goes nowhere: two errors, each at its line. */
const BROKEN = 'name: broken\non: { pull_request: {} }\nsteps:\n  - id: a\n    nexxt: b\n';

async function setUp(flows: Record<string, string>, changes: Record<string, string>) {
  running = await startAppOnSandbox();
  const { sandbox } = running;
  const files = Object.fromEntries(Object.entries(flows).map(([name, text]) => [`.github/flows/${name}`, text]));
  sandbox.createRepo(REPO, { ...files, 'billing/x.ts': 'export const x = 1;\n', 'README.md': '# widgets\n' }, { teams: { 'acme/managers': ['mia'] }, permissions: { mia: 'write' } });
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'A change', branch: 'dev/change', changes });
  return { sandbox, pr };
}

const flowgate = <T extends { name: string }>(runs: T[]): T[] => runs.filter((run) => run.name === 'Flowgate');

describe('the Flowgate check', () => {
  it('a PR no flow applies to still gets a passing Flowgate check, so a required check cannot hang', async () => {
    const { sandbox, pr } = await setUp({ 'gate.yml': BILLING_GATE }, { 'README.md': '# widgets, better\n' });
    expect(sandbox.checkRunsFor(pr.headSha).map((run) => [run.name, run.status, run.conclusion, run.output.title])).toEqual([['Flowgate', 'completed', 'success', 'No flow applies']]);
    expect(sandbox.checkRunsFor(pr.headSha)[0]!.external_id).toBe('flowgate');
  });

  it('summarises the runs: in progress while the gate waits, success once it passed, and one check per head', async () => {
    const { sandbox, pr } = await setUp({ 'gate.yml': BILLING_GATE }, { 'billing/x.ts': 'export const x = 2;\n' });
    expect(flowgate(sandbox.checkRunsFor(pr.headSha))).toMatchObject([{ status: 'in_progress', output: { title: '1 run: 1 waiting' } }]);
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    expect(flowgate(sandbox.checkRunsFor(pr.headSha))).toMatchObject([{ status: 'completed', conclusion: 'success', output: { title: '1 run: 1 succeeded' } }]);
  });

  it('a redelivered event writes no second Flowgate check and no update when nothing changed', async () => {
    const { sandbox, pr } = await setUp({ 'gate.yml': BILLING_GATE }, { 'README.md': '# widgets, better\n' });
    const opened = sandbox.deliveries.find((delivery) => delivery.name === 'pull_request' && delivery.payload.action === 'opened')!;
    sandbox.requests.length = 0;
    await sandbox.redeliver(opened);
    await sandbox.redeliver(opened);
    expect(flowgate(sandbox.checkRunsFor(pr.headSha))).toHaveLength(1);
    expect(sandbox.requests.filter((request) => request !== 'POST /graphql')).toEqual([]);
  });
});

describe('an invalid live policy', () => {
  it('fails the Flowgate check with each error at file:line, and the valid flows still run', async () => {
    const { sandbox, pr } = await setUp({ 'gate.yml': BILLING_GATE, 'broken.yml': BROKEN }, { 'billing/x.ts': 'export const x = 2;\n' });
    const runs = sandbox.checkRunsFor(pr.headSha);
    expect(runs.map((run) => run.name)).toEqual(['Flowgate: gate', 'Flowgate']);
    const [check] = flowgate(runs);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(check!.output.title).toMatch(/^The live flows are invalid: \d+ problems? in 1 file$/);
    expect(check!.output.summary).toMatch(/`\.github\/flows\/broken\.yml:4:5`: /);
    expect(check!.annotations).toContainEqual(expect.objectContaining({ path: '.github/flows/broken.yml', start_line: 4, annotation_level: 'failure' }));
    const sent = check!.annotations!.length;
    // Approving the valid flow's gate does not turn the check green while the policy is broken.
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    expect(flowgate(sandbox.checkRunsFor(pr.headSha))).toMatchObject([{ conclusion: 'failure' }]);
    // GitHub adds each update's annotations to those already there: the same ones are not sent again.
    expect(flowgate(sandbox.checkRunsFor(pr.headSha))[0]!.annotations).toHaveLength(sent);
  });

  it('a PR in a repository whose only flow is invalid gets a failing check, not silence, and no run', async () => {
    const { sandbox, pr } = await setUp({ 'broken.yml': BROKEN }, { 'README.md': '# widgets, better\n' });
    expect(sandbox.checkRunsFor(pr.headSha).map((run) => [run.name, run.conclusion])).toEqual([['Flowgate', 'failure']]);
  });
});
