import { describe, expect, it } from 'vitest';
import { fit } from '../../src/github/history/render.js';
import { decodeRecord, encodeRecord, newRecord, OUTPUT_LIMIT, outputText, recordEvents, RecordTooLarge, type AppRecord } from '../../src/github/history/record.js';

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
    expect(text).toMatch(/<!-- flowgate:record z:[A-Za-z0-9+/=]+ -->$/);
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

  it('still reads a record written before records were deflated', () => {
    const plain = `<!-- flowgate:record ${Buffer.from(JSON.stringify(record())).toString('base64')} -->`;
    expect(decodeRecord(plain)).toEqual({ ok: true, record: { ...record(), intents: [], verdicts: [] } });
  });

  it('holds 300 decisions with their verdicts, pushes, buttons and effects, well inside a check run', () => {
    const verdicts = Array.from({ length: 300 }, (_, index) => ({
      ref: index % 3 === 0 ? `review:${3_000_000_000 + index * 7919}` : index % 3 === 1 ? `comment:${2_400_000_000 + index * 104_729}` : `button:user-${index}:2026-11-24T10:${String(index % 60).padStart(2, '0')}:00.000Z`,
      step: `step-${index % 4}`,
      gate: `step-${index % 4}`,
      attempt: 1 + (index % 3),
      decision: index % 5 === 0 ? ('decline' as const) : ('approve' as const),
      counted: index % 2 === 0,
      rule: index % 2 === 0 ? `counted: member of acme/team-${index % 7}` : `ignored: user-${index} is not an approver (approvers: @acme/team-${index % 7})`,
      at: new Date(Date.parse('2026-11-24T09:00:00Z') + index * 61_000).toISOString(),
    }));
    const busy: AppRecord = {
      ...record(),
      verdicts,
      buttons: Array.from({ length: 100 }, (_, index) => ({ at: verdicts[index]!.at, actor: `user-${index}`, action: 'approve', step: 'step-1', sha: 'b'.repeat(40) })),
      effects: Array.from({ length: 100 }, (_, index) => ({ at: verdicts[index]!.at, key: `r1:step-${index % 4}:${index}:gate-comment`, ok: true })),
    };
    const encoded = encodeRecord(busy, 'secret');
    expect(encoded.length).toBeLessThan(OUTPUT_LIMIT / 2);
    expect(decodeRecord(encoded, 'secret')).toEqual({ ok: true, record: busy });
  });

  it('refuses a record that would not fit, rather than lose part of it', () => {
    const huge = { ...record(), effects: Array.from({ length: 4000 }, (_, index) => ({ at: new Date(Date.parse('2026-11-24T09:13:00Z') + index * 7_001).toISOString(), key: `r1:step-${(index * 7919) % 100_003}:${index}:action-${index % 7}`, ok: true, error: `${index * 104_729}` })) };
    expect(() => outputText(huge, '', (body) => body)).toThrow(RecordTooLarge);
  });
});
