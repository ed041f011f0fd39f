/**
 * The draft check on the sandbox with the real app (issue 10): a PR that edits
 * the flows gets `Flowgate: draft` with its problems annotated, the semantic
 * diff against live and a dry run; the draft itself never takes effect.
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
const SECURITY_GATE = GATE_FLOW.replace('teams: [acme/managers]', 'teams: [acme/security]');
/** `nexxt` for `next`: one error, at 4:5. */
const BROKEN = (name: string) => `name: ${name}\non: { pull_request: {} }\nsteps:\n  - id: a\n    nexxt: b\n`;

async function setUp() {
  running = await startAppOnSandbox();
  const { sandbox } = running;
  sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia'], 'acme/security': ['sam'] }, permissions: { mia: 'write', sam: 'write' } });
  return sandbox;
}

const draftOf = (sandbox: Awaited<ReturnType<typeof setUp>>, sha: string) => sandbox.checkRunsFor(sha).filter((run) => run.name === 'Flowgate: draft');

describe('the draft check', () => {
  it('shows the semantic diff against live and the PRs whose outcome would differ, with what the facts cost', async () => {
    const sandbox = await setUp();
    const past = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Earlier change', branch: 'dev/a', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
    await sandbox.review(REPO, past.number, 'mia', 'approved');
    expect(sandbox.pullRequest(REPO, past.number)).toMatchObject({ merged: true });

    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Security reviews instead', branch: 'dev/policy', changes: { '.github/flows/gate.yml': SECURITY_GATE } });
    const [check] = draftOf(sandbox, pr.headSha);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'neutral', output: { title: 'The draft changes 1 flow: 2 of 2 PRs would differ' } });
    const summary = check!.output.summary!;
    expect(summary).toContain('- review: team acme/security added to approvers');
    expect(summary).toContain('- review: team acme/managers removed from approvers');
    expect(summary).toContain(`| #${past.number} Earlier change | approved by mia; merged | waiting for 1 approval from @\u200dacme/security |`);
    expect(summary).toContain(`| #${pr.number} Security reviews instead | waiting for 1 approval from @\u200dacme/managers | waiting for 1 approval from @\u200dacme/security |`);
    expect(summary).toMatch(/Facts of 1 closed PR: \d+ requests? to GitHub, 0 from the cache\./);

    // A push brings a new head and a new draft check; the closed PR's facts come from the cache.
    const head = await sandbox.push(REPO, pr.number, 'dev', { '.github/flows/gate.yml': SECURITY_GATE.replace('name: gate', 'name: gate\ndescription: security first') });
    expect(draftOf(sandbox, head)[0]!.output.summary).toContain('Facts of 1 closed PR: 1 request to GitHub, 1 from the cache.');
  });

  it('fails on an invalid draft, with every problem annotated at file:line:col, 50 a request past 50', async () => {
    const sandbox = await setUp();
    const files = Object.fromEntries(Array.from({ length: 120 }, (_, index) => [`.github/flows/broken-${String(index).padStart(3, '0')}.yml`, BROKEN(`broken-${index}`)]));
    sandbox.requests.length = 0;
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Many flows', branch: 'dev/many', changes: files });
    const [check] = draftOf(sandbox, pr.headSha);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(check!.output.title).toMatch(/^The draft is invalid: \d+ errors in 120 files$/);
    const annotations = check!.annotations!;
    expect(annotations).toHaveLength(120);
    expect(annotations).toContainEqual(expect.objectContaining({ path: '.github/flows/broken-107.yml', start_line: 4, start_column: 5, annotation_level: 'failure' }));
    // One create with the first 50, then an update per further 50 (GitHub appends each batch).
    expect(sandbox.requests.filter((request) => request === `PATCH /repos/acme/widgets/check-runs/${check!.id}`)).toHaveLength(2);
  });

  it.each(['error-before', 'error-after'] as const)('a batch of annotations GitHub answers 500 (%s applying it) fails the event; redelivered, the check is finished in place with exactly the annotations it lacked', async (fault) => {
    const sandbox = await setUp();
    const files = Object.fromEntries(Array.from({ length: 120 }, (_, index) => [`.github/flows/broken-${String(index).padStart(3, '0')}.yml`, BROKEN(`broken-${index}`)]));
    // GitHub answers 500 to the next batch (and to any retry of it) until it recovers.
    let broken = true;
    sandbox.faults.add({ match: (request) => broken && request.method === 'PATCH' && request.body.name === 'Flowgate: draft', fault });
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Many flows', branch: 'dev/many', changes: files });
    await sandbox.settle();
    expect(sandbox.deliveries.find((delivery) => delivery.name === 'pull_request')!.status).toBeGreaterThanOrEqual(500);
    expect(draftOf(sandbox, pr.headSha)).toMatchObject([{ status: 'in_progress' }]);
    expect(draftOf(sandbox, pr.headSha)[0]!.annotations).toHaveLength(fault === 'error-before' ? 50 : 100);
    broken = false;
    await running!.sweep(); // redelivers the failed webhook
    const checks = draftOf(sandbox, pr.headSha);
    expect(checks).toMatchObject([{ status: 'completed', conclusion: 'failure' }]);
    const paths = checks[0]!.annotations!.map((annotation) => annotation.path);
    expect(paths).toHaveLength(120);
    expect(new Set(paths).size).toBe(120);
  });

  it('a redelivered opened event makes no second draft check', async () => {
    const sandbox = await setUp();
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Policy', branch: 'dev/policy', changes: { '.github/flows/gate.yml': SECURITY_GATE } });
    const opened = sandbox.deliveries.find((delivery) => delivery.name === 'pull_request' && delivery.payload.action === 'opened')!;
    await sandbox.redeliver(opened);
    expect(draftOf(sandbox, pr.headSha)).toHaveLength(1);
  });

  it('an ordinary PR costs no request for drafts: the same five as without releases', async () => {
    const sandbox = await setUp();
    sandbox.requests.length = 0;
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
    expect(draftOf(sandbox, pr.headSha)).toEqual([]);
    expect(sandbox.requests).toEqual([
      'POST /graphql', // the event's one query
      'POST /graphql', // the people the flows need: the repository's first event cannot foresee them
      'POST /repos/acme/widgets/check-runs',
      'POST /repos/acme/widgets/check-runs',
      'POST /repos/acme/widgets/issues/1/comments',
    ]);
  });
});

