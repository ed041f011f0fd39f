import { validate } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { buttonsFor, checkRunRequest, findAllRuns, findRuns, MAX_ACTIONS, MAX_DESCRIPTION, MAX_IDENTIFIER, MAX_LABEL, writeCheckRun } from '../../src/github/history/check-runs.js';
import { collapseRuns, duplicateRequest, mergeRecords } from '../../src/github/history/duplicate-runs.js';
import { decodeRecord, encodeRecord, newRecord, type AppRecord } from '../../src/github/history/record.js';
import { FakeGitHub } from './effects-fake-github.js';
import { flowOf, GATE_FLOW, review, run } from '../helpers.js';

const record = newRecord({ id: 'run1', flow: 'gate', version: 'c1', started_at: '2026-11-24T09:00:00Z' });
const repo = { owner: 'acme', name: 'widgets' };
const links = { pr: 'https://github.com/acme/widgets/pull/7' };

describe("a run's check run", () => {
  it('is created on the head, in progress, with Approve and Decline buttons within GitHub\'s limits', () => {
    const evaluation = run(flowOf(GATE_FLOW));
    const { route, params } = checkRunRequest({ repo, sha: 'head1', evaluation, record, links });
    expect(route).toBe('POST /repos/{owner}/{repo}/check-runs');
    expect(params).toMatchObject({ name: 'Flowgate: gate', head_sha: 'head1', status: 'in_progress', external_id: 'run1' });
    const actions = params.actions as { label: string; description: string; identifier: string }[];
    expect(actions.length).toBeLessThanOrEqual(MAX_ACTIONS);
    for (const action of actions) {
      expect(action.label.length).toBeLessThanOrEqual(MAX_LABEL);
      expect(action.description.length).toBeLessThanOrEqual(MAX_DESCRIPTION);
      expect(action.identifier.length).toBeLessThanOrEqual(MAX_IDENTIFIER);
    }
    expect(decodeRecord((params.output as { text: string }).text)).toEqual({ ok: true, record });
  });

  it('is updated with a conclusion and no buttons when the run ends', () => {
    const evaluation = run(flowOf(GATE_FLOW), [review(5, 'mia')]);
    const { route, params } = checkRunRequest({ repo, sha: 'head1', evaluation, record, links, checkRunId: 99 });
    expect(route).toBe('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}');
    expect(params).toMatchObject({ check_run_id: 99, status: 'completed', conclusion: 'success', completed_at: '2026-11-24T09:05:00.000Z', actions: [] });
  });

  it('keeps a long description inside the limit', () => {
    const flow = flowOf(GATE_FLOW.replace('id: review', 'id: a-very-long-step-name-for-the-gate'));
    expect(buttonsFor(run(flow))[0]!.description.length).toBeLessThanOrEqual(MAX_DESCRIPTION);
  });
});

describe('finding runs', () => {
  it('reads the records of our check runs in one request, taking the newest commit that has any', async () => {
    const sent: { query: string; variables: Record<string, unknown> }[] = [];
    const run = (databaseId: number, name: string, text: string) => ({ databaseId, name, status: 'IN_PROGRESS', text, permalink: `https://github.com/runs/${databaseId}` });
    const gh: GitHubClient = {
      async graphql<T>(query: string, variables: Record<string, unknown> = {}) {
        expect(validate(query).map((error) => error.message)).toEqual([]);
        sent.push({ query, variables });
        return {
          repository: {
            c0: { checkSuites: { nodes: [] } },
            c1: { checkSuites: { nodes: [{ checkRuns: { nodes: [run(1, 'Flowgate: gate', encodeRecord(record)), run(2, 'CI', ''), run(3, 'Flowgate: other', 'no record')] } }] } },
            c2: null,
          },
        } as T;
      },
      request: () => Promise.reject(new Error('unused')),
    };
    const logged: string[] = [];
    const runs = await findRuns(gh, repo, ['head', 'old', 'older'], 42, (message) => logged.push(message));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.variables).toMatchObject({ appId: 42, c0: 'head', c1: 'old', c2: 'older' });
    expect(runs).toEqual([{ checkRunId: 1, sha: 'old', status: 'in_progress', record, url: 'https://github.com/runs/1' }]);
    expect(logged).toEqual(['check run 3 (Flowgate: other) has no readable record: no record']);
  });
});

