import { describe, expect, it } from 'vitest';
import type { FactEvent } from '../../src/engine/facts.js';
import { comment, flowOf, HEAD, labeled, NEXT, push, review, run, t } from '../helpers.js';

const callback = (minutes: number, extra: Partial<Extract<FactEvent, { type: 'callback' }>> = {}): FactEvent => ({
  type: 'callback',
  at: t(minutes),
  step: 'agent',
  attempt: 1,
  result: 'success',
  ...extra,
});

const waitFlow = (wait: string, transitions = '') =>
  flowOf(
    `name: w\non: { pull_request: {} }\nsteps:\n  - id: agent\n    wait: ${wait}\n${transitions}  - id: done\n    actions: [ { comment: "{{steps.agent.outputs.summary}}" } ]\n    next: succeed\n` +
      (transitions.includes('broken') ? '  - id: broken\n    actions: [ { comment: broken } ]\n    next: fail\n' : ''),
  );

describe('waits', () => {
  const flow = waitFlow('{ callback: {}, timeout: 2h }', '    on_decline: broken\n    on_timeout: broken\n');

  it('a callback issues a token per run, step and attempt, and resumes with its outputs', () => {
    expect(run(flow).run.waiting_on).toEqual([{ step: 'agent', kind: 'callback', token_id: 'run1:agent:1', deadline: t(120) }]);
    const result = run(flow, [callback(30, { summary: 'all green', outputs: { tests: 412 }, links: [{ title: 'report', url: 'https://ci/1' }] })]);
    expect(result.run.status).toBe('succeeded');
    expect(result.steps[0]!.outputs).toEqual({ result: 'success', summary: 'all green', tests: 412, links: [{ title: 'report', url: 'https://ci/1' }] });
    expect(result.effects[0]).toMatchObject({ type: 'comment', body: 'all green' });
  });

  it('a failed callback goes to on_decline', () => {
    expect(run(flow, [callback(30, { result: 'failure' })]).steps.find((step) => step.id === 'broken')!.status).toBe('done');
  });

  it('completing a callback twice succeeds once; the second is ignored', () => {
    const once = run(flow, [callback(30, { summary: 'first' })]);
    const twice = run(flow, [callback(30, { summary: 'first' }), callback(31, { summary: 'second' })]);
    expect(twice.steps).toEqual(once.steps);
    expect(twice.effects).toEqual(once.effects);
    expect(twice.run).toEqual(once.run);
  });

  it('a callback for another attempt or step changes nothing', () => {
    const result = run(flow, [callback(30, { attempt: 2 }), callback(31, { step: 'done' })]);
    expect(result.run.status).toBe('waiting');
    expect(result.history.filter((entry) => entry.text.startsWith('callback ignored')).map((entry) => entry.text)).toEqual([
      'callback ignored: it is for attempt 2, and the step is on attempt 1',
      'callback ignored: the run is at agent',
    ]);
  });

  it('a wait times out at its deadline and follows on_timeout', () => {
    const result = run(flow, [], { now: 121 });
    expect(result.steps[0]).toMatchObject({ status: 'timed_out', ended_at: t(120) });
    expect(result.run.status).toBe('failed');
  });

  it('a callback exactly at the deadline is too late', () => {
    const result = run(flow, [callback(120)]);
    expect(result.steps[0]!.status).toBe('timed_out');
  });

  it('a check run on the head continues on a passing conclusion', () => {
    const checks = waitFlow('{ check_run: { name: agent/ci, conclusions: [success, neutral] } }', '    on_decline: broken\n');
    const event = (conclusion: string, sha = HEAD): FactEvent => ({ type: 'check_run', at: t(10), name: 'agent/ci', conclusion, sha });
    expect(run(checks, [event('neutral')]).steps[0]).toMatchObject({ status: 'done', outputs: { conclusion: 'neutral' } });
    expect(run(checks, [event('failure')]).run.status).toBe('failed');
    expect(run(checks, [event('success', NEXT)]).run.status).toBe('waiting');
  });

  it('label and push waits need the event after the wait began', () => {
    const label = waitFlow('{ label: ready }');
    expect(run(label, [labeled(-1, 'dev', 'ready')]).run.status).toBe('waiting');
    expect(run(label, [labeled(5, 'dev', 'ready')]).run.status).toBe('succeeded');
    expect(run(waitFlow('{ push: true }'), [push(5)]).run.status).toBe('succeeded');
  });

  it('a duration wait continues when the time has passed', () => {
    const timed = waitFlow('{ duration: 30m }');
    expect(run(timed, [], { now: 29 }).run).toMatchObject({ status: 'waiting', next_deadline: t(30) });
    expect(run(timed, [], { now: 30 }).run.status).toBe('succeeded');
  });
});

