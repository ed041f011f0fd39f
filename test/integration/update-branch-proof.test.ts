/**
 * Proving a push only merged the base branch, against the sandbox's commit graph:
 * GitHub's "Update branch" is proven; every hand-made merge that smuggles a
 * change in, merges something else than the base, or is no merge is refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { COMPARE_FILE_LIMIT, proveBaseMerge } from '../../src/github/facts/base-merge.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { Octokit } from '@octokit/rest';

const REPO = 'acme/widgets';
const repo = { owner: 'acme', name: 'widgets' };
let sandbox: Sandbox;
let gh: GitHubClient;

beforeEach(async () => {
  sandbox = new Sandbox();
  await sandbox.start();
  gh = new Octokit({ baseUrl: sandbox.url, auth: 'ghs_test' });
  sandbox.createRepo(REPO, { 'billing/x.ts': 'x = 1\n', 'docs/readme.md': 'read me\n', 'shared.ts': 'shared\n' });
  await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'x = 2\n' } });
});
afterEach(async () => sandbox.stop());

/** Main moves on; returns the PR's head before the move under test. */
function mainMoves(changes: Record<string, string | null> = { 'docs/readme.md': 'read me, please\n' }): string {
  sandbox.pushToBase(REPO, 'lead', changes);
  return sandbox.pullRequest(REPO, 1).headSha;
}

const prove = async (before: string, sha: string) => proveBaseMerge(gh, repo, { before, sha }, 'main');

describe('proving a push only merged the base branch', () => {
  it('proves GitHub\'s "Update branch" merge, naming the base commit it merged, in one query and five compares', async () => {
    const before = mainMoves();
    const merge = await sandbox.updateBranch(REPO, 1, 'dev');
    const proof = await prove(before, merge);
    expect(proof).toEqual({ check: { merged: sandbox.state.repo(REPO).branches.main, branch: 'main' }, final: true, requests: 6 });
  });

  it('proves each of several update-branch merges in a row, from the head each one left', async () => {
    const first = await sandbox.updateBranch(REPO, 1, 'dev').then(async (merge) => merge, () => '');
    expect(first).toBe(''); // nothing new on main yet: GitHub refuses (422)
    const before = mainMoves();
    const one = await sandbox.updateBranch(REPO, 1, 'dev');
    mainMoves({ 'shared.ts': 'shared, more\n' });
    const two = await sandbox.updateBranch(REPO, 1, 'dev');
    expect((await prove(before, one)).check).toHaveProperty('merged');
    expect((await prove(one, two)).check).toHaveProperty('merged');
  });

  it('proves a merge where the PR and main made the same change to a file', async () => {
    const before = mainMoves({ 'billing/x.ts': 'x = 2\n' });
    const merge = await sandbox.pushMerge(REPO, 1, 'dev');
    expect((await prove(before, merge)).check).toHaveProperty('merged');
  });
});