describe('a run created twice', () => {
  const runOn = (databaseId: number, text: string, status = 'IN_PROGRESS') => ({ databaseId, name: 'Flowgate: gate', status, text, permalink: `https://github.com/runs/${databaseId}` });
  const answering = (nodes: ReturnType<typeof runOn>[], sent: string[] = []): GitHubClient => ({
    async graphql<T>(query: string) {
      expect(validate(query).map((error) => error.message)).toEqual([]);
      sent.push(query);
      return { repository: { c0: { checkSuites: { nodes: [{ checkRuns: { nodes } }] } } } } as T;
    },
    request: () => Promise.reject(new Error('unused')),
  });
  const withEntries = (patch: Partial<AppRecord>): AppRecord => ({ ...record, ...patch });

  it('is read with every check run of the app, not only the latest of each name', async () => {
    const sent: string[] = [];
    await findRuns(answering([], sent), repo, ['head'], 42);
    expect(sent[0]).toContain('checkType: ALL');
  });

  it('comes back once, on the newest check run, holding what either record holds', async () => {
    const older = withEntries({
      effects: [{ at: '2026-11-24T09:01:00.000Z', key: 'run1:review:1:message', ok: true }],
      callbacks: [{ at: '2026-11-24T09:02:00.000Z', token: 'run1:agent:1', step: 'agent', attempt: 1, result: 'success' }],
    });
    const newer = withEntries({ effects: [{ at: '2026-11-24T09:03:00.000Z', key: 'run1:ship:1:action-0', ok: true }], intents: [{ at: '2026-11-24T09:04:00.000Z', key: 'run1:ship:1:action-1' }] });
    const { runs, duplicates } = await findAllRuns(answering([runOn(7, encodeRecord(older)), runOn(9, encodeRecord(newer))]), repo, ['head'], 42);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.checkRunId).toBe(9);
    expect(runs[0]!.record.effects.map((effect) => effect.key)).toEqual(['run1:review:1:message', 'run1:ship:1:action-0']);
    // A token used in the duplicate stays used: it cannot be replayed against the run that goes on.
    expect(runs[0]!.record.callbacks.map((callback) => callback.token)).toEqual(['run1:agent:1']);
    expect(runs[0]!.record.intents).toEqual([{ at: '2026-11-24T09:04:00.000Z', key: 'run1:ship:1:action-1' }]);
    expect(duplicates.map(({ duplicate, of }) => [duplicate.checkRunId, of.checkRunId])).toEqual([[7, 9]]);
    // findRuns, for callers that do not close duplicates, gives the same one run.
    expect(await findRuns(answering([runOn(7, encodeRecord(older)), runOn(9, encodeRecord(newer))]), repo, ['head'], 42)).toEqual(runs);
  });

  it('an intent whose result the other record holds is no longer an intent', () => {
    const merged = mergeRecords(withEntries({ intents: [{ at: '2026-11-24T09:04:00.000Z', key: 'k' }] }), [withEntries({ effects: [{ at: '2026-11-24T09:05:00.000Z', key: 'k', ok: true }] })]);
    expect(merged.intents).toEqual([]);
    expect(merged.effects).toEqual([{ at: '2026-11-24T09:05:00.000Z', key: 'k', ok: true }]);
  });

  it('the duplicate is closed as neutral, "duplicate of" the run that goes on, and keeps no record to be read again', async () => {
    const { duplicates } = collapseRuns([
      { checkRunId: 3, sha: 'head', status: 'in_progress', record },
      { checkRunId: 4, sha: 'head', status: 'in_progress', record, url: 'https://github.com/runs/4' },
    ]);
    const { route, params } = duplicateRequest(repo, duplicates[0]!);
    expect(route).toBe('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}');
    expect(params).toMatchObject({ check_run_id: 3, status: 'completed', conclusion: 'neutral', output: { title: 'Duplicate of check run 4', text: '' }, actions: [] });
    const closed = runOn(3, '', 'COMPLETED');
    const logged: string[] = [];
    expect(await findRuns(answering([closed, runOn(4, encodeRecord(record))]), repo, ['head'], 42, (message) => logged.push(message))).toHaveLength(1);
    expect(logged).toEqual([]);
  });

  it('is never created by a retried POST', async () => {
    const gh = new FakeGitHub();
    gh.faults.push({ route: 'POST', when: 'after', kind: 500 });
    await expect(writeCheckRun(gh, { repo, sha: 'head1', evaluation: run(flowOf(GATE_FLOW)), record, links })).rejects.toMatchObject({ status: 500 });
    expect(gh.sent[0]!.params).toMatchObject({ request: { retries: 0 } });
    expect(gh.checkRuns).toHaveLength(1);
  });
});
