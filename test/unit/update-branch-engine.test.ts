import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.js';
import type { BaseMergeCheck, FactEvent } from '../../src/engine/facts.js';
import { factsOf, flowOf, HEAD, NEXT, review, run, START, t } from '../helpers.js';

const MERGE = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3';
const MERGE2 = 'd4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4';
const MAIN = 'e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5';
const MAIN2 = 'f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6';

const gateFlow = (extra = '') =>
  flowOf(`name: gate\non: { pull_request: {} }\nsteps:\n  - id: review\n    approval: { from: { teams: [acme/managers] }, count: 2${extra} }\n    on_approve: ship\n  - id: ship\n    actions: [ { merge: {} } ]\n`);

const merged = (merged: string): BaseMergeCheck => ({ merged, branch: 'main' });
const move = (minutes: number, sha: string, before: string, base_merge?: BaseMergeCheck): FactEvent => ({ type: 'push', at: t(minutes), sha, before, ...(base_merge ? { base_merge } : {}) });
const texts = (result: ReturnType<typeof run>) => result.history.map((entry) => entry.text);

describe('approvals that survive "Update branch" (keep_on_base_merge)', () => {
  const flow = gateFlow();

  it('keeps an approval across a push proven to only merge the base branch, says why, and merges at the new head', () => {
    const result = run(flow, [review(5, 'mia'), move(10, MERGE, HEAD, merged(MAIN)), review(15, 'max', 'approved', MERGE)]);
    expect(result.run.status).toBe('succeeded');
    expect(result.decisions[0]).toMatchObject({ actor: 'mia', sha: HEAD, counted: true, status: 'counted' });
    expect(texts(result)).toContain('approvals kept: c3c3c3c only merged main@e5e5e5e (keep_on_base_merge)');
    expect(result.run.approved_sha).toBe(MERGE);
    expect(result.effects.find((effect) => effect.type === 'merge')).toMatchObject({ sha: MERGE });
  });

  it('keeps approvals across a chain of base merges in a row', () => {
    const events = [review(5, 'mia'), move(10, MERGE, HEAD, merged(MAIN)), move(20, MERGE2, MERGE, merged(MAIN2)), review(25, 'max', 'approved', MERGE2)];
    const result = run(flow, events);
    expect(result.run.status).toBe('succeeded');
    expect(texts(result)).toContain('approvals kept: d4d4d4d only merged main@f6f6f6f (keep_on_base_merge)');
    expect(result.effects.find((effect) => effect.type === 'merge')).toMatchObject({ sha: MERGE2 });
  });

  it('a real commit after a chain of base merges voids the approvals', () => {
    const events = [review(5, 'mia'), move(10, MERGE, HEAD, merged(MAIN)), move(20, NEXT, MERGE), review(25, 'max', 'approved', NEXT)];
    const result = run(flow, events);
    expect(result.run.status).toBe('waiting');
    expect(result.decisions[0]).toMatchObject({ actor: 'mia', counted: false, status: 'invalidated' });
    expect(texts(result)).toContain('push b2b2b2b invalidated 1 approval(s)');
  });

  it('an evil merge the shell refused voids the approvals, and the record says why', () => {
    const refused: BaseMergeCheck = { refused: 'the merge changes billing/x.ts, which the PR changes' };
    const result = run(flow, [review(5, 'mia'), move(10, MERGE, HEAD, refused), review(15, 'max', 'approved', MERGE)]);
    expect(result.run.status).toBe('waiting');
    expect(result.decisions[0]!.rule).toBe('ignored: made before the push at 2026-11-24 09:10 UTC (invalidate_on_push; not only a merge of main: the merge changes billing/x.ts, which the PR changes)');
    expect(texts(result)).toContain('push c3c3c3c invalidated 1 approval(s) (not only a merge of main: the merge changes billing/x.ts, which the PR changes)');
  });

  it('a push the shell could not check voids the approvals (fail closed)', () => {
    const unknown: BaseMergeCheck = { refused: 'GitHub did not answer (500)' };
    const withUnknown = run(flow, [review(5, 'mia'), move(10, MERGE, HEAD, unknown), review(15, 'max', 'approved', MERGE)]);
    expect(withUnknown.run.status).toBe('waiting');
    expect(withUnknown.decisions[0]!.rule).toContain('GitHub did not answer (500)');
    const unchecked = run(flow, [review(5, 'mia'), move(10, MERGE, HEAD), review(15, 'max', 'approved', MERGE)]);
    expect(unchecked.run.status).toBe('waiting');
    expect(unchecked.decisions[0]!.rule).toBe('ignored: made before the push at 2026-11-24 09:10 UTC (invalidate_on_push)');
  });

  it('a proof for a move from another commit than the head it left carries nothing', () => {
    const facts = factsOf([review(5, 'mia'), move(10, MERGE, NEXT, merged(MAIN)), review(15, 'max', 'approved', MERGE)]);
    const result = evaluate(flow, { ...facts, run: { ...facts.run, head_sha: HEAD } }, START + 15 * 60_000);
    expect(result.run.status).toBe('waiting');
    expect(result.decisions[0]!.status).toBe('invalidated');
  });

  it('with keep_on_base_merge: false, a base merge voids approvals like any push', () => {
    const strict = gateFlow(', keep_on_base_merge: false');
    const result = run(strict, [review(5, 'mia'), move(10, MERGE, HEAD, merged(MAIN)), review(15, 'max', 'approved', MERGE)]);
    expect(result.run.status).toBe('waiting');
    expect(result.decisions[0]!.rule).toBe('ignored: made before the push at 2026-11-24 09:10 UTC (invalidate_on_push)');
    expect(texts(result).some((text) => text.startsWith('approvals kept'))).toBe(false);
  });

  it('a review of the merged-into head, submitted after the base merge, counts; with the option off it does not', () => {
    const events = [move(10, MERGE, HEAD, merged(MAIN)), review(12, 'mia', 'approved', HEAD), review(15, 'max', 'approved', MERGE)];
    expect(run(flow, events).run.status).toBe('succeeded');
    const strict = run(gateFlow(', keep_on_base_merge: false'), events);
    expect(strict.decisions[0]!.rule).toBe('ignored: made on a1a1a1a, not the head c3c3c3c (invalidate_on_push)');
  });

  it('a stored verdict replays as counted across the base merge', () => {
    const events = [review(5, 'mia'), move(10, MERGE, HEAD, merged(MAIN))];
    const first = evaluate(flow, factsOf(events.slice(0, 1)), START + 6 * 60_000);
    const later = evaluate(flow, { ...factsOf([...events, review(15, 'max', 'approved', MERGE)]), verdicts: first.verdicts }, START + 15 * 60_000);
    expect(later.run.status).toBe('succeeded');
    expect(later.decisions[0]).toMatchObject({ actor: 'mia', counted: true });
  });
});