describe('an evil merge voids approvals: each is refused, and says why', () => {
  it('a merge that edits a file of the PR', async () => {
    const before = mainMoves();
    const merge = await sandbox.pushMerge(REPO, 1, 'dev', { edits: { 'billing/x.ts': 'x = 2; steal()\n' } });
    expect(await prove(before, merge)).toMatchObject({ check: { refused: 'the merge changes billing/x.ts, which main did not change' }, final: true });
  });

  it('a merge that edits a file neither side changed', async () => {
    const before = mainMoves();
    const merge = await sandbox.pushMerge(REPO, 1, 'dev', { edits: { 'shared.ts': 'shared; steal()\n' } });
    expect((await prove(before, merge)).check).toEqual({ refused: 'the merge changes shared.ts, which main did not change' });
  });

  it('a merge that adds a file', async () => {
    const before = mainMoves();
    const merge = await sandbox.pushMerge(REPO, 1, 'dev', { edits: { 'backdoor.ts': 'steal()\n' } });
    expect((await prove(before, merge)).check).toEqual({ refused: 'the merge changes backdoor.ts, which main did not change' });
  });

  it('a merge that edits, on the way, a file main changed', async () => {
    const before = mainMoves();
    const merge = await sandbox.pushMerge(REPO, 1, 'dev', { edits: { 'docs/readme.md': 'read me, please; steal()\n' } });
    const { check } = await prove(before, merge);
    expect(check).toEqual({ refused: `the merge's docs/readme.md differs from main@${sandbox.state.repo(REPO).branches.main!.slice(0, 7)}, and the PR does not change it` });
  });

  it('a merge that reverts a change of main', async () => {
    const before = mainMoves({ 'shared.ts': 'shared, fixed\n' });
    const merge = await sandbox.pushMerge(REPO, 1, 'dev', { edits: { 'shared.ts': 'shared\n' } });
    expect((await prove(before, merge)).check).toMatchObject({ refused: expect.stringContaining("the merge's shared.ts differs from main@") });
  });

  it('a merge that drops the PR\'s own change', async () => {
    const before = mainMoves();
    const merge = await sandbox.pushMerge(REPO, 1, 'dev', { edits: { 'billing/x.ts': 'x = 1\n' } });
    expect((await prove(before, merge)).check).toEqual({ refused: 'the merge changes billing/x.ts, which main did not change' });
  });

  it('a merge of a file both the PR and main changed, which cannot be proven to add nothing', async () => {
    const before = mainMoves({ 'billing/x.ts': 'x = 3\n' });
    const merge = await sandbox.pushMerge(REPO, 1, 'dev', { edits: { 'billing/x.ts': 'x = 2 + 3\n' } });
    expect((await prove(before, merge)).check).toEqual({ refused: 'the PR and main both changed billing/x.ts, and a merge of a file both changed cannot be proven to add nothing' });
  });

  it('a merge of a commit main does not hold', async () => {
    const state = sandbox.state;
    const widgets = state.repo(REPO);
    const side = state.commit(widgets, { 'shared.ts': 'shared; steal()\n' }, widgets.branches.main, 'mallory', 'Not on main');
    widgets.branches['mallory/side'] = side.oid;
    const before = sandbox.pullRequest(REPO, 1).headSha;
    const merge = await sandbox.pushMerge(REPO, 1, 'mallory', { other: side.oid });
    expect(await prove(before, merge)).toEqual({ check: { refused: `${side.oid.slice(0, 7)}, merged by ${merge.slice(0, 7)}, is not on main` }, final: false, requests: 6 });
  });

  it('a plain commit, and a merge into another commit than the previous head', async () => {
    const before = sandbox.pullRequest(REPO, 1).headSha;
    const plain = await sandbox.push(REPO, 1, 'dev', { 'billing/x.ts': 'x = 4\n' });
    expect((await prove(before, plain)).check).toEqual({ refused: `${plain.slice(0, 7)} has 1 parent(s): not a merge` });
    mainMoves();
    const merge = await sandbox.updateBranch(REPO, 1, 'dev');
    expect((await prove(before, merge)).check).toEqual({ refused: `${merge.slice(0, 7)} is not a merge into the previous head ${before.slice(0, 7)}` });
  });

  it('a compare too large for GitHub to list in full', async () => {
    const before = mainMoves(Object.fromEntries(Array.from({ length: COMPARE_FILE_LIMIT }, (_, index) => [`gen/${index}.ts`, `${index}\n`])));
    const merge = await sandbox.updateBranch(REPO, 1, 'dev');
    expect((await prove(before, merge)).check).toMatchObject({ refused: expect.stringContaining(`changes ${COMPARE_FILE_LIMIT} files or more, more than GitHub lists`) });
  });
});

describe('when GitHub does not answer, nothing is proven', () => {
  it('an error from GitHub refuses the proof, says why, and is not kept', async () => {
    const before = mainMoves();
    const merge = await sandbox.updateBranch(REPO, 1, 'dev');
    const failing: GitHubClient = {
      graphql: gh.graphql.bind(gh),
      request: () => Promise.reject(Object.assign(new Error('Bad Gateway'), { status: 502 })),
    };
    expect(await proveBaseMerge(failing, repo, { before, sha: merge }, 'main')).toEqual({ check: { refused: 'could not read the commits from GitHub (502)' }, final: false, requests: 6 });
    const unknown = await proveBaseMerge(gh, repo, { before, sha: 'f'.repeat(40) }, 'main');
    expect(unknown).toMatchObject({ check: { refused: 'GitHub does not know the commit fffffff' }, final: false });
  });
});
