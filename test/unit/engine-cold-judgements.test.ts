/**
 * The judgements most decisions get (counted as a listed approver or a team member, ignored
 * as not an approver of the flow-listed approvers) are built once and shared, and each
 * decision's history line is built from a shared middle (issue 12, item 6: fewer objects per
 * decision for a collection to copy). These tests pin what each shared value is keyed by.
 */
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/flow/compile.js';
import { judge } from '../../src/engine/gate.js';
import { prContext } from '../../src/engine/pr-context.js';
import type { GateState } from '../../src/engine/state.js';
import { comment, flowOf, pr, review, run, HEAD } from '../helpers.js';

const twoGates = flowOf(`name: two
on: { pull_request: {} }
steps:
  - id: first
    approval: { from: { teams: [acme/managers] } }
  - id: second
    approval: { from: { users: [zoe], teams: [acme/security] } }
`);

describe('shared judgements', () => {
  it('names each gate\'s own approvers when someone who is not one decides', () => {
    const result = run(twoGates, [review(10, 'rob'), review(11, 'mia'), review(12, 'rob'), review(13, 'max')]);
    expect(result.decisions.map((decision) => decision.rule)).toEqual([
      'ignored: not an approver (approvers: @acme/managers)',
      'counted: member of acme/managers',
      'ignored: not an approver (approvers: @zoe; @acme/security)',
      'ignored: not an approver (approvers: @zoe; @acme/security)',
    ]);
  });

  it('names the team that made each approver eligible, per team', () => {
    const result = run(twoGates, [review(10, 'mia'), review(11, 'sam'), review(12, 'zoe')]);
    expect(result.decisions.map((decision) => decision.rule)).toEqual(['counted: member of acme/managers', 'counted: member of acme/security', 'ignored: the run has already ended (succeeded)']);
    const third = run(twoGates, [review(10, 'max'), review(11, 'zoe')]);
    expect(third.decisions.map((decision) => decision.rule)).toEqual(['counted: member of acme/managers', 'counted: listed approver']);
  });

  it('names the approvers a handover added, in that run only, after the shared judgement was given', () => {
    const before = run(twoGates, [review(10, 'rob')]);
    expect(before.decisions[0]!.rule).toBe('ignored: not an approver (approvers: @acme/managers)');
    const handed = run(twoGates, [comment(5, 'mia', '/reassign @kim'), review(10, 'rob')]);
    expect(handed.decisions.at(-1)!.rule).toBe('ignored: not an approver (approvers: @kim; @acme/managers)');
    expect(run(twoGates, [review(10, 'rob')]).decisions[0]!.rule).toBe('ignored: not an approver (approvers: @acme/managers)');
  });

  it('hands out judgements no caller can change for the next decision', () => {
    const gate = compileFlow(twoGates).byId.get('first')!.gates[0]!;
    const state: GateState = { status: 'open', approvals: 0, votes: {}, addedUsers: [], addedTeams: [], handovers: {} } as unknown as GateState;
    const view = { headSha: HEAD, pushers: [], mergedFrom: [] };
    const context = prContext(pr());
    const counted = judge(gate, state, { actor: 'mia', decision: 'approve', source: 'review', sha: HEAD }, context, view);
    const ignored = judge(gate, state, { actor: 'rob', decision: 'approve', source: 'review', sha: HEAD }, context, view);
    expect(() => Object.assign(counted, { rule: 'counted: forged' })).toThrow(TypeError);
    expect(() => Object.assign(ignored, { counted: true })).toThrow(TypeError);
    expect(judge(gate, state, { actor: 'max', decision: 'approve', source: 'review', sha: HEAD }, context, view)).toEqual({ counted: true, rule: 'counted: member of acme/managers' });
    expect(judge(gate, state, { actor: 'rob', decision: 'approve', source: 'review', sha: HEAD }, context, view)).toEqual({ counted: false, rule: 'ignored: not an approver (approvers: @acme/managers)' });
  });

  it('writes each decision\'s history line with its own actor, decision, source and rule', () => {
    const result = run(twoGates, [comment(9, 'rob', '/approve'), review(10, 'mia', 'changes_requested'), comment(11, 'max', '/decline too risky')]);
    expect(result.history.filter((line) => line.text.includes(' via ')).map((line) => line.text)).toEqual([
      'rob approved via comment: ignored: not an approver (approvers: @acme/managers)',
      'mia declined via review: counted: member of acme/managers',
      'max declined via comment ("too risky"): ignored: the run has already ended (declined)',
    ]);
  });
});
