/**
 * The app's annotated checks on the sandbox with the real app, when GitHub answers
 * a batch of annotations badly: the `Flowgate` check a team requires, and the
 * `Flowgate: policy` check on a push that breaks the flows. Every annotation
 * appears exactly once, and a check cut short is finished by the redelivery.
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
/** `nexxt` for `next`: one error, at 4:5. */
const BROKEN = (name: string) => `name: ${name}\non: { pull_request: {} }\nsteps:\n  - id: a\n    nexxt: b\n`;
/** 120 invalid flows: 120 annotations, a create and two PATCHes. */
const BROKEN_FILES = Object.fromEntries(Array.from({ length: 120 }, (_, index) => [`.github/flows/broken-${String(index).padStart(3, '0')}.yml`, BROKEN(`broken-${index}`)]));

async function setUp(files: Record<string, string>) {
  running = await startAppOnSandbox({ requestTimeoutMs: 2_000 });
  running.sandbox.faults.timeoutCapMs = 3_000;
  running.sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n', ...files }, { teams: { 'acme/managers': ['mia'] }, permissions: { mia: 'write' } });
  return running.sandbox;
}

const named = (sandbox: Awaited<ReturnType<typeof setUp>>, sha: string, name: string) => sandbox.checkRunsFor(sha).filter((run) => run.name === name);
const onceEach = (paths: string[]) => expect({ count: paths.length, distinct: new Set(paths).size }).toEqual({ count: 120, distinct: 120 });

describe('the Flowgate check with 120 annotations', () => {
  it.each<FaultKind>(['error-after', 'timeout-after', 'rate-limit'])('a batch answered %s fails the event, never appends it twice; the redelivery completes the check with every annotation once', async (fault) => {
    const sandbox = await setUp(BROKEN_FILES);
    // The second batch (the first PATCH of the `Flowgate` check) is answered badly, once.
    sandbox.faults.add({ match: (request) => request.method === 'PATCH' && request.body.name === 'Flowgate', fault, nth: 1 });
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'A change', branch: 'dev/change', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
    await sandbox.settle();
    expect(sandbox.deliveries.find((delivery) => delivery.name === 'pull_request')!.status).toBeGreaterThanOrEqual(500);
    // Cut short, the required check is pending: neither passing nor failing on part of its annotations.
    expect(named(sandbox, pr.headSha, 'Flowgate')).toMatchObject([{ status: 'in_progress', conclusion: null }]);
    await running!.sweep(); // redelivers the failed webhook
    const [check, ...others] = named(sandbox, pr.headSha, 'Flowgate');
    expect(others).toEqual([]);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    onceEach(check!.annotations!.map((annotation) => annotation.path));
    // A later event that changes what the check shows sends none of them again.
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    onceEach(named(sandbox, pr.headSha, 'Flowgate')[0]!.annotations!.map((annotation) => annotation.path));
  });
});

describe('the Flowgate: policy check with 120 annotations', () => {
  it('a push that breaks the flows, whose check was cut short between batches, gets it finished by the redelivery, each annotation once', async () => {
    const sandbox = await setUp({});
    sandbox.faults.add({ match: (request) => request.method === 'PATCH' && request.body.name === 'Flowgate: policy', fault: 'error-after', nth: 1 });
    const sha = await sandbox.pushToDefault(REPO, 'dev', BROKEN_FILES);
    await sandbox.settle();
    expect(named(sandbox, sha, 'Flowgate: policy')).toMatchObject([{ status: 'in_progress' }]);
    await running!.sweep();
    const [check, ...others] = named(sandbox, sha, 'Flowgate: policy');
    expect(others).toEqual([]);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    onceEach(check!.annotations!.map((annotation) => annotation.path));
  });
});

describe('the Flowgate: release check with 120 annotations', () => {
  it('a refused tag whose check was cut short between batches (500 after applying) is finished by the redelivery, each annotation once', async () => {
    const sandbox = await setUp({});
    const broken = Object.fromEntries(Array.from({ length: 120 }, (_, index) => [`.github/flows/bad-${String(index).padStart(3, '0')}.yml`, 'name: [\n']));
    const sha = await sandbox.pushToDefault(REPO, 'dev', broken);
    sandbox.faults.add({ match: (request) => request.method === 'PATCH' && request.body.name === 'Flowgate: release', fault: 'error-after', nth: 1 });
    await sandbox.pushTag(REPO, 'flows/v1.0.0', sha, 'rel');
    await sandbox.settle();
    // Cut short, it neither refuses nor passes yet: the tag is not live either way.
    expect(named(sandbox, sha, 'Flowgate: release')).toMatchObject([{ status: 'in_progress', conclusion: null }]);
    await running!.sweep();
    const [check, ...others] = named(sandbox, sha, 'Flowgate: release');
    expect(others).toEqual([]);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const paths = check!.annotations!.map((annotation) => annotation.path);
    expect({ count: paths.length, distinct: new Set(paths).size }).toEqual({ count: 120, distinct: 120 });
  });
});