describe('a draft never takes effect', () => {
  it('a PR that loosens its own gate stays gated by live: an approver only the draft names does not count', async () => {
    const sandbox = await setUp();
    const loosened = GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { users: [rob] }');
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Let rob approve', branch: 'dev/loose', changes: { '.github/flows/gate.yml': loosened, 'billing/x.ts': 'export const x = 3;\n' } });
    expect(draftOf(sandbox, pr.headSha)[0]).toMatchObject({ conclusion: 'neutral' });
    await sandbox.review(REPO, pr.number, 'rob', 'approved');
    expect(sandbox.pullRequest(REPO, pr.number)).toMatchObject({ state: 'open', merged: false });
    const gate = sandbox.checkRunsFor(pr.headSha).find((run) => run.name === 'Flowgate: gate')!;
    expect(gate).toMatchObject({ status: 'in_progress', output: { title: 'Waiting for 1 more approval(s) from @acme/managers' } });
    expect(sandbox.checkRunsFor(pr.headSha).find((run) => run.name === 'Flowgate')).toMatchObject({ status: 'in_progress' });
  });

  it('a PR that adds a flow starts no run from it, and its actions never happen', async () => {
    const sandbox = await setUp();
    const sneaky = 'name: sneaky\non: { pull_request: {} }\nsteps:\n  - id: tag\n    actions: [ { label: [pwned] } ]\n';
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Add a flow', branch: 'dev/sneaky', changes: { '.github/flows/sneaky.yml': sneaky } });
    expect(sandbox.checkRunsFor(pr.headSha).map((run) => run.name).sort()).toEqual(['Flowgate', 'Flowgate: draft', 'Flowgate: gate']);
    expect(sandbox.pullRequest(REPO, pr.number).labels).not.toContain('pwned');
    expect(draftOf(sandbox, pr.headSha)[0]!.output.summary).toContain('**sneaky** (new)');
  });
});
