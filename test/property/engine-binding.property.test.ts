/**
 * The promise of issue 7 as properties: a merge only passes a commit that a quorum
 * approved, each approval bound to the head when it was made; a finished run is final.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.js';
import type { FactEvent, Facts } from '../../src/engine/facts.js';
import type { Evaluation } from '../../src/engine/state.js';
import { factsOf, flowOf, HEAD, NEXT, START } from '../helpers.js';
import { events as anyEvents, validFlow } from './arbitraries.js';

const RUNS = 200;
/** Pushes racing decisions at one instant are rare draws: the binding property takes more. */
const BINDING_RUNS = 500;
const THIRD = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3';
const SHAS = [HEAD, NEXT, THIRD];
const ACTORS = ['mia', 'max', 'sam', 'mia', 'max', 'sam', 'dev', 'rob'];

/** A gate of `count` from three listed approvers, then a merge; a decline waits for a push and asks again. */
const gateFlow = (count: number, sources: string) =>
  flowOf(`name: bound
on: { pull_request: {} }
steps:
  - id: review
    approval: { from: { users: [mia, max, sam] }, count: ${count}, exclude: [author, committers]${sources} }
    on_approve: ship
    on_decline: fix
  - id: ship
    actions: [ { merge: { method: squash } } ]
    next: succeed
  - id: fix
    wait: { push: true }
    next: review
`);

const flows = fc.tuple(fc.constantFrom(1, 2, 3), fc.constantFrom('', ', sources: [comment, label, button]', ', sources: [review, callback]')).map(([count, sources]) => ({ count, flow: gateFlow(count, sources) }));

const iso = (minute: number) => new Date(START + minute * 60_000).toISOString();

/** One thing happening at a minute; few minutes, so pushes and decisions often share an instant. */
const eventAt = (minute: number, index: number): fc.Arbitrary<FactEvent> => {
  const at = iso(minute);
  const actor = fc.constantFrom(...ACTORS);
  return fc.oneof(
    fc.record({ actor, body: fc.constantFrom('/approve', '/decline no') }).map((event) => ({ type: 'comment' as const, at, id: `c${index}`, ...event })),
    actor.map((who) => ({ type: 'labeled' as const, at, actor: who, label: 'flowgate:approve' })),
    fc.record({ actor, sha: fc.option(fc.constantFrom(...SHAS), { nil: undefined }) }).map(({ actor: who, sha }) => ({ type: 'button' as const, at, actor: who, action: 'approve' as const, ...(sha ? { sha } : {}) })),
    fc.record({ actor, sha: fc.constantFrom(...SHAS), state: fc.constantFrom('approved' as const, 'changes_requested' as const) }).map((event) => ({ type: 'review' as const, at, id: `r${index}`, ...event })),
    fc.record({ actor, attempt: fc.constantFrom(1, 2) }).map((event) => ({ type: 'callback' as const, at, step: 'review', decision: 'approve' as const, ...event })),
    fc.record({ sha: fc.constantFrom(...SHAS), actor: fc.option(actor, { nil: undefined }) }).map(({ sha, actor: who }) => ({ type: 'push' as const, at, sha, ...(who ? { actor: who } : {}) })),
  );
};

const timelines: fc.Arbitrary<FactEvent[]> = fc
  .array(fc.integer({ min: 1, max: 4 }), { maxLength: 14 })
  .map((minutes) => [...minutes].sort((a, b) => a - b))
  .chain((minutes) => (minutes.length === 0 ? fc.constant([]) : fc.tuple(...minutes.map((minute, index) => eventAt(minute, index)))));

/** What the shell guarantees: the run's starting head, and the last push is today's head. */
function shellFacts(events: FactEvent[]): Facts {
  const pushes = events.filter((event) => event.type === 'push');
  const head = pushes.length > 0 ? (pushes.at(-1) as Extract<FactEvent, { type: 'push' }>).sha : HEAD;
  const facts = factsOf(events, { head_sha: head });
  return { ...facts, run: { ...facts.run, head_sha: HEAD } };
}

