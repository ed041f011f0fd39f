/**
 * Closing what a push left behind is cosmetic, but must happen: when GitHub
 * answers 500 to the write that closes the `Flowgate` check (or a run's check run)
 * on the commit the PR moved past, the event's real work is done all the same,
 * and the redelivery (or the next event, or the sweep) closes it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import type { FaultKind } from '../../src/sandbox/faults.js';
import { GATE_FLOW } from '../helpers.js';

let running: AppOnSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const REPO = 'acme/widgets';

async function setUp() {
  running = await startAppOnSandbox({ requestTimeoutMs: 2_000 });
  const { sandbox } = running;
  sandbox.faults.timeoutCapMs = 3_000;
  sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia'] }, permissions: { mia: 'write' } });
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
  return { sandbox, pr };
}

type Box = Awaited<ReturnType<typeof setUp>>['sandbox'];
const named = (sandbox: Box, sha: string, name: string) => sandbox.checkRunsFor(sha).filter((run) => run.name === name);
const sticky = (sandbox: Box, number: number) => sandbox.pullRequest(REPO, number).comments.filter((comment) => comment.body.startsWith('<!-- flowgate:sticky -->'));
/** The write that closes check run `id`, while GitHub is unwell (`outage.on`): every attempt, retries too. */
const outage = { on: true };
const closing = (id: number) => (request: { method: string; path: string }) => outage.on && request.method === 'PATCH' && request.path.endsWith(`/check-runs/${id}`);
afterEach(() => void (outage.on = true));

