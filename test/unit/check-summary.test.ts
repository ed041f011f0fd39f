import { describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { GitHubCache } from '../../src/github/facts/cache.js';
import { relevance } from '../../src/github/relevance.js';
import { handleWebhook, PullRequestQueue } from '../../src/github/handle.js';
import { checkPolicy, POLICY_CHECK } from '../../src/github/policy-check.js';
import { ANNOTATIONS_PER_REQUEST, currentRuns, policyProblems, summaryOf, writeSummaryCheck } from '../../src/github/history/summary-check.js';
import type { Problem } from '../../src/flow/problem.js';
import { GATE_FLOW } from '../helpers.js';

const problem = (line: number, file = '.github/flows/gate.yml'): Problem => ({ code: 'unknown-step', severity: 'error', file, line, col: 7, path: 'steps[0].next', message: `no step "shp" (line ${line})`, expected: 'a step id' });

/** A GitHub that records each request and answers the flows query with `flows`. */
function fakeGitHub(flows: Record<string, string>, checkRuns: { name: string; external_id: string; status: string }[] = []) {
  const requests: { route: string; params: Record<string, unknown> }[] = [];
  let nextId = 100;
  const gh: GitHubClient = {
    async graphql<T>(): Promise<T> {
      requests.push({ route: 'POST /graphql', params: {} });
      const entries = Object.entries(flows).map(([name, text]) => ({ name, type: 'blob', object: { text, isTruncated: false, isBinary: false } }));
      return { repository: { object: { oid: 'c0ffee0000000000000000000000000000000000', file: { object: { entries } } } } } as T;
    },
    async request(route, params = {}) {
      requests.push({ route, params });
      if (route.startsWith('GET')) return { status: 200, data: { check_runs: checkRuns }, headers: {} };
      if (route.startsWith('POST')) checkRuns.push({ name: String(params.name), external_id: String(params.external_id), status: String(params.conclusion ? 'completed' : params.status) });
      return { status: 201, data: { id: (nextId += 1) }, headers: {} };
    },
  };
  return { gh, requests };
}

describe('the Flowgate check', () => {
  it('passes with "No flow applies" when no flow starts', () => {
    expect(summaryOf([])).toMatchObject({ status: 'completed', conclusion: 'success', title: 'No flow applies' });
  });

  it('is in progress while any run waits, fails if any failed, declined or was cancelled, passes when all succeeded', () => {
    expect(summaryOf([{ flow: 'a', status: 'succeeded' }, { flow: 'b', status: 'waiting' }])).toMatchObject({ status: 'in_progress', title: '2 runs: 1 waiting, 1 succeeded' });
    expect(summaryOf([{ flow: 'a', status: 'waiting' }, { flow: 'b', status: 'declined' }])).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(summaryOf([{ flow: 'a', status: 'cancelled' }])).toMatchObject({ conclusion: 'failure' });
    expect(summaryOf([{ flow: 'a', status: 'failed' }])).toMatchObject({ conclusion: 'failure' });
    expect(summaryOf([{ flow: 'a', status: 'succeeded' }, { flow: 'b', status: 'succeeded' }])).toMatchObject({ status: 'completed', conclusion: 'success' });
  });

  it('fails on an invalid live policy even when every run succeeded, listing each error at file:line:col', () => {
    const output = summaryOf([{ flow: 'a', status: 'succeeded' }], { ref: 'main', commit: 'c0ffee00', problems: [problem(3), problem(9, '.github/flows/other.yml')] });
    expect(output).toMatchObject({ status: 'completed', conclusion: 'failure', title: 'The live flows are invalid: 2 problems in 2 files' });
    expect(output.summary).toContain('`.github/flows/gate.yml:3:7`: no step "shp" (line 3); expected a step id');
    expect(output.summary).toContain('`.github/flows/other.yml:9:7`');
    expect(output.annotations[0]).toMatchObject({ path: '.github/flows/gate.yml', start_line: 3, end_line: 3, annotation_level: 'failure' });
  });

  it('a file with warnings only is not an invalid policy', () => {
    const warning: Problem = { ...problem(2), severity: 'warning' };
    expect(policyProblems('main', { commit: 'c', files: [{ flow: {}, problems: [warning] }] })).toBeUndefined();
    expect(policyProblems('main', { commit: 'c', files: [{ problems: [problem(2)] }] })?.problems).toHaveLength(1);
  });

  it('sends more than 50 annotations in batches of 50: one create, then PATCHes', async () => {
    const { gh, requests } = fakeGitHub({});
    const problems = Array.from({ length: 120 }, (_, index) => problem(index + 1));
    const written = await writeSummaryCheck(gh, { owner: 'acme', name: 'widgets' }, 'head', summaryOf([], { ref: 'main', commit: 'c', problems }), undefined, 0);
    expect(written).toEqual({ requests: 3, found: { id: 101, text: expect.stringMatching(/^<!-- flowgate:summary [\w-]+ annotated [\w-]+ -->$/) } });
    expect(requests.map((request) => request.route)).toEqual(['POST /repos/{owner}/{repo}/check-runs', 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}']);
    const sizes = requests.map((request) => ((request.params.output as { annotations: unknown[] }).annotations ?? []).length);
    expect(sizes).toEqual([ANNOTATIONS_PER_REQUEST, ANNOTATIONS_PER_REQUEST, 20]);
    expect(requests.slice(1).every((request) => request.params.check_run_id === 101)).toBe(true);
  });

  it('sends the same annotations once: a later change of the runs updates the summary without appending them again', async () => {
    const { gh, requests } = fakeGitHub({});
    const policy = { ref: 'main', commit: 'c', problems: [problem(3)] };
    const first = await writeSummaryCheck(gh, { owner: 'acme', name: 'widgets' }, 'head', summaryOf([{ flow: 'gate', status: 'waiting' }], policy), undefined, 0);
    await writeSummaryCheck(gh, { owner: 'acme', name: 'widgets' }, 'head', summaryOf([{ flow: 'gate', status: 'succeeded' }], policy), first.found, 0);
    const annotations = requests.map((request) => ((request.params.output as { annotations?: unknown[] }).annotations ?? []).length);
    expect(annotations).toEqual([1, 0]);
    // New problems are annotated.
    await writeSummaryCheck(gh, { owner: 'acme', name: 'widgets' }, 'head', summaryOf([], { ...policy, problems: [problem(4)] }), first.found, 0);
    expect(((requests[2]!.params.output as { annotations?: unknown[] }).annotations ?? []).length).toBe(1);
  });

  it('is written only when what it shows changes', async () => {
    const { gh, requests } = fakeGitHub({});
    const output = summaryOf([{ flow: 'gate', status: 'waiting' }]);
    await writeSummaryCheck(gh, { owner: 'acme', name: 'widgets' }, 'head', output, undefined, 0);
    const text = String((requests[0]!.params.output as { text: string }).text);
    expect((await writeSummaryCheck(gh, { owner: 'acme', name: 'widgets' }, 'head', output, { id: 101, text }, 0)).requests).toBe(0);
    expect((await writeSummaryCheck(gh, { owner: 'acme', name: 'widgets' }, 'head', summaryOf([{ flow: 'gate', status: 'succeeded' }]), { id: 101, text }, 0)).requests).toBe(1);
    expect(requests.map((request) => request.route)).toEqual(['POST /repos/{owner}/{repo}/check-runs', 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}']);
  });
});

describe('a push to the default branch', () => {
  const repo = { owner: 'acme', name: 'widgets' };
  const deps = (gh: GitHubClient) => ({ gh, cache: new GitHubCache(), app: { id: 7 }, now: () => 0, queue: new PullRequestQueue() });

  it('is relevant only on the default branch', () => {
    const app = { id: 7, login: 'flowgate[bot]' };
    expect(relevance('push', { ref: 'refs/heads/main', repository: { default_branch: 'main' } }, app).relevant).toBe(true);
    expect(relevance('push', { ref: 'refs/heads/dev', repository: { default_branch: 'main' } }, app).relevant).toBe(false);
    expect(relevance('push', { ref: 'refs/heads/main', deleted: true, repository: { default_branch: 'main' } }, app).relevant).toBe(false);
  });

  it('that breaks a flow gets a failing "Flowgate: policy" check with the errors, once even when delivered twice', async () => {
    const { gh, requests } = fakeGitHub({ 'gate.yml': 'name: gate\non: { pull_request: {} }\nsteps:\n  - id: a\n    nexxt: b\n' });
    expect(await checkPolicy(deps(gh), repo, 'main', 'c0ffee')).toEqual({ written: 1 });
    const created = requests.find((request) => request.route.startsWith('POST /repos'))!;
    expect(created.params).toMatchObject({ name: POLICY_CHECK, head_sha: 'c0ffee', status: 'completed', conclusion: 'failure' });
    expect((created.params.output as { summary: string }).summary).toMatch(/\.github\/flows\/gate\.yml:\d+/);
    expect((created.params.output as { annotations: unknown[] }).annotations.length).toBeGreaterThan(0);
    requests.length = 0;
    expect(await checkPolicy(deps(gh), repo, 'main', 'c0ffee')).toEqual({ skipped: 'the policy check is already on the commit' });
    expect(requests.filter((request) => !request.route.startsWith('GET') && request.route !== 'POST /graphql')).toEqual([]);
  });

  it('reaches the policy check through the webhook handler, and a push to another branch costs no request', async () => {
    const { gh, requests } = fakeGitHub({ 'gate.yml': 'name: gate\non: { pull_request: {} }\nsteps:\n  - id: a\n    nexxt: b\n' });
    const handler = { gh, cache: new GitHubCache(), queue: new PullRequestQueue(), app: { id: 7, login: 'flowgate[bot]' }, connections: () => undefined, now: () => 0, log: () => {} };
    const push = (ref: string) => ({ ref, after: 'c0ffee', before: 'decaf', repository: { name: 'widgets', owner: { login: 'acme' }, default_branch: 'main' } });
    expect(await handleWebhook(handler, 'push', push('refs/heads/dev'))).toEqual({ skipped: 'a push to a branch other than the default', runs: [] });
    expect(requests).toEqual([]);
    expect(await handleWebhook(handler, 'push', push('refs/heads/main'))).toEqual({ runs: [] });
    expect(requests.find((request) => request.route.startsWith('POST /repos'))?.params).toMatchObject({ name: POLICY_CHECK, head_sha: 'c0ffee', conclusion: 'failure' });
  });

  it('that leaves the flows valid writes nothing', async () => {
    const { gh, requests } = fakeGitHub({ 'gate.yml': GATE_FLOW });
    const outcome = await checkPolicy(deps(gh), repo, 'main', 'c0ffee');
    expect(outcome.skipped).toBe('the live flows are valid');
    expect(requests.map((request) => request.route)).toEqual(['POST /graphql']);
  });
});

describe('the runs the Flowgate check speaks for', () => {
  it('a run cancelled before a reopen gives way to the run of the new generation', () => {
    const runs = [
      { flow: 'gate', id: '1-gate-abc', status: 'cancelled' as const },
      { flow: 'gate', id: '1-gate-abc-r1', status: 'waiting' as const },
      { flow: 'other', id: '1-other-abc', status: 'succeeded' as const },
    ];
    expect(currentRuns(runs).map((run) => run.id)).toEqual(['1-gate-abc-r1', '1-other-abc']);
  });
});
