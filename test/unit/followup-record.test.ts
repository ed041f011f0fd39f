/**
 * The record keeps faults (bounded) and verdicts with their reason and teams, and
 * still reads records written before these fields existed.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.js';
import type { FactEvent } from '../../src/engine/facts.js';
import { decodeRecord, encodeRecord, MAX_FAULTS, newRecord, recordEvents, rememberFault } from '../../src/github/history/record.js';
import { factsOf, flowOf, GATE_FLOW, review, t } from '../helpers.js';

const fresh = () => newRecord({ id: 'r1', flow: 'gate', version: 'f00d', started_at: '2026-11-24T09:00:00Z' });

describe('faults in the record', () => {
  it('keeps only the last MAX_FAULTS faults, newest last', () => {
    const record = fresh();
    for (let index = 0; index < MAX_FAULTS + 3; index += 1) rememberFault(record, { at: t(index), key: 'r1:ship:1:action-0', text: `fault ${index}` });
    expect(record.faults).toHaveLength(MAX_FAULTS);
    expect(record.faults[0]!.text).toBe('fault 3');
    expect(record.faults.at(-1)!.text).toBe(`fault ${MAX_FAULTS + 2}`);
  });

  it('cuts a long fault text', () => {
    const record = fresh();
    rememberFault(record, { at: t(1), key: 'k', text: 'x'.repeat(5000) });
    expect(record.faults[0]!.text.length).toBeLessThanOrEqual(300);
  });

  it('a record written before faults were kept still reads, with none', () => {
    const { faults: _faults, ...old } = fresh();
    const decoded = decodeRecord(`<!-- flowgate:record ${Buffer.from(JSON.stringify(old)).toString('base64')} -->`);
    expect(decoded).toEqual({ ok: true, record: fresh() });
  });

  it('verdicts keep their reason and teams through the record', () => {
    const record = { ...fresh(), verdicts: [{ ref: 'comment:1', step: 'review', gate: 'review', attempt: 1, decision: 'decline' as const, counted: true, rule: 'counted: listed approver', at: t(1), reason: 'totals are wrong', teams: ['acme/managers'] }] };
    expect(decodeRecord(encodeRecord(record))).toEqual({ ok: true, record });
  });
});

describe('a fault in the engine', () => {
  it('adds a history line and changes nothing else', () => {
    const flow = flowOf(GATE_FLOW);
    const events = [review(5, 'mia')];
    const before = evaluate(flow, factsOf(events), t(10));
    const merge = before.effects.find((effect) => effect.type === 'merge')!;
    const record = fresh();
    rememberFault(record, { at: t(6), key: merge.key, text: 'merge (merge) at a1a1a1a: timed out after 10s: PUT /repos/acme/widgets/pulls/7/merge' });
    const faults = recordEvents(record).filter((event): event is Extract<FactEvent, { type: 'effect' }> => event.type === 'effect');
    const after = evaluate(flow, factsOf([...events, ...faults]), t(10));
    expect(after.history.filter((line) => !line.text.startsWith('fault: '))).toEqual(before.history);
    expect(after.history.map((line) => line.text)).toContain('fault: merge (merge) at a1a1a1a: timed out after 10s: PUT /repos/acme/widgets/pulls/7/merge');
    expect(after.history.find((line) => line.text.startsWith('fault: '))).toMatchObject({ at: t(6), step: 'ship' });
    expect({ ...after, history: [] }).toEqual({ ...before, history: [] });
    expect(after.effects.find((effect) => effect.key === merge.key)!.status).toBe('pending');
  });
});