describe('a push whose closing of the old head\'s checks GitHub answers 500', () => {
  it.each<FaultKind>(['error-before', 'timeout-before'])('closing the old `Flowgate` check answered %s: the run moves and the sticky follows; the redelivery closes the old check', async (fault) => {
    const { sandbox, pr } = await setUp();
    const first = pr.headSha;
    const [old] = named(sandbox, first, 'Flowgate');
    expect(old).toMatchObject({ status: 'in_progress' });
    sandbox.faults.add({ match: closing(old!.id), fault });
    const moved = await sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': 'export const x = 3;\n' });
    await sandbox.settle();
    // The event's real work is done: the run goes on at the new head, its `Flowgate` check is there, and the sticky links the run there.
    const [run] = named(sandbox, moved, 'Flowgate: gate');
    expect(run).toMatchObject({ status: 'in_progress' });
    expect(named(sandbox, moved, 'Flowgate')).toMatchObject([{ status: 'in_progress' }]);
    expect(sticky(sandbox, pr.number)[0]!.body).toContain(`/runs/${run!.id}`);
    // ... and the delivery failed, so it is delivered again.
    const synchronize = sandbox.deliveries.find((delivery) => delivery.name === 'pull_request' && delivery.payload.action === 'synchronize')!;
    expect(synchronize.status).toBeGreaterThanOrEqual(500);
    expect(named(sandbox, first, 'Flowgate')).toMatchObject([{ status: 'in_progress' }]);
    outage.on = false;
    await running!.sweep();
    expect(named(sandbox, first, 'Flowgate')).toMatchObject([{ status: 'completed', conclusion: 'neutral', output: { title: `Moved to ${moved.slice(0, 7)}` } }]);
    // Nothing else was written twice: one run check and one `Flowgate` check on the new head.
    expect(named(sandbox, moved, 'Flowgate: gate')).toHaveLength(1);
    expect(named(sandbox, moved, 'Flowgate')).toHaveLength(1);
  });

  it('an old `Flowgate` check a failed close left in progress is closed by the next event on the PR, even without the redelivery', async () => {
    const { sandbox, pr } = await setUp();
    const first = pr.headSha;
    const [old] = named(sandbox, first, 'Flowgate');
    sandbox.faults.add({ match: closing(old!.id), fault: 'error-before' });
    const moved = await sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': 'export const x = 3;\n' });
    await sandbox.settle();
    expect(sandbox.deliveries.find((delivery) => delivery.payload.action === 'synchronize')!.status).toBeGreaterThanOrEqual(500);
    expect(named(sandbox, first, 'Flowgate')).toMatchObject([{ status: 'in_progress' }]);
    outage.on = false;
    await sandbox.label(REPO, pr.number, 'dev', 'unrelated');
    expect(named(sandbox, first, 'Flowgate')).toMatchObject([{ status: 'completed', conclusion: 'neutral', output: { title: `Moved to ${moved.slice(0, 7)}` } }]);
  });

  it('closing the run\'s old check run answered 500: the run goes on at the new head, and the redelivery closes the old one, leaving one run', async () => {
    const { sandbox, pr } = await setUp();
    const first = pr.headSha;
    const [oldRun] = named(sandbox, first, 'Flowgate: gate');
    sandbox.faults.add({ match: closing(oldRun!.id), fault: 'error-before' });
    const moved = await sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': 'export const x = 3;\n' });
    await sandbox.settle();
    const [run] = named(sandbox, moved, 'Flowgate: gate');
    expect(run).toMatchObject({ status: 'in_progress' });
    expect(sticky(sandbox, pr.number)[0]!.body).toContain(`/runs/${run!.id}`);
    outage.on = false;
    await running!.sweep();
    expect(named(sandbox, first, 'Flowgate: gate')).toMatchObject([{ status: 'completed', conclusion: 'neutral', output: { title: `Moved to ${moved.slice(0, 7)}`, text: '' } }]);
    expect(named(sandbox, moved, 'Flowgate: gate')).toHaveLength(1);
    // The run still decides: an approval at the new head passes it.
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    expect(named(sandbox, moved, 'Flowgate: gate')[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
  });
});

describe('a push whose moving of the runs is cut short', () => {
  /** Two flows, each with its own approvers; neither merges, so the `Flowgate` check is what gates. */
  const flow = (name: string, team: string) => `name: ${name}\non: { pull_request: {} }\nsteps:\n  - id: review\n    approval:\n      from: { teams: [${team}] }\n`;

  it('a run the event did not get to move (GitHub answered 500 creating its check run at the new head) goes on, the same run with its history, and gates: it is moved by the redelivery, and its old check run closed', async () => {
    running = await startAppOnSandbox();
    const { sandbox } = running;
    sandbox.createRepo(REPO, { '.github/flows/a.yml': flow('gate-a', 'acme/managers'), '.github/flows/b.yml': flow('gate-b', 'acme/security'), 'billing/x.ts': '1\n' }, { teams: { 'acme/managers': ['mia'], 'acme/security': ['sam'] }, permissions: { mia: 'write', sam: 'write' } });
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': '2\n' } });
    const first = pr.headSha;
    expect(sandbox.checkRunsFor(first).map((run) => run.name).sort()).toEqual(['Flowgate', 'Flowgate: gate-a', 'Flowgate: gate-b']);
    const [runB] = named(sandbox, first, 'Flowgate: gate-b');
    sandbox.faults.add({ match: (request) => outage.on && request.method === 'POST' && request.body.name === 'Flowgate: gate-b', fault: 'error-before' });
    const moved = await sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': '3\n' });
    await sandbox.settle();
    expect(named(sandbox, moved, 'Flowgate: gate-a')).toHaveLength(1);
    expect(named(sandbox, moved, 'Flowgate: gate-b')).toHaveLength(0);
    outage.on = false;
    await running.sweep();
    // The manager approves gate-a; gate-b still waits for security, at the new head.
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    expect(named(sandbox, moved, 'Flowgate: gate-a')[0]).toMatchObject({ conclusion: 'success' });
    expect(named(sandbox, moved, 'Flowgate: gate-b')).toMatchObject([{ status: 'in_progress' }]);
    expect(named(sandbox, moved, 'Flowgate')).toMatchObject([{ status: 'in_progress', output: { title: '2 runs: 1 waiting, 1 succeeded' } }]);
    // The same run (its id, its record), not a fresh one: its old check run is closed as moved.
    expect(named(sandbox, moved, 'Flowgate: gate-b')[0]!.external_id).toBe(runB!.external_id);
    expect(named(sandbox, first, 'Flowgate: gate-b')).toMatchObject([{ status: 'completed', conclusion: 'neutral', output: { title: `Moved to ${moved.slice(0, 7)}` } }]);
    await sandbox.review(REPO, pr.number, 'sam', 'approved');
    expect(named(sandbox, moved, 'Flowgate')).toMatchObject([{ status: 'completed', conclusion: 'success' }]);
  });
});
