import { validate } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { checkRunRequest, findAllRuns } from '../../src/github/history/check-runs.js';
import { decodeRecord, encodeRecord, newRecord, RecordRefused } from '../../src/github/history/record.js';
import { flowOf, GATE_FLOW, run } from '../helpers.js';

const record = newRecord({ id: 'run1', flow: 'gate', version: 'c1', started_at: '2026-11-24T09:00:00Z' });
const repo = { owner: 'acme', name: 'widgets' };
const SECRET = 'the-action-secret';

/** GitHub answering the runs query with these check runs of the Actions app on the head. */
const answering = (nodes: { databaseId: number; name: string; status: string; text: string | null }[]): GitHubClient => ({
  async graphql<T>(query: string) {
    expect(validate(query).map((error) => error.message)).toEqual([]);
    return { repository: { c0: { checkSuites: { nodes: [{ checkRuns: { nodes: nodes.map((node) => ({ ...node, permalink: `https://github.com/runs/${node.databaseId}` })) } }] } } } } as T;
  },
  request: () => Promise.reject(new Error('unused')),
});
const checkRun = (text: string | null, status = 'IN_PROGRESS') => ({ databaseId: 7, name: 'Flowgate: gate', status, text });

describe('the record in Action mode (signed with the secret input)', () => {
  it('is written signed, and read back when its signature matches', async () => {
    const { params } = checkRunRequest({ repo, sha: 'head', evaluation: run(flowOf(GATE_FLOW)), record, links: { pr: 'https://github.com/acme/widgets/pull/1' }, recordSecret: SECRET });
    const text = (params.output as { text: string }).text;
    expect(decodeRecord(text, SECRET)).toEqual({ ok: true, record });
    const { runs } = await findAllRuns(answering([checkRun(text)]), repo, ['head'], 15368, () => {}, SECRET);
    expect(runs.map((found) => found.record)).toEqual([record]);
  });

  it('a record another workflow wrote without the secret is refused, and the event fails closed saying why', async () => {
    // Any workflow with checks: write writes check runs as the Actions app: here it claims the gate's decision was made.
    const forged = `### History\n\n${encodeRecord({ ...record, verdicts: [{ ref: 'review:1', step: 'review', gate: 'g', attempt: 1, decision: 'approve', counted: true, rule: 'forged', at: '2026-11-24T09:01:00Z' }] })}`;
    const finding = findAllRuns(answering([checkRun(forged)]), repo, ['head'], 15368, () => {}, SECRET);
    await expect(finding).rejects.toBeInstanceOf(RecordRefused);
    await expect(finding).rejects.toThrow(/check run 7 \(Flowgate: gate\) on head: its record is not signed with this workflow's secret \(the record is not signed\)/);
  });

  it('a signed record altered by hand (an effect removed) is refused', async () => {
    const signed = encodeRecord({ ...record, effects: [{ at: '2026-11-24T09:02:00Z', key: 'run1:ship:1:action-0', ok: true }] }, SECRET);
    const [, body, signature] = /flowgate:record (\S+)\.(\S+) -->/.exec(signed)!;
    const altered = signed.replace(`${body}.${signature}`, `${encodeRecord(record).split(' ')[2]!}.${signature}`);
    await expect(findAllRuns(answering([checkRun(altered)]), repo, ['head'], 15368, () => {}, SECRET)).rejects.toThrow(/the record's signature does not match/);
  });

  it("a run's record signed with another secret is refused (a secret rotated while runs were open must be restored to finish them)", async () => {
    await expect(findAllRuns(answering([checkRun(encodeRecord(record, 'old-secret'))]), repo, ['head'], 15368, () => {}, SECRET)).rejects.toThrow(/restore the secret/);
  });

  it('an open Flowgate check run whose record was wiped is refused rather than started again', async () => {
    await expect(findAllRuns(answering([checkRun('')]), repo, ['head'], 15368, () => {}, SECRET)).rejects.toBeInstanceOf(RecordRefused);
    // A run the app closed as moved or duplicate keeps no record, and is no run any more.
    expect((await findAllRuns(answering([checkRun('', 'COMPLETED')]), repo, ['head'], 15368, () => {}, SECRET)).runs).toEqual([]);
  });

  it('the server (no record secret) goes on as before: an unreadable record is logged and skipped', async () => {
    const logged: string[] = [];
    expect((await findAllRuns(answering([checkRun('no record')]), repo, ['head'], 42, (message) => logged.push(message))).runs).toEqual([]);
    expect(logged).toEqual(['check run 7 (Flowgate: gate) has no readable record: no record']);
  });
});
