import { describe, expect, it } from 'vitest';
import { runsFrom, type RunsOnCommit } from '../../src/github/history/check-runs.js';
import { encodeRecord, newRecord } from '../../src/github/history/record.js';

const text = (id: string, flow: string) => encodeRecord(newRecord({ id, flow, version: 'c1', started_at: '2026-11-24T09:00:00Z' }));
const node = (databaseId: number, name: string, status: string, body: string | null) => ({ databaseId, name, status, text: body, permalink: `https://github.com/acme/widgets/runs/${databaseId}` });
const commit = (sha: string, ...nodes: ReturnType<typeof node>[]): RunsOnCommit => ({ sha, suites: [{ checkRuns: { nodes } }] });

describe('runsFrom, after a push an event did not finish', () => {
  it('returns what is still in progress on older commits: the checks of runs that went on (to close) and a run never moved (to move)', () => {
    const found = runsFrom(
      [
        commit('head', node(20, 'Flowgate: a', 'IN_PROGRESS', text('run-a', 'a')), node(21, 'Flowgate', 'IN_PROGRESS', '<!-- flowgate:summary x -->')),
        commit('old', node(10, 'Flowgate: a', 'IN_PROGRESS', text('run-a', 'a')), node(11, 'Flowgate: b', 'IN_PROGRESS', text('run-b', 'b')), node(12, 'Flowgate', 'IN_PROGRESS', null)),
        commit('older', node(5, 'Flowgate: c', 'COMPLETED', text('run-c', 'c')), node(6, 'Flowgate', 'COMPLETED', '')),
      ],
      15368,
    );
    expect(found.runs.map((run) => [run.record.run.id, run.checkRunId, run.sha])).toEqual([['run-a', 20, 'head'], ['run-b', 11, 'old']]);
    expect(found.runsLeft?.map((run) => run.checkRunId)).toEqual([10]);
    expect(found.summariesLeft).toEqual([12]);
    expect(found.summary).toEqual({ id: 21, text: '<!-- flowgate:summary x -->' });
    expect(found.duplicates).toEqual([]);
  });

  it('a finished run on an older commit stays there, and nothing is left when every old check is closed', () => {
    const found = runsFrom([commit('head', node(20, 'Flowgate: a', 'IN_PROGRESS', text('run-a', 'a'))), commit('old', node(10, 'Flowgate: a', 'COMPLETED', ''), node(11, 'Flowgate: b', 'COMPLETED', text('run-b', 'b')))], 15368);
    expect(found.runs.map((run) => run.record.run.id)).toEqual(['run-a']);
    expect(found.runsLeft).toBeUndefined();
    expect(found.summariesLeft).toBeUndefined();
  });
});
