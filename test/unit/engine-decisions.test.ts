import { describe, expect, it } from 'vitest';
import { comment, flowOf, GATE_FLOW, HEAD, labeled, NEXT, push, review, run, t } from '../helpers.js';

const gateFlow = (gate: string, extra = '') =>
  flowOf(`name: gate\non: { pull_request: {} }\nsteps:\n  - id: review\n    approval: ${gate}\n    on_approve: ship\n${extra}  - id: ship\n    actions: [ { merge: {} } ]\n`);

describe('who may decide', () => {
  const flow = flowOf(GATE_FLOW);

  it('counts an approval from a team member, naming the team', () => {
    const result = run(flow, [review(10, 'mia')]);
    expect(result.run.status).toBe('succeeded');
    expect(result.decisions).toMatchObject([{ actor: 'mia', counted: true, rule: 'counted: member of acme/managers', source: 'review', sha: HEAD }]);
  });

  it('ignores the author, and says so', () => {
    const result = run(flow, [review(10, 'dev')], { snapshot: { teams: { 'acme/managers': ['dev'] } } });
    expect(result.run.status).toBe('waiting');
    expect(result.decisions[0]).toMatchObject({ counted: false, status: 'ignored', rule: 'ignored: the author cannot approve' });
  });

  it('ignores bots by default, by suffix or by the snapshot list', () => {
    const snapshot = { teams: { 'acme/managers': ['helper[bot]', 'svc'] }, bots: ['svc'] };
    const result = run(flow, [review(10, 'helper[bot]'), review(11, 'svc')], { snapshot });
    expect(result.decisions.map((decision) => decision.rule)).toEqual(['ignored: bots cannot approve', 'ignored: bots cannot approve']);
  });

  it('ignores committers when the gate excludes them', () => {
    const result = run(gateFlow('{ from: { teams: [acme/managers] }, exclude: [committers] }'), [review(10, 'mia')], { snapshot: { committers: ['dev', 'mia'] } });
    expect(result.decisions[0]!.rule).toBe('ignored: committers cannot approve (mia committed to this PR)');
  });

  it('ignores users excluded by name', () => {
    const result = run(gateFlow('{ from: { teams: [acme/managers] }, exclude: [{ users: [max] }] }'), [review(10, 'max')]);
    expect(result.decisions[0]!.rule).toBe('ignored: max is excluded from this gate');
  });

  it('ignores someone who is not an approver, listing who is', () => {
    const result = run(flow, [review(10, 'rob')]);
    expect(result.decisions[0]!.rule).toBe('ignored: not an approver (approvers: @acme/managers)');
  });

  it('ignores sources the gate does not accept', () => {
    const result = run(gateFlow('{ from: { users: [mia] }, sources: [review] }'), [comment(10, 'mia', '/approve')]);
    expect(result.decisions[0]!.rule).toBe('ignored: comment decisions do not count here (sources: review)');
  });

  it('counts by repository permission', () => {
    const result = run(gateFlow('{ from: { permission: write } }'), [review(5, 'rob'), review(10, 'adam')]);
    expect(result.decisions.map((decision) => decision.rule)).toEqual([
      'ignored: not an approver (approvers: anyone with write permission)',
      'counted: has admin permission (needs write)',
    ]);
  });

  it('counts the code owners of the changed files, directly or through a team', () => {
    const flow = gateFlow('{ from: { codeowners: true }, count: 2 }');
    const snapshot = { codeowners: '* @adam\nbilling/ @acme/security @wes\ndocs/ @rob\n' };
    const result = run(flow, [review(5, 'adam'), review(6, 'rob'), review(7, 'sam'), review(8, 'wes')], { snapshot });
    expect(result.decisions.map((decision) => decision.rule)).toEqual([
      'ignored: not an approver (approvers: the code owners)',
      'ignored: not an approver (approvers: the code owners)',
      'counted: code owner of billing/x.ts (member of acme/security)',
      'counted: code owner of billing/x.ts',
    ]);
    expect(result.run.status).toBe('succeeded');
  });
});