/**
 * The commit each decision was made on, worked out from the facts alone: a review's
 * and a clicked button's own commit, else the head after the pushes before it.
 */
function bindings(events: FactEvent[]): Map<string, Set<string>> {
  const bound = new Map<string, Set<string>>();
  // Two clicks by one person at one instant share a ref: either commit may be the one recorded.
  const set = (ref: string, sha: string) => bound.set(ref, (bound.get(ref) ?? new Set()).add(sha));
  let head = HEAD;
  for (const event of events) {
    switch (event.type) {
      case 'push':
        head = event.sha;
        break;
      case 'review':
        set(`review:${event.id}`, event.sha);
        break;
      case 'comment':
        set(`comment:${event.id}`, head);
        break;
      case 'labeled':
        set(`label:${event.label}:${event.actor}:${event.at}`, head);
        break;
      case 'button':
        set(`button:${event.actor}:${event.at}`, event.sha ?? head);
        break;
      case 'callback':
        set(`callback:${event.step}:${event.attempt}:${event.actor ?? '-'}:${event.at}`, head);
        break;
      default:
        break;
    }
  }
  return bound;
}

describe('binding properties', () => {
  it('every merge passes a commit with a quorum of counted approvals bound to that very commit', () => {
    fc.assert(
      fc.property(flows, timelines, ({ count, flow }, events) => {
        const result = evaluate(flow, shellFacts(events), START + 60 * 60_000);
        const truth = bindings(events);
        for (const decision of result.decisions) {
          if (decision.counted) expect([...truth.get(decision.ref!)!], `${decision.ref} is bound to the wrong commit`).toContain(decision.sha);
        }
        for (const merge of result.effects.filter((effect) => effect.type === 'merge')) {
          const approvers = new Set(
            result.decisions
              .filter((decision) => decision.step === 'review' && decision.counted && decision.decision === 'approve' && decision.sha === merge.sha && truth.get(decision.ref!)!.has(merge.sha))
              .map((decision) => `${decision.attempt}:${decision.actor}`),
          );
          const perAttempt = new Map<string, number>();
          for (const key of approvers) perAttempt.set(key.split(':')[0]!, (perAttempt.get(key.split(':')[0]!) ?? 0) + 1);
          expect(Math.max(0, ...perAttempt.values()), `merge of ${merge.sha.slice(0, 7)} without ${count} approvals of it`).toBeGreaterThanOrEqual(count);
        }
      }),
      { numRuns: BINDING_RUNS },
    );
  });

  it('a finished run is final: later events change neither its outcome nor its effects', () => {
    const minute = fc.integer({ min: 0, max: 10 * 60 });
    fc.assert(
      fc.property(validFlow, anyEvents, minute, (flow, list, cut) => {
        // The same facts seen at two times: whatever arrives after the run ended.
        const facts = factsOf(list);
        const before = evaluate(flow, facts, START + cut * 60_000);
        if (before.run.status === 'waiting') return;
        const later = evaluate(flow, facts, START + 3 * 24 * 60 * 60_000);
        const final = (evaluation: Evaluation) => ({ run: evaluation.run, steps: evaluation.steps, effects: evaluation.effects });
        expect(final(later)).toEqual(final(before));
        expect(later.decisions.slice(0, before.decisions.length)).toEqual(before.decisions);
      }),
      { numRuns: RUNS },
    );
  });

  it('an evaluation with the verdicts it gave reproduces itself exactly', () => {
    const now = fc.integer({ min: 0, max: 3 * 24 * 60 }).map((minutes) => START + minutes * 60_000);
    fc.assert(
      fc.property(validFlow, anyEvents, now, (flow, list, time) => {
        const first = evaluate(flow, factsOf(list), time);
        const again = evaluate(flow, { ...factsOf(list), verdicts: JSON.parse(JSON.stringify(first.verdicts)) }, time);
        expect(again).toEqual(first);
      }),
      { numRuns: RUNS },
    );
  });
});
