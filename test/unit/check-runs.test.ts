import { validate } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { buttonsFor, checkRunRequest, findRuns, MAX_ACTIONS, MAX_DESCRIPTION, MAX_IDENTIFIER, MAX_LABEL } from '../../src/github/check-runs.js';
import { decodeRecord, encodeRecord, newRecord } from '../../src/github/record.js';
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
