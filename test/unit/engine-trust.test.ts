/**
 * Attacks on the engine (issue 7): each test is a way to make Flowgate count a
 * decision it must not, or change a run that has ended.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.js';
import type { FactEvent, Facts, PullRequestSnapshot, Verdict } from '../../src/engine/facts.js';
import type { Evaluation } from '../../src/engine/state.js';
import { comment, factsOf, flowOf, GATE_FLOW, HEAD, labeled, NEXT, review, START, t } from '../helpers.js';

const THIRD = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3';

interface Options {
  snapshot?: Partial<PullRequestSnapshot>;
  headSha?: string;
  verdicts?: Verdict[];
  now?: number;
}

/** Evaluates with what the GitHub shell adds: the run's starting head and the stored verdicts. */
function judge(flowYaml: string, events: FactEvent[], options: Options = {}): Evaluation {
  const base = factsOf(events, options.snapshot);
  const facts: Facts = {
    ...base,
    run: { ...base.run, ...(options.headSha !== undefined ? { head_sha: options.headSha } : {}) },
    ...(options.verdicts ? { verdicts: options.verdicts } : {}),
  };
  const last = events.reduce((latest, event) => Math.max(latest, Date.parse(event.at)), START);
  return evaluate(flowOf(flowYaml), facts, options.now !== undefined ? START + options.now * 60_000 : last);
}

/** A later evaluation with the verdicts an earlier one gave, as the shell stores them. */
const stored = (evaluation: Evaluation): Verdict[] => JSON.parse(JSON.stringify(evaluation.verdicts)) as Verdict[];

const pushBy = (minutes: number, sha: string, actor?: string): FactEvent => ({ type: 'push', at: t(minutes), sha, ...(actor ? { actor } : {}) });
const mergeShas = (evaluation: Evaluation) => evaluation.effects.flatMap((effect) => (effect.type === 'merge' ? [effect.sha] : []));

const TWO = GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      count: 2');
const DECLINE_FAILS = GATE_FLOW.replace('on_approve: ship', 'on_approve: ship\n    on_decline: fail');

describe('a decision binds to the commit that was the head when it was made', () => {
  it('a comment approval on A, then a push of B, never merges B', () => {
    // mia approves A; the author pushes B while that webhook is handled.
    const result = judge(GATE_FLOW, [comment(10, 'mia', '/approve'), pushBy(11, NEXT, 'dev')], { headSha: HEAD, snapshot: { head_sha: NEXT } });
    expect(result.decisions[0]).toMatchObject({ sha: HEAD, counted: true });
    expect(mergeShas(result)).toEqual([HEAD]);
  });

  it('a missed push: one approval of A and one of B do not make two approvals of B', () => {
    // The app never saw B arrive as a webhook; the shell proved the push from GitHub's own time.
    const result = judge(TWO, [comment(10, 'mia', '/approve'), pushBy(12, NEXT), comment(15, 'max', '/approve')], { headSha: HEAD, snapshot: { head_sha: NEXT } });
    expect(result.run.status).toBe('waiting');
    expect(mergeShas(result)).toEqual([]);
    expect(result.decisions.map((decision) => [decision.actor, decision.sha, decision.status])).toEqual([
      ['mia', HEAD, 'invalidated'],
      ['max', NEXT, 'counted'],
    ]);
  });

  it('without any push event, the run starts on the head it started with, not today\'s head', () => {
    const result = judge(GATE_FLOW, [comment(10, 'mia', '/approve')], { headSha: HEAD, snapshot: { head_sha: NEXT } });
    expect(result.decisions[0]!.sha).toBe(HEAD);
    expect(mergeShas(result)).toEqual([HEAD]);
  });

  it('an approval label on A, then a push of B, never merges B', () => {
    const result = judge(TWO, [labeled(10, 'mia', 'flowgate:approve'), pushBy(11, NEXT), comment(12, 'max', '/approve')], { headSha: HEAD, snapshot: { head_sha: NEXT } });
    expect(result.run.status).toBe('waiting');
    expect(result.decisions[0]).toMatchObject({ sha: HEAD, status: 'invalidated' });
  });

  it('a decision at the same instant as a push, recorded before it, is voided by it', () => {
    const result = judge(TWO, [comment(10, 'mia', '/approve'), pushBy(10, NEXT), comment(11, 'max', '/approve')], { headSha: HEAD, snapshot: { head_sha: NEXT } });
    expect(result.run.status).toBe('waiting');
    expect(result.decisions[0]!.status).toBe('invalidated');
  });

  it('a button binds to the commit of the check run clicked', () => {
    const click: FactEvent = { type: 'button', at: t(15), actor: 'mia', action: 'approve', sha: HEAD };
    const result = judge(GATE_FLOW, [pushBy(12, NEXT), click], { headSha: HEAD, snapshot: { head_sha: NEXT } });
    expect(result.run.status).toBe('waiting');
    expect(result.decisions[0]).toMatchObject({ sha: HEAD, counted: false, rule: 'ignored: made on a1a1a1a, not the head b2b2b2b (invalidate_on_push)' });
  });
});