describe('quorum', () => {
  it('waits for N distinct approvers; the same person twice counts once', () => {
    const flow = gateFlow('{ from: { teams: [acme/managers, acme/security] }, count: 2 }');
    const waiting = run(flow, [review(5, 'mia'), review(6, 'mia')]);
    expect(waiting.run.waiting_on).toMatchObject([{ kind: 'approval', need: 1, have: 1 }]);
    expect(run(flow, [review(5, 'mia'), review(6, 'sam')]).run.status).toBe('succeeded');
  });

  it('count: all needs every listed user and team member', () => {
    const flow = gateFlow('{ from: { users: [wes], teams: [acme/managers] }, count: all }');
    expect(run(flow, [review(1, 'mia'), review(2, 'max')]).run.waiting_on[0]).toMatchObject({ need: 1, have: 2 });
    expect(run(flow, [review(1, 'mia'), review(2, 'max'), review(3, 'wes')]).run.status).toBe('succeeded');
  });

  it('per_team needs N from each team', () => {
    const flow = gateFlow('{ from: { teams: [acme/managers, acme/security] }, per_team: 1 }');
    expect(run(flow, [review(1, 'mia'), review(2, 'max')]).run.status).toBe('waiting');
    expect(run(flow, [review(1, 'mia'), review(2, 'sid')]).run.status).toBe('succeeded');
  });

  it('one eligible decline declines the gate, with the reason', () => {
    const flow = gateFlow('{ from: { teams: [acme/managers] }, count: 2 }', '    on_decline: fail\n');
    const result = run(flow, [review(1, 'mia'), comment(2, 'max', 'Hmm.\n/decline the totals are wrong')]);
    expect(result.run.status).toBe('declined');
    expect(result.steps[0]).toMatchObject({ status: 'declined', outputs: { declined_by: ['max'], reason: 'the totals are wrong' } });
  });
});

