import { describe, expect, it } from 'vitest';
import type { FactEvent } from '../../src/engine/facts.js';
import { comment, flowOf, GATE_FLOW, HEAD, NEXT, push, run, t } from '../helpers.js';

const flow = flowOf(GATE_FLOW);
const mergeFailed = (minutes: number, error = '409: head moved'): FactEvent => ({ type: 'effect', at: t(minutes), key: 'run1:ship:1:action-0', ok: false, error });

describe('a merge the head moved past', () => {
  it('goes back to the gate for the new head instead of failing the run: nobody approved the new commit', () => {
    // mia approves A; the author pushes B before the app's merge of A lands; GitHub refuses it.
    const evaluation = run(flow, [comment(1, 'mia', '/approve'), push(2), mergeFailed(3)]);
    expect(evaluation.run.status).toBe('waiting');
    expect(evaluation.run.current).toEqual(['review']);
    expect(evaluation.run.approved_sha).toBeUndefined();
    expect(evaluation.steps.find((step) => step.id === 'review')).toMatchObject({ status: 'active', attempts: 2 });
    expect(evaluation.history.map((entry) => entry.text)).toContain(`the head moved to ${NEXT.slice(0, 7)} before the merge of ${HEAD.slice(0, 7)}: back to review for the new head`);
  });

  it('an approval of the new head then merges the new head, once', () => {
    const evaluation = run(flow, [comment(1, 'mia', '/approve'), push(2), mergeFailed(3), comment(4, 'max', '/approve')]);
    const merges = evaluation.effects.filter((effect) => effect.type === 'merge');
    expect(merges.map((effect) => [effect.key, effect.type === 'merge' ? effect.sha : '', effect.status])).toEqual([
      ['run1:ship:1:action-0', HEAD, 'failed'],
      ['run1:ship:2:action-0', NEXT, 'pending'],
    ]);
  });

  it('a merge refused while the head is still the approved commit fails the run, as before', () => {
    const evaluation = run(flow, [comment(1, 'mia', '/approve'), mergeFailed(3, '405: not mergeable (conflicts)')]);
    expect(evaluation.run.status).toBe('failed');
  });
});