describe('a command counts only as first posted', () => {
  it('an edited comment that Flowgate had not judged does not count, and says why', () => {
    const edited: FactEvent = { type: 'comment', at: t(10), actor: 'mia', id: 'c1', body: 'Looks fine.\n/approve', edited: true };
    const result = judge(GATE_FLOW, [edited], { headSha: HEAD });
    expect(result.run.status).toBe('waiting');
    expect(result.decisions).toMatchObject([
      { actor: 'mia', counted: false, status: 'ignored', ref: 'comment:c1', rule: 'ignored: the comment was edited before Flowgate judged it; a command counts only as first posted (post a new comment)' },
    ]);
  });

  it('a declined run stays declined when the decline comment is edited to /approve', () => {
    const decline: FactEvent = { type: 'comment', at: t(10), actor: 'mia', id: 'c1', body: '/decline totals are wrong' };
    const first = judge(DECLINE_FAILS, [decline]);
    expect(first.run.status).toBe('declined');
    const edited: FactEvent = { ...decline, body: '/approve', edited: true };
    const later = judge(DECLINE_FAILS, [edited], { verdicts: stored(first) });
    expect(later.run).toEqual(first.run);
    expect(later.steps).toEqual(first.steps);
    expect(later.effects).toEqual(first.effects);
    expect(later.decisions[0]).toMatchObject({ decision: 'decline', counted: true });
  });

  it('a /reassign added by editing an approver\'s comment hands nothing over', () => {
    const edited: FactEvent = { type: 'comment', at: t(10), actor: 'mia', id: 'c1', body: 'ok\n/reassign @dev', edited: true };
    const result = judge(GATE_FLOW, [edited, review(12, 'dev')], { snapshot: { committers: ['someone-else'] } });
    expect(result.effects).toEqual([]);
    expect(result.decisions.at(-1)!.counted).toBe(false);
  });
});

describe('a deleted comment', () => {
  it('deleting the decline comment does not bring a declined run back', () => {
    const first = judge(DECLINE_FAILS, [comment(10, 'mia', '/decline totals are wrong')]);
    expect(first.run.status).toBe('declined');
    const later = judge(DECLINE_FAILS, [comment(20, 'max', '/approve')], { verdicts: stored(first) });
    expect(later.run.status).toBe('declined');
    expect(later.effects).toEqual(first.effects);
    expect(later.decisions[0]).toMatchObject({ actor: '(deleted comment)', decision: 'decline', counted: true, ref: 'comment:c10' });
  });

  it('an approval whose comment was deleted no longer counts', () => {
    const first = judge(TWO, [comment(10, 'mia', '/approve')]);
    const later = judge(TWO, [comment(20, 'max', '/approve')], { verdicts: stored(first) });
    expect(later.run.status).toBe('waiting');
    expect(later.decisions[0]).toMatchObject({ ref: 'comment:c10', counted: false, rule: 'ignored: the comment was deleted' });
  });
});

