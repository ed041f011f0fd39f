import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/flow/compile.js';
import { evaluate } from '../../src/engine/evaluate.js';
import type { GatheredFacts } from '../../src/github/facts/gather.js';
import { runFacts } from '../../src/github/run-facts.js';
import { headMoves, type HeadFacts } from '../../src/github/facts/heads.js';
import { newRecord, type AppRecord } from '../../src/github/history/record.js';
import { comment, flowOf, GATE_FLOW, HEAD, NEXT, pr, t } from '../helpers.js';

const A = HEAD;
const B = NEXT;
const C = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3';

const facts = (overrides: Partial<HeadFacts> = {}): HeadFacts => ({
  start: { at: t(0), sha: A },
  recorded: [],
  forced: [],
  suites: new Map(),
  branch: 'feature',
  head: A,
  now: t(30),
  ...overrides,
});

describe('which commit was the head when', () => {
  it('no move while the head stays where the run started', () => {
    expect(headMoves(facts())).toEqual({ moves: [] });
  });

  it('a push the app missed is dated by the check suite GitHub created on it', () => {
    const heads = headMoves(facts({ head: B, suites: new Map([[B, [{ createdAt: t(5), branch: 'feature' }]]]) }));
    expect(heads).toEqual({ moves: [{ at: t(5), sha: B, before: A }] });
  });

  it('a push nothing dates counts from now, and is handed back for the record to keep', () => {
    const heads = headMoves(facts({ head: B }));
    expect(heads.moves).toEqual([{ at: t(30), sha: B, before: A }]);
    expect(heads.unproven).toEqual({ at: t(30), sha: B, before: A });
  });

  it('a check suite made for another branch says nothing of when the commit reached the PR', () => {
    const heads = headMoves(facts({ head: B, suites: new Map([[B, [{ createdAt: t(5), branch: 'someone-elses' }]]]) }));
    expect(heads.moves).toEqual([{ at: t(30), sha: B, before: A }]);
  });

  it('a check suite older than a force push back to the old head does not date the commit pushed again', () => {
    // B pushed at 5 (its suite), force-pushed back to A at 10, B pushed again unseen.
    const heads = headMoves(
      facts({
        head: B,
        forced: [{ at: t(10), sha: A, before: B, actor: 'dev' }],
        suites: new Map([[B, [{ createdAt: t(5), branch: 'feature' }]]]),
      }),
    );
    expect(heads.moves).toEqual([
      { at: t(5), sha: B, before: A },
      { at: t(10), sha: A, before: B, actor: 'dev' },
      { at: t(30), sha: B, before: A },
    ]);
  });

  it('a check suite older than the run\'s start does not date a move after it', () => {
    const heads = headMoves(facts({ head: B, suites: new Map([[B, [{ createdAt: t(-5), branch: 'feature' }]]]) }));
    expect(heads.moves).toEqual([{ at: t(30), sha: B, before: A }]);
  });

  it('a webhook and the timeline seeing one move make one move, at the earlier time', () => {
    const heads = headMoves(facts({ head: B, recorded: [{ at: t(6), sha: B, before: A, actor: 'dev' }], forced: [{ at: t(5), sha: B, before: A, actor: 'dev' }] }));
    expect(heads.moves).toEqual([{ at: t(5), sha: B, before: A, actor: 'dev' }]);
  });

  it('a move the app missed between two it saw is placed no earlier than what proves it', () => {
    // A -> B unseen, B -> C seen by webhook at 20: B was the head at the latest at 20.
    const heads = headMoves(facts({ head: C, recorded: [{ at: t(20), sha: C, before: B }] }));
    expect(heads.moves).toEqual([
      { at: t(20), sha: B, before: A },
      { at: t(20), sha: C, before: B },
    ]);
  });

  it('a webhook\'s time is improved by the suite, never moved later', () => {
    const heads = headMoves(facts({ head: B, recorded: [{ at: t(9), sha: B, before: A }], suites: new Map([[B, [{ createdAt: t(7), branch: 'feature' }]]]) }));
    expect(heads.moves).toEqual([{ at: t(7), sha: B, before: A }]);
  });
});

const gathered = (overrides: Partial<GatheredFacts> = {}): GatheredFacts => ({
  pr: pr({ head_sha: B }),
  state: 'OPEN',
  baseSha: 'base',
  events: [],
  forced: [],
  suites: new Map(),
  reopens: 0,
  appComments: [],
  commits: [B, A],
  at: t(30),
  requests: 1,
  ...overrides,
});

const record = (): AppRecord => newRecord({ id: 'run1', flow: 'gate', version: 'v1', started_at: t(0), head_sha: A });

describe('decisions bound by the shell\'s head moves', () => {
  const flow = compileFlow(flowOf(GATE_FLOW));

  it('a comment approval that races a push counts for the old head only', () => {
    // mia approves on A at 4; B is pushed at 5; the app handles her comment at 30, when the head is B.
    const facts = runFacts({ owner: 'acme', name: 'widgets' }, gathered({ events: [comment(4, 'mia', '/approve')], suites: new Map([[B, [{ createdAt: t(5), branch: 'feature' }]]]) }), record());
    const evaluation = evaluate(flow, facts, t(30));
    expect(evaluation.decisions).toEqual([expect.objectContaining({ actor: 'mia', sha: A })]);
    expect(evaluation.effects.filter((effect) => effect.type === 'merge' && effect.sha === B)).toEqual([]);
  });

  it('with count 2, one approval on A and one on B after a missed push are not two on B', () => {
    const counted = compileFlow(flowOf(GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      count: 2')));
    const facts = runFacts(
      { owner: 'acme', name: 'widgets' },
      gathered({ events: [comment(4, 'mia', '/approve'), comment(20, 'max', '/approve')], suites: new Map([[B, [{ createdAt: t(10), branch: 'feature' }]]]) }),
      record(),
    );
    const evaluation = evaluate(counted, facts, t(30));
    expect(evaluation.run.status).toBe('waiting');
    expect(evaluation.effects.filter((effect) => effect.type === 'merge')).toEqual([]);
  });

  it('the run\'s facts carry its first head and its fixed verdicts', () => {
    const stored = { ...record(), verdicts: [{ ref: 'comment:1', step: 'review', gate: 'review', attempt: 1, decision: 'approve' as const, counted: false, rule: 'ignored: not an approver', at: t(1) }] };
    const facts = runFacts({ owner: 'acme', name: 'widgets' }, gathered(), stored);
    expect(facts.run.head_sha).toBe(A);
    expect(facts.verdicts).toEqual(stored.verdicts);
  });
});
