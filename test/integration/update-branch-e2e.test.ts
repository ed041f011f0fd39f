/**
 * "Update branch" end to end: the real app on the sandbox keeps an approval across
 * GitHub's merge of the base branch and merges at the new head; a real push, or a
 * hand-made merge that smuggles an edit in, voids it. The sandbox's update-branch
 * and compare answers are checked against GitHub's OpenAPI description.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/github/history/record.js';
import { judgePull, type Gate } from '../../src/sandbox/invariants.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';
import { ajv, responseValidator } from '../openapi.js';

let running: AppOnSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const REPO = 'acme/widgets';
const TWO = GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      count: 2');

async function setUp(flow = TWO) {
  running = await startAppOnSandbox();
  const { sandbox } = running;
  sandbox.createRepo(REPO, { '.github/flows/gate.yml': flow, 'billing/x.ts': 'x = 1\n', 'docs/readme.md': 'read me\n' }, { teams: { 'acme/managers': ['mia', 'max'] } });
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'x = 2\n' } });
  return { sandbox, number: pr.number };
}

/** What the run's check run on `sha` says: its record's history. */
function historyOn(sha: string): string {
  const run = running!.sandbox.checkRunsFor(sha).find((candidate) => candidate.name === 'Flowgate: gate')!;
  return run.output.text ?? '';
}

/** The ground truth's judge: a merge needs two approvals on its commit, or on heads "Update branch" only merged the base into. */
const GATE: Gate = { approvers: ['mia', 'max'], count: 2, checkName: 'Flowgate: gate' };

const compares = () => running!.sandbox.requests.filter((request) => request.startsWith('GET /repos/acme/widgets/compare/')).length;

describe('"Update branch" on the sandbox, with the app', () => {
  it('an approval survives GitHub\'s merge of the base branch, the record says why, and the run merges at the new head', async () => {
    const { sandbox, number } = await setUp();
    await sandbox.review(REPO, number, 'mia', 'approved');
    const main = sandbox.pushToBase(REPO, 'lead', { 'docs/readme.md': 'read me, please\n' });
    const merge = await sandbox.updateBranch(REPO, number, 'dev');
    expect(compares()).toBe(5);
    expect(historyOn(merge)).toContain(`approvals kept: ${merge.slice(0, 7)} only merged main@${main.slice(0, 7)} (keep_on_base_merge)`);
    await sandbox.review(REPO, number, 'max', 'approved');
    expect(sandbox.pullRequest(REPO, number)).toMatchObject({ state: 'closed', merged: true });
    expect(sandbox.truth.merges.map((done) => done.sha)).toEqual([merge]);
    // The proof is kept: the events after it read no commits again.
    expect(compares()).toBe(5);
    expect(judgePull(sandbox, REPO, number, GATE)).toMatchObject({ correct: 1, unapproved: 0, notes: [] });
    expect(sandbox.deliveries.every((delivery) => delivery.status === 200)).toBe(true);
  });

  it('several update-branch merges in a row keep the approval; a real commit after them voids it', async () => {
    const { sandbox, number } = await setUp();
    await sandbox.review(REPO, number, 'mia', 'approved');
    sandbox.pushToBase(REPO, 'lead', { 'docs/readme.md': 'read me, please\n' });
    await sandbox.updateBranch(REPO, number, 'dev');
    sandbox.pushToBase(REPO, 'lead', { 'docs/more.md': 'more\n' });
    const second = await sandbox.updateBranch(REPO, number, 'dev');
    expect(historyOn(second)).toContain(`approvals kept: ${second.slice(0, 7)} only merged main@`);
    const real = await sandbox.push(REPO, number, 'dev', { 'billing/x.ts': 'x = 3\n' });
    await sandbox.review(REPO, number, 'max', 'approved');
    expect(sandbox.pullRequest(REPO, number)).toMatchObject({ state: 'open', merged: false });
    expect(historyOn(real)).toContain(`push ${real.slice(0, 7)} invalidated 1 approval(s)`);
  });

  it('a push with a real change voids the approval, and nothing merges', async () => {
    const { sandbox, number } = await setUp();
    await sandbox.review(REPO, number, 'mia', 'approved');
    const real = await sandbox.push(REPO, number, 'dev', { 'billing/x.ts': 'x = 3\n' });
    await sandbox.review(REPO, number, 'max', 'approved');
    expect(sandbox.pullRequest(REPO, number).merged).toBe(false);
    // Both were counted when judged; the push voided the first.
    const decoded = decodeRecord(historyOn(real));
    expect(decoded.ok && decoded.record.verdicts.filter((verdict) => verdict.counted).map((verdict) => verdict.ref.split(':')[0])).toEqual(['review', 'review']);
    // One query shows it is no merge; no compare is needed.
    expect(historyOn(real)).toContain(`push ${real.slice(0, 7)} invalidated 1 approval(s) (not only a merge of main: ${real.slice(0, 7)} has 1 parent(s): not a merge)`);
    expect(compares()).toBe(0);
  });

  it('a hand-made merge of main that smuggles an edit in voids the approval and says why', async () => {
    const { sandbox, number } = await setUp();
    await sandbox.review(REPO, number, 'mia', 'approved');
    sandbox.pushToBase(REPO, 'lead', { 'docs/readme.md': 'read me, please\n' });
    const evil = await sandbox.pushMerge(REPO, number, 'dev', { edits: { 'billing/x.ts': 'x = 2; steal()\n' } });
    await sandbox.review(REPO, number, 'max', 'approved');
    expect(sandbox.pullRequest(REPO, number).merged).toBe(false);
    expect(historyOn(evil)).toContain(`push ${evil.slice(0, 7)} invalidated 1 approval(s) (not only a merge of main: the merge changes billing/x.ts, which main did not change)`);
    // The ground truth agrees: one approval on the evil merge is not enough.
    expect(judgePull(sandbox, REPO, number, GATE)).toMatchObject({ correct: 1, unapproved: 0 });
  });

  it('with keep_on_base_merge: false, "Update branch" voids the approval like any push, and reads no commits', async () => {
    const { sandbox, number } = await setUp(TWO.replace('count: 2', 'count: 2\n      keep_on_base_merge: false'));
    await sandbox.review(REPO, number, 'mia', 'approved');
    sandbox.pushToBase(REPO, 'lead', { 'docs/readme.md': 'read me, please\n' });
    const merge = await sandbox.updateBranch(REPO, number, 'dev');
    await sandbox.review(REPO, number, 'max', 'approved');
    expect(sandbox.pullRequest(REPO, number).merged).toBe(false);
    expect(historyOn(merge)).toContain(`push ${merge.slice(0, 7)} invalidated 1 approval(s)`);
    expect(compares()).toBe(0);
  });

  it('events with no head move since an approval read no commits', async () => {
    const { sandbox, number } = await setUp();
    sandbox.pushToBase(REPO, 'lead', { 'docs/readme.md': 'read me, please\n' });
    await sandbox.updateBranch(REPO, number, 'dev');
    await sandbox.comment(REPO, number, 'rob', 'Looks fine.');
    await sandbox.review(REPO, number, 'mia', 'approved');
    expect(compares()).toBe(0);
    expect(sandbox.pullRequest(REPO, number).merged).toBe(false);
  });
});