describe('a verdict is fixed when first judged', () => {
  it('an ignored /approve stays ignored after its author joins the team', () => {
    const approve = comment(10, 'wes', '/approve');
    const first = judge(GATE_FLOW, [approve]);
    expect(first.decisions[0]!.counted).toBe(false);
    const joined = { teams: { 'acme/managers': ['mia', 'max', 'wes'] } };
    const later = judge(GATE_FLOW, [approve, labeled(20, 'dev', 'documentation')], { snapshot: joined, verdicts: stored(first) });
    expect(later.run.status).toBe('waiting');
    expect(later.decisions[0]).toMatchObject({ counted: false, rule: 'ignored: not an approver (approvers: @acme/managers)' });
  });

  it('an approver who leaves the team after approving stays counted', () => {
    const first = judge(TWO, [comment(10, 'mia', '/approve')]);
    const left = { teams: { 'acme/managers': ['max'] } };
    const later = judge(TWO, [comment(10, 'mia', '/approve'), comment(20, 'max', '/approve')], { snapshot: left, verdicts: stored(first) });
    expect(later.run.status).toBe('succeeded');
  });

  it('every decision gets a stable ref and one verdict, stored ones first and unchanged', () => {
    const events = [review(5, 'rob', 'approved', HEAD, 'r9'), comment(6, 'wes', '/approve'), labeled(7, 'max', 'flowgate:approve')];
    const first = judge(TWO, events.slice(0, 2));
    expect(first.decisions.map((decision) => decision.ref)).toEqual(['review:r9', 'comment:c6']);
    const later = judge(TWO, events, { verdicts: stored(first) });
    expect(later.verdicts.slice(0, 2)).toEqual(first.verdicts);
    expect(later.verdicts.map((verdict) => [verdict.ref, verdict.counted])).toEqual([
      ['review:r9', false],
      ['comment:c6', false],
      [`label:flowgate:approve:max:${t(7)}`, true],
    ]);
  });

  it('a parallel gate does not re-judge a decision another gate already judged', () => {
    const parallel = `name: p\non: { pull_request: {} }\nsteps:\n  - id: signoff\n    parallel:\n      managers: { from: { teams: [acme/managers] } }\n      security: { from: { teams: [acme/security] } }\n    on_decline: fail\n  - id: ship\n    actions: [ { merge: {} } ]\n`;
    const first = judge(parallel, [comment(5, 'wes', '/approve')]);
    const joined = { teams: { 'acme/managers': ['mia'], 'acme/security': ['wes'] } };
    const later = judge(parallel, [comment(5, 'wes', '/approve'), comment(6, 'mia', '/approve')], { snapshot: joined, verdicts: stored(first) });
    expect(later.run.status).toBe('waiting');
  });
});

describe('a finished run is final, and still records what arrives', () => {
  it('a decision after a decline is recorded, with its real attempt, and changes nothing', () => {
    const result = judge(DECLINE_FAILS, [comment(10, 'mia', '/decline no'), comment(12, 'max', '/approve')]);
    expect(result.run.status).toBe('declined');
    expect(result.decisions.at(-1)).toMatchObject({ actor: 'max', step: 'review', attempt: 1, counted: false, rule: 'ignored: the run has already ended (declined)' });
    expect(result.effects).toEqual([]);
  });

  it('a decision after a deadline carries the gate\'s attempt, not 0', () => {
    const timed = GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      timeout: 1h');
    const result = judge(timed, [comment(90, 'mia', '/approve')]);
    expect(result.decisions.at(-1)).toMatchObject({ actor: 'mia', attempt: 1, counted: false });
  });

  it('a label after the run ended is recorded, and no refusal effect is added', () => {
    const result = judge(DECLINE_FAILS, [comment(10, 'mia', '/decline no'), labeled(12, 'rob', 'flowgate:approve')]);
    expect(result.decisions.at(-1)).toMatchObject({ actor: 'rob', counted: false, rule: 'ignored: the run has already ended (declined)' });
    expect(result.effects).toEqual([]);
  });

  it('a refused callback is in the history with the answer it got', () => {
    const waitFlow = `name: w\non: { pull_request: {} }\nsteps:\n  - id: agent\n    wait: { callback: {} }\n  - id: done\n    actions: [ { comment: done } ]\n`;
    const refused: FactEvent = { type: 'callback', at: t(40), step: 'agent', attempt: 1, result: 'success', refused: '409: the callback was already used' };
    const result = judge(waitFlow, [{ type: 'callback', at: t(30), step: 'agent', attempt: 1, result: 'success' }, refused]);
    expect(result.history.map((entry) => entry.text)).toContain('callback for agent#1 refused: 409: the callback was already used');
    expect(result.effects).toHaveLength(1);
  });

  it('a refused callback carrying a decision is an ignored decision quoting the refusal', () => {
    const refused: FactEvent = { type: 'callback', at: t(40), step: 'review', attempt: 1, actor: 'mia', decision: 'approve', refused: '410: the link has expired' };
    const result = judge(GATE_FLOW, [refused]);
    expect(result.run.status).toBe('waiting');
    expect(result.decisions).toMatchObject([{ actor: 'mia', source: 'callback', counted: false, rule: 'ignored: the callback was refused (410: the link has expired)' }]);
  });
});

