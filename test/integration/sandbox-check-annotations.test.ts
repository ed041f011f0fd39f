/**
 * The sandbox takes annotations as GitHub does: at most 50 in one create or update, each update
 * appending to what is there. More in one request is GitHub's 422 ("No more than 50 items are
 * allowed; N were supplied.") with nothing applied; the sandbox used to keep the first 50 and
 * drop the rest without a word, so a writer that sent too many would have passed here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';

const REPO = 'acme/widgets';

let running: AppOnSandbox;
beforeAll(async () => {
  running = await startAppOnSandbox();
  running.sandbox.createRepo(REPO, { 'src/a.ts': '1\n' });
});
afterAll(async () => running.stop());

const annotations = (count: number, from = 0) =>
  Array.from({ length: count }, (_, index) => ({ path: `src/f${from + index}.ts`, start_line: 1, end_line: 1, annotation_level: 'failure' as const, message: `problem ${from + index}` }));

describe('check run annotations on the sandbox', () => {
  it('takes 50 in a create and 50 more in an update, appended; refuses 51 in either with GitHub\'s 422, applying nothing', async () => {
    const { sandbox } = running;
    const octokit = await running.probot.auth(sandbox.state.repo(REPO).installationId);
    const sha = sandbox.state.repo(REPO).branches.main!;
    const target = { owner: 'acme', repo: 'widgets', request: { retries: 0 } };
    const output = (count: number, from = 0) => ({ title: 'Problems', summary: `${count} problems`, annotations: annotations(count, from) });

    const refusedCreate = await octokit.rest.checks.create({ ...target, name: 'too many', head_sha: sha, output: output(51) }).catch((error: { status: number; message: string }) => error);
    expect(refusedCreate).toMatchObject({ status: 422 });
    expect((refusedCreate as { message: string }).message).toContain('No more than 50 items are allowed; 51 were supplied.');
    expect(sandbox.checkRunsFor(sha).filter((run) => run.name === 'too many')).toEqual([]);

    const { data: created } = await octokit.rest.checks.create({ ...target, name: 'lint', head_sha: sha, status: 'in_progress', output: output(50) });
    await octokit.rest.checks.update({ ...target, check_run_id: created.id, output: output(50, 50) });
    const refusedUpdate = await octokit.rest.checks.update({ ...target, check_run_id: created.id, conclusion: 'failure', output: output(51, 100) }).catch((error: { status: number }) => error);
    expect(refusedUpdate).toMatchObject({ status: 422 });

    const [lint] = sandbox.checkRunsFor(sha).filter((run) => run.name === 'lint');
    // The refused update left the run as it was: in progress, with the 100 it took, in order.
    expect(lint).toMatchObject({ status: 'in_progress', conclusion: null });
    expect(lint!.annotations!.map((annotation) => annotation.message)).toEqual(annotations(100).map((annotation) => annotation.message));
  });
});