describe('the sandbox\'s "Update branch" and compare, against GitHub\'s OpenAPI description', () => {
  it('answers update-branch 202 (then synchronize), 422 for a head that moved, and compare as documented', async () => {
    const { sandbox, number } = await setUp();
    await sandbox.review(REPO, number, 'mia', 'approved');
    sandbox.pushToBase(REPO, 'lead', { 'docs/readme.md': 'read me, please\n' });
    const installation = await running!.probot.auth(sandbox.state.repo(REPO).installationId);
    const update = (sha: string) => installation.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/update-branch', { owner: 'acme', repo: 'widgets', pull_number: number, expected_head_sha: sha, request: { retries: 0 } });
    await expect(update('0'.repeat(40))).rejects.toMatchObject({ status: 422 });
    const head = sandbox.pullRequest(REPO, number).headSha;
    expect((await update(head)).status).toBe(202);
    await sandbox.settle();
    const synchronize = sandbox.deliveries.filter((delivery) => delivery.payload.action === 'synchronize');
    expect(synchronize.map((delivery) => delivery.payload.before)).toEqual([head]);
    await expect(update(sandbox.pullRequest(REPO, number).headSha)).rejects.toMatchObject({ status: 422, response: { data: { message: 'There are no new commits on the base branch.' } } });

    const checked = sandbox.responses.flatMap(({ method, path, status, body }) => {
      const template = /\/update-branch$/.test(path) ? '/repos/{owner}/{repo}/pulls/{pull_number}/update-branch' : /\/compare\//.test(path) ? '/repos/{owner}/{repo}/compare/{basehead}' : undefined;
      if (!template) return [];
      const validate = responseValidator(method, template, status);
      return [{ path, status, problems: validate(body) ? '' : ajv.errorsText(validate.errors) }];
    });
    expect(checked.map(({ status }) => status).sort()).toEqual([200, 200, 200, 200, 200, 202, 422, 422]);
    expect(checked.filter(({ problems }) => problems !== '')).toEqual([]);
  });
});