describe('committers', () => {
  it('someone who pushes to the PR and then approves is ignored as a committer, even as a listed approver', () => {
    const flow = GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { users: [mia] }\n      exclude: [author, bots, committers]');
    const result = judge(flow, [pushBy(5, NEXT, 'mia'), comment(10, 'mia', '/approve')], { headSha: HEAD, snapshot: { head_sha: NEXT } });
    expect(result.run.status).toBe('waiting');
    expect(result.decisions[0]!.rule).toBe('ignored: committers cannot approve (mia pushed to this PR)');
  });

  it('count: all no longer waits for someone excluded for pushing', () => {
    const flow = GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { users: [mia, max] }\n      count: all\n      exclude: [author, committers]');
    const result = judge(flow, [pushBy(5, NEXT, 'mia'), comment(10, 'max', '/approve')], { headSha: HEAD, snapshot: { head_sha: NEXT } });
    expect(result.run.status).toBe('succeeded');
    expect(mergeShas(result)).toEqual([NEXT]);
  });
});

describe('wait: check_run pins the reporting app', () => {
  const flow = (app: string) =>
    `name: w\non: { pull_request: {} }\nsteps:\n  - id: ci\n    wait: { check_run: { name: e2e${app} } }\n  - id: done\n    actions: [ { comment: done } ]\n`;
  const check = (app?: { id: number; slug?: string }): FactEvent => ({ type: 'check_run', at: t(10), name: 'e2e', conclusion: 'success', sha: HEAD, ...(app ? { app } : {}) });

  it('a check run of the right name from another app does not satisfy it', () => {
    const result = judge(flow(', app: acme-ci'), [check({ id: 9, slug: 'pr-workflow' })]);
    expect(result.run.status).toBe('waiting');
    expect(result.history.map((entry) => entry.text)).toContain('check run "e2e" from pr-workflow (app 9) ignored: the flow accepts it only from acme-ci');
  });

  it('a check run from the pinned app, by slug in any case or by id, satisfies it', () => {
    expect(judge(flow(', app: ACME-CI'), [check({ id: 9, slug: 'acme-ci' })]).run.status).toBe('succeeded');
    expect(judge(flow(', app: 9'), [check({ id: 9 })]).run.status).toBe('succeeded');
  });

  it('a check run whose app is unknown does not satisfy a pinned wait', () => {
    expect(judge(flow(', app: acme-ci'), [check()]).run.status).toBe('waiting');
  });

  it('a check run on a commit other than the head still does not count', () => {
    const result = judge(flow(', app: 9'), [{ ...check({ id: 9 }), sha: THIRD } as FactEvent]);
    expect(result.run.status).toBe('waiting');
  });
});

describe('commands are read as CommonMark reads the comment', () => {
  const decided = (body: string) => judge(GATE_FLOW, [comment(5, 'mia', body)]).decisions.length;

  it('a command inside a four-backtick fence that contains a three-backtick fence does not count', () => {
    expect(decided('````\n```\n/approve\n```\n````')).toBe(0);
    expect(decided('````\n```\n````\n/approve')).toBe(1);
  });

  it('a command in indented code, a blockquote (lazy lines too) or a list does not count', () => {
    expect(decided('Here is how:\n\n    /approve\n')).toBe(0);
    expect(decided('> quoted\n/approve')).toBe(0);
    expect(decided('- /approve')).toBe(0);
    expect(decided('~~~\n/approve\n~~~')).toBe(0);
  });

  it('a /reassign inside code hands nothing over', () => {
    const result = judge(GATE_FLOW, [comment(5, 'mia', '````\n```\n/reassign @wes\n```\n````'), review(10, 'wes')]);
    expect(result.effects).toEqual([]);
    expect(result.run.status).toBe('waiting');
  });

  it('a command on its own line of a paragraph counts, with its reason', () => {
    expect(decided('Looks right.\n/approve')).toBe(1);
    const result = judge(GATE_FLOW.replace('on_approve: ship', 'on_approve: ship\n    on_decline: fail'), [comment(5, 'mia', '```\ncode\n```\n\n/decline the totals are wrong')]);
    expect(result.decisions[0]).toMatchObject({ decision: 'decline', reason: 'the totals are wrong' });
  });
});
