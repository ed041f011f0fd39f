/**
 * Trust follow-ups (issue 7): a verdict keeps its reason, decisions before a run
 * starts are recorded, and the teams a counted approver fills are fixed when judged.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.js';
import type { FactEvent, Facts, PullRequestSnapshot, Verdict } from '../../src/engine/facts.js';
import type { Evaluation } from '../../src/engine/state.js';
import { comment, factsOf, flowOf, GATE_FLOW, HEAD, review, START, t } from '../helpers.js';

interface Options {
  snapshot?: Partial<PullRequestSnapshot>;
  verdicts?: Verdict[];
  /** When the run started, in minutes after START. */
  startedAt?: number;
  now?: number;
}

function judge(flowYaml: string, events: FactEvent[], options: Options = {}): Evaluation {
  const base = factsOf(events, options.snapshot);
  const facts: Facts = {
    ...base,
    run: { ...base.run, head_sha: HEAD, ...(options.startedAt !== undefined ? { started_at: t(options.startedAt) } : {}) },
    ...(options.verdicts ? { verdicts: options.verdicts } : {}),
  };
  const last = events.reduce((latest, event) => Math.max(latest, Date.parse(event.at)), START + (options.startedAt ?? 0) * 60_000);
  return evaluate(flowOf(flowYaml), facts, options.now !== undefined ? START + options.now * 60_000 : last);
}

/** The verdicts as the shell stores them (through JSON). */
const stored = (evaluation: Evaluation): Verdict[] => JSON.parse(JSON.stringify(evaluation.verdicts)) as Verdict[];

const DECLINE_FAILS = GATE_FLOW.replace('on_approve: ship', 'on_approve: ship\n    on_decline: fail');

describe('a verdict keeps its reason', () => {
  it('editing a decline comment does not change the reason shown', () => {
    const decline: FactEvent = { type: 'comment', at: t(10), actor: 'mia', id: 'c1', body: '/decline totals are wrong' };
    const first = judge(DECLINE_FAILS, [decline]);
    expect(first.decisions[0]).toMatchObject({ decision: 'decline', reason: 'totals are wrong' });
    const edited: FactEvent = { ...decline, body: '/decline mia approved this, merge it', edited: true };
    const later = judge(DECLINE_FAILS, [edited], { verdicts: stored(first) });
    expect(later.decisions[0]).toMatchObject({ decision: 'decline', reason: 'totals are wrong', counted: true });
    expect(later.steps.find((step) => step.id === 'review')!.outputs).toEqual(first.steps.find((step) => step.id === 'review')!.outputs);
    expect(later.history.map((line) => line.text).join('\n')).not.toMatch(/merge it/);
  });

  it('a reason added to an approval by an edit is not shown', () => {
    const approve: FactEvent = { type: 'comment', at: t(10), actor: 'mia', id: 'c1', body: '/approve' };
    const first = judge(GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      count: 2'), [approve]);
    const later = judge(GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      count: 2'), [{ ...approve, body: '/approve and max agreed', edited: true }], { verdicts: stored(first) });
    expect(later.decisions[0]).toMatchObject({ decision: 'approve', counted: true });
    expect(later.decisions[0]).not.toHaveProperty('reason');
  });

  it('the verdict stores the reason it was judged with', () => {
    const first = judge(DECLINE_FAILS, [comment(10, 'mia', '/decline totals are wrong')]);
    expect(first.verdicts[0]).toMatchObject({ ref: 'comment:c10', reason: 'totals are wrong' });
  });
});

describe('decisions made before the run started', () => {
  it('are recorded as ignored, with a verdict, and change no outcome', () => {
    const early = [comment(2, 'mia', '/approve'), review(3, 'max')];
    const result = judge(GATE_FLOW, early, { startedAt: 5, now: 6 });
    expect(result.run.status).toBe('waiting');
    expect(result.effects).toEqual([]);
    expect(result.decisions).toMatchObject([
      { actor: 'mia', source: 'comment', counted: false, status: 'ignored', ref: 'comment:c2', rule: 'ignored: made before the run started at 2026-11-24 09:05 UTC' },
      { actor: 'max', source: 'review', counted: false, status: 'ignored', ref: 'review:max-3', rule: 'ignored: made before the run started at 2026-11-24 09:05 UTC' },
    ]);
    expect(result.verdicts.map((verdict) => [verdict.ref, verdict.counted])).toEqual([
      ['comment:c2', false],
      ['review:max-3', false],
    ]);
  });

  it('stay ignored on a later evaluation, and a decision after the start counts', () => {
    const early = [comment(2, 'mia', '/approve')];
    const first = judge(GATE_FLOW, early, { startedAt: 5, now: 6 });
    const later = judge(GATE_FLOW, [...early, review(8, 'max')], { startedAt: 5, verdicts: stored(first) });
    expect(later.run.status).toBe('succeeded');
    expect(later.decisions.map((decision) => [decision.actor, decision.counted])).toEqual([
      ['mia', false],
      ['max', true],
    ]);
  });

  it('a comment without a command before the start is not a decision', () => {
    const result = judge(GATE_FLOW, [comment(2, 'mia', 'looks fine')], { startedAt: 5, now: 6 });
    expect(result.decisions).toEqual([]);
  });
});

const PER_TEAM = `
name: two-teams
on: { pull_request: {} }
steps:
  - id: review
    approval:
      from: { teams: [acme/managers, acme/security] }
      per_team: 1
    on_approve: ship
  - id: ship
    actions:
      - merge: {}
`;

describe('the teams a counted approver fills are fixed when judged', () => {
  it('an approver who later joins another team does not fill that team\'s share too', () => {
    const approve = comment(10, 'mia', '/approve');
    const first = judge(PER_TEAM, [approve]);
    expect(first.run.status).toBe('waiting');
    const joined = { teams: { 'acme/managers': ['mia', 'max'], 'acme/security': ['sam', 'sid', 'mia'] } };
    const later = judge(PER_TEAM, [approve, comment(20, 'dev', 'ping')], { snapshot: joined, verdicts: stored(first) });
    expect(later.run.status).toBe('waiting');
    expect(later.run.waiting_on[0]).toMatchObject({ have: 1, need: 1 });
  });

  it('an approver who leaves their team after approving still fills its share', () => {
    const approve = comment(10, 'mia', '/approve');
    const first = judge(PER_TEAM, [approve]);
    const left = { teams: { 'acme/managers': ['max'], 'acme/security': ['sam', 'sid'] } };
    const later = judge(PER_TEAM, [approve, comment(20, 'sam', '/approve')], { snapshot: left, verdicts: stored(first) });
    expect(later.run.status).toBe('succeeded');
  });

  it('someone on both teams when judged fills both shares, as before', () => {
    const both = { teams: { 'acme/managers': ['mia', 'max'], 'acme/security': ['sam', 'mia'] } };
    expect(judge(PER_TEAM, [comment(10, 'mia', '/approve')], { snapshot: both }).run.status).toBe('succeeded');
  });
});
