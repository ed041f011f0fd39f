import { describe, expect, it } from 'vitest';
import { fit } from '../../src/github/history.js';
import { decodeRecord, encodeRecord, newRecord, OUTPUT_LIMIT, outputText, recordEvents, RecordTooLarge, type AppRecord } from '../../src/github/record.js';

const record = (): AppRecord => ({
  ...newRecord({ id: 'r1', flow: 'payment', version: 'f00d', started_at: '2026-11-24T09:00:00Z' }),
  pushes: [{ at: '2026-11-24T09:10:00Z', sha: 'b2', before: 'a1', actor: 'dev' }],
  buttons: [{ at: '2026-11-24T09:11:00Z', actor: 'mia', action: 'approve', step: 'manager' }],
  callbacks: [{ at: '2026-11-24T09:12:00Z', token: 'r1:agent:1', step: 'agent', attempt: 1, result: 'success', summary: 'green' }],
  effects: [{ at: '2026-11-24T09:13:00Z', key: 'r1:ship:1:action-0', ok: false, error: '409: head moved' }],
});

describe('the app record', () => {
  it('round-trips through a check run text, inside markup GitHub does not render', () => {
    const text = `### History\n...\n\n${encodeRecord(record())}`;
    expect(text).toMatch(/<!-- flowgate:record [A-Za-z0-9+/=]+ -->$/);
    expect(decodeRecord(text)).toEqual({ ok: true, record: record() });
  });

  it('signed copies verify, and a copy edited by hand is refused', () => {
    const signed = encodeRecord(record(), 'secret');
    expect(decodeRecord(signed, 'secret')).toMatchObject({ ok: true });
    const forged = encodeRecord({ ...record(), effects: [] });
    expect(decodeRecord(forged, 'secret')).toEqual({ ok: false, error: 'the record is not signed' });
    const body = signed.split(' ')[2]!;
    const tampered = signed.replace(body, `${Buffer.from(JSON.stringify({ ...record(), effects: [] })).toString('base64')}.${body.split('.')[1]}`);
    expect(decodeRecord(tampered, 'secret')).toEqual({ ok: false, error: "the record's signature does not match" });
    expect(decodeRecord(signed, 'other secret')).toMatchObject({ ok: false });
  });

  it('reports a missing, cut or malformed record instead of guessing', () => {
    expect(decodeRecord('no record here')).toEqual({ ok: false, error: 'no record' });
    expect(decodeRecord(encodeRecord(record()).slice(0, 40))).toEqual({ ok: false, error: 'the record is cut off' });
    expect(decodeRecord(`<!-- flowgate:record ${Buffer.from('{"v":2}').toString('base64')} -->`)).toMatchObject({ ok: false, error: expect.stringMatching(/^the record is malformed/) });
  });

  it('becomes engine events', () => {
    expect(recordEvents(record()).map((event) => event.type)).toEqual(['push', 'button', 'callback', 'effect']);
    expect(recordEvents(record())[2]).not.toHaveProperty('token');
  });

  it('is never cut: the history gives way so the record fits', () => {
    const history = `### History\n\`\`\`\n${'a line of history\n'.repeat(10_000)}\`\`\``;
    const text = outputText(record(), history, (body, limit) => fit([body], { pr: 'https://pr' }, limit));
    expect(text.length).toBeLessThanOrEqual(OUTPUT_LIMIT);
    expect(decodeRecord(text)).toEqual({ ok: true, record: record() });
  });

  it('refuses a record that would not fit, rather than lose part of it', () => {
    const huge = { ...record(), effects: Array.from({ length: 2000 }, (_, index) => ({ at: '2026-11-24T09:13:00Z', key: `r1:step-${index}:1:action-0`, ok: true })) };
    expect(() => outputText(huge, '', (body) => body)).toThrow(RecordTooLarge);
  });
});