describe('gate timeouts and escalation', () => {
  const flow = (policy: string, escalate = '') =>
    flowOf(`name: g\non: { pull_request: {} }\nsteps:\n  - id: review\n    approval:\n      from: { users: [mia] }\n      timeout: 48h\n      on_timeout: ${policy}\n${escalate}    on_decline: fail\n  - id: ship\n    actions: [ { merge: {} } ]\n`);

  it('auto-declines at the deadline, recording the rule that fired', () => {
    const result = run(flow('decline'), [], { now: 48 * 60 });
    expect(result.run.status).toBe('declined');
    expect(result.decisions).toEqual([
      expect.objectContaining({ actor: 'flowgate', source: 'timeout', decision: 'decline', counted: true, rule: 'auto-declined at 2026-11-26 09:00 UTC: no decision within 2d (on_timeout: decline)' }),
    ]);
  });

  it('auto-approves when the policy says so, and merges the head at that time', () => {
    const result = run(flow('approve'), [], { now: 48 * 60 });
    expect(result.run.status).toBe('succeeded');
    expect(result.effects).toMatchObject([{ type: 'merge', sha: HEAD }]);
  });

  it('keeps waiting past the deadline with on_timeout: wait', () => {
    const result = run(flow('wait'), [], { now: 50 * 60 });
    expect(result.run.status).toBe('waiting');
    expect(result.history.some((entry) => entry.text.includes('still waiting (on_timeout: wait)'))).toBe(true);
    expect(run(flow('wait'), [review(60 * 60, 'mia')]).run.status).toBe('succeeded');
  });

  it('records a decision after the deadline as late', () => {
    const result = run(flow('decline'), [review(49 * 60, 'mia')]);
    expect(result.decisions[1]).toMatchObject({ actor: 'mia', counted: false, rule: expect.stringMatching(/^ignored: arrived after the deadline \(auto-declined at/) });
  });

  const ladder = `      escalate:\n        - after: 4h\n          notify: { users: [bob] }\n          add_approvers: { users: [bob] }\n        - after: 24h\n          repeat: 8h\n          notify: { users: [mia, bob] }\n`;

  it('notifies the backup and widens the eligible set from that point on', () => {
    const early = run(flow('decline', ladder), [review(60, 'bob')]);
    expect(early.decisions[0]!.rule).toMatch(/not an approver/);
    const late = run(flow('decline', ladder), [review(5 * 60, 'bob')]);
    expect(late.decisions[0]!.rule).toBe('counted: added by escalation');
    expect(late.effects.map((effect) => effect.cause)).toEqual(['escalation 1 (after 4h)', 'action 1 of ship']);
  });

  it('reminds at intervals, never at or after the deadline that closes the gate', () => {
    const result = run(flow('decline', ladder), [], { now: 48 * 60 });
    const notified = result.effects.filter((effect) => effect.type === 'notify').map((effect) => effect.at);
    expect(notified).toEqual([t(4 * 60), t(24 * 60), t(32 * 60), t(40 * 60)]);
    expect(new Set(result.effects.map((effect) => effect.key)).size).toBe(result.effects.length);
  });

  it('reports the next timer so a sweep knows when to look again', () => {
    expect(run(flow('decline', ladder), [], { now: 60 }).run.next_deadline).toBe(t(4 * 60));
    expect(run(flow('decline', ladder), [], { now: 5 * 60 }).run.next_deadline).toBe(t(24 * 60));
  });

  it('a decision clears the timers', () => {
    const result = run(flow('decline', ladder), [comment(30, 'mia', '/approve')], { now: 72 * 60 });
    expect(result.run.status).toBe('succeeded');
    expect(result.run.next_deadline).toBeUndefined();
    expect(result.effects.filter((effect) => effect.type === 'notify')).toEqual([]);
  });
});