describe('decisions over time', () => {
  const flow = flowOf(GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      count: 2'));

  it('a push voids earlier approvals (invalidate_on_push) and records why', () => {
    const result = run(flow, [review(5, 'mia'), push(10), review(15, 'max', 'approved', NEXT)]);
    expect(result.run.status).toBe('waiting');
    expect(result.decisions[0]).toMatchObject({ counted: false, status: 'invalidated', rule: 'ignored: made before the push at 2026-11-24 09:10 UTC (invalidate_on_push)' });
    expect(result.history.some((entry) => entry.text === 'push b2b2b2b invalidated 1 approval(s)')).toBe(true);
  });

  it('a review of an older commit does not count', () => {
    const result = run(flow, [push(3), review(5, 'mia', 'approved', HEAD)]);
    expect(result.decisions[0]!.rule).toBe('ignored: made on a1a1a1a, not the head b2b2b2b (invalidate_on_push)');
  });

  it('with invalidate_on_push: false, approvals survive a push', () => {
    const lenient = gateFlow('{ from: { teams: [acme/managers] }, count: 2, invalidate_on_push: false }');
    expect(run(lenient, [review(5, 'mia'), push(10), review(15, 'max', 'approved', NEXT)]).run.status).toBe('succeeded');
  });

  it('a dismissed review is withdrawn', () => {
    const result = run(flow, [review(5, 'mia', 'approved', HEAD, 'r1'), { type: 'review_dismissed', at: t(6), actor: 'adam', review_id: 'r1' }, review(7, 'max')]);
    expect(result.run.status).toBe('waiting');
    expect(result.decisions[0]).toMatchObject({ status: 'withdrawn', rule: 'withdrawn: review dismissed by adam' });
  });

  it('removing an approval label withdraws it', () => {
    const result = run(flow, [labeled(5, 'mia', 'flowgate:approve'), { type: 'unlabeled', at: t(6), actor: 'mia', label: 'flowgate:approve' }, review(7, 'max')]);
    expect(result.run.status).toBe('waiting');
    expect(result.decisions[0]!.status).toBe('withdrawn');
  });

  it('an approval label from someone ineligible is removed, with a comment saying why', () => {
    const result = run(flowOf(GATE_FLOW), [labeled(5, 'rob', 'flowgate:approve')]);
    expect(result.decisions[0]!.rule).toBe('ignored: not an approver (approvers: @acme/managers)');
    expect(result.effects.map((effect) => [effect.type, effect.origin])).toEqual([
      ['unlabel', 'refusal'],
      ['comment', 'refusal'],
    ]);
    expect(result.effects[1]).toMatchObject({ body: expect.stringContaining('@rob: Flowgate removed the label `flowgate:approve`') });
  });

  it('labels that are not decision labels are not decisions', () => {
    expect(run(flowOf(GATE_FLOW), [labeled(5, 'rob', 'documentation')]).decisions).toEqual([]);
  });

  it('decisions made before the run started do not count', () => {
    const facts = [review(-5, 'mia'), review(5, 'max')];
    const result = run(flowOf(GATE_FLOW), facts);
    expect(result.decisions.map((decision) => [decision.actor, decision.counted, decision.rule])).toEqual([
      ['mia', false, 'ignored: made before the run started at 2026-11-24 09:00 UTC'],
      ['max', true, 'counted: member of acme/managers'],
    ]);
  });

  it('a decision while no gate is open is recorded and ignored', () => {
    const waitFirst = flowOf(`name: w\non: { pull_request: {} }\nsteps:\n  - id: checks\n    wait: { label: ready }\n  - id: review\n    approval: { from: { users: [mia] } }\n`);
    const result = run(waitFirst, [review(5, 'mia'), labeled(10, 'dev', 'ready'), review(15, 'mia')]);
    expect(result.decisions.map((decision) => decision.rule)).toEqual(['ignored: no approval gate is open', 'counted: listed approver']);
    expect(result.run.status).toBe('succeeded');
  });

  it('comment commands must stand on their own line, outside quotes and code', () => {
    const flow = flowOf(GATE_FLOW);
    expect(run(flow, [comment(5, 'mia', 'I will /approve later')]).decisions).toEqual([]);
    expect(run(flow, [comment(5, 'mia', '> /approve\nquoting someone')]).decisions).toEqual([]);
    expect(run(flow, [comment(5, 'mia', '```\n/approve\n```')]).decisions).toEqual([]);
    expect(run(flow, [comment(5, 'mia', 'LGTM\n/APPROVE')]).run.status).toBe('succeeded');
  });
});

describe('parallel gates', () => {
  const flow = flowOf(`name: p\non: { pull_request: {} }\nsteps:
  - id: signoff
    parallel:
      managers: { from: { teams: [acme/managers] } }
      security: { from: { teams: [acme/security] }, labels: { approve: "security:ok", decline: "security:no" } }
    on_decline: fail
  - id: ship
    actions: [ { merge: {} } ]
`);

  it('waits for every gate, and reports each one it waits on', () => {
    const result = run(flow, [review(5, 'mia')]);
    expect(result.run.current).toEqual(['signoff/security']);
    expect(result.run.waiting_on).toMatchObject([{ step: 'signoff', gate: 'security', need: 1 }]);
    expect(run(flow, [review(5, 'mia'), labeled(6, 'sam', 'security:ok')]).run.status).toBe('succeeded');
  });

  it('a decline in one gate declines the step', () => {
    const result = run(flow, [review(5, 'mia'), labeled(6, 'sam', 'security:no')]);
    expect(result.run.status).toBe('declined');
  });

  it('one decision counts in every gate where the person is eligible', () => {
    const both = run(flow, [review(5, 'mia')], { snapshot: { teams: { 'acme/managers': ['mia'], 'acme/security': ['mia'] } } });
    expect(both.decisions.map((decision) => decision.gate)).toEqual(['managers', 'security']);
    expect(both.run.status).toBe('succeeded');
  });
});

describe('reassignment', () => {
  const flow = flowOf(GATE_FLOW);

  it('an approver hands the gate to someone, who may then decide and is told', () => {
    const result = run(flow, [comment(5, 'mia', 'I am away next week.\n/reassign @wes'), review(10, 'wes')]);
    expect(result.run.status).toBe('succeeded');
    expect(result.decisions.at(-1)!.rule).toBe('counted: reassigned to them by mia');
    expect(result.effects[0]).toMatchObject({ type: 'notify', users: ['wes'], cause: 'reassigned by mia', key: 'run1:review:1:reassign:c5' });
    expect(result.history.map((entry) => entry.text)).toContain('mia reassigned review to @wes');
  });

  it('someone who may not decide cannot hand the gate over', () => {
    const result = run(flow, [comment(5, 'rob', '/reassign @rob'), review(10, 'rob')]);
    expect(result.run.status).toBe('waiting');
    expect(result.effects).toEqual([]);
    expect(result.history.map((entry) => entry.text)).toContain('rob may not reassign review: not an approver (approvers: @acme/managers)');
  });
});
