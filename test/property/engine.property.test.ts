import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engineContext, evaluate, foldEvents, resume } from '../../src/engine/evaluate.js';
import type { Evaluation } from '../../src/engine/state.js';
import { factsOf, START } from '../helpers.js';
import { events, ineligibleDecision, validFlow } from './arbitraries.js';

const RUNS = 150;
const now = fc.integer({ min: 0, max: 3 * 24 * 60 }).map((minutes) => START + minutes * 60_000);

/** The outcome of a run, without the record of who said what. */
const outcome = (evaluation: Evaluation) => ({
  run: evaluation.run,
  steps: evaluation.steps,
  effects: evaluation.effects.filter((effect) => effect.origin !== 'refusal'),
});

describe('engine properties', () => {
  it('evaluation is deterministic', () => {
    fc.assert(
      fc.property(validFlow, events, now, (flow, list, time) => {
        const first = evaluate(flow, factsOf(list), time);
        const second = evaluate(structuredClone(flow), factsOf(structuredClone(list)), time);
        expect(JSON.stringify(second)).toBe(JSON.stringify(first));
      }),
      { numRuns: RUNS },
    );
  });

  it('no valid flow makes the engine throw, whatever happens', () => {
    fc.assert(
      fc.property(validFlow, events, now, (flow, list, time) => {
        const result = evaluate(flow, factsOf(list), time);
        expect(['waiting', 'succeeded', 'declined', 'failed', 'cancelled']).toContain(result.run.status);
      }),
      { numRuns: RUNS },
    );
  });

  it('a decision from someone ineligible never changes the outcome', () => {
    const withIntruder = fc.tuple(validFlow, events, fc.integer({ min: 0, max: 600 })).chain(([flow, list, minute]) =>
      fc.tuple(fc.constant(flow), fc.constant(list), ineligibleDecision(minute)),
    );
    fc.assert(
      fc.property(withIntruder, now, ([flow, list, intruder], time) => {
        const base = evaluate(flow, factsOf(list), time);
        const noisy = evaluate(flow, factsOf([...list, intruder]), time);
        expect(outcome(noisy)).toEqual(outcome(base));
      }),
      { numRuns: RUNS },
    );
  });

  it('replaying from any stored prefix gives the same final state', () => {
    const withCut = fc.tuple(validFlow, events).chain(([flow, list]) => fc.tuple(fc.constant(flow), fc.constant(list), fc.integer({ min: 0, max: list.length })));
    fc.assert(
      fc.property(withCut, now, ([flow, list, cut], time) => {
        const facts = factsOf(list);
        const whole = evaluate(flow, facts, time);
        const context = engineContext(flow, facts);
        const prefixEnd = cut > 0 ? context.times[cut - 1]! : START;
        if (prefixEnd > time) return;
        // What a stateless process would store and read back between two webhooks.
        const stored = JSON.parse(JSON.stringify(foldEvents(context, cut)));
        expect(resume(context, stored, cut, time)).toEqual(whole);
      }),
      { numRuns: RUNS },
    );
  });
});
