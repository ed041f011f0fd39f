/**
 * What the app must remember between webhooks, and GitHub does not keep for it:
 * effects already applied, pushes seen (with the time the app saw them, which a
 * committer cannot backdate), check-run button clicks, and callbacks accepted.
 *
 * It lives in the output of the run's own check run, which only the app can
 * write. Where a copy must live somewhere people can edit (a comment), it is
 * signed, and an unsigned or altered copy is refused.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { z } from 'zod';
import type { FactEvent } from '../../engine/facts.js';
import { hmac, sameSignature } from '../hmac.js';

const Time = z.string().datetime({ offset: true });
const Decision = z.enum(['approve', 'decline']);

export const AppRecord = z.strictObject({
  v: z.literal(1),
  run: z.strictObject({
    id: z.string(),
    flow: z.string(),
    /** The commit of the flow file the run is pinned to. */
    version: z.string(),
    /** What the version was called when the run started: its release tag, or `default branch` (issue 10). */
    label: z.string().optional(),
    started_at: Time,
    /** The PR's head when the run started. */
    head_sha: z.string().optional(),
  }),
  /** Head moves, at the earliest time the app can prove each (a webhook it received, GitHub's own timestamps). */
  pushes: z.array(z.strictObject({ at: Time, sha: z.string(), before: z.string().optional(), actor: z.string().optional() })),
  /** Clicks on the check run's buttons; `sha` is the commit of the check run clicked. */
  buttons: z.array(z.strictObject({ at: Time, actor: z.string(), action: Decision, step: z.string().optional(), sha: z.string().optional() })),
  callbacks: z.array(
    z.strictObject({
      at: Time,
      /** The token's id, so a token completes once. */
      token: z.string(),
      step: z.string(),
      attempt: z.int(),
      actor: z.string().optional(),
      decision: Decision.optional(),
      result: z.enum(['success', 'failure']).optional(),
      reason: z.string().optional(),
      summary: z.string().optional(),
      outputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      links: z.array(z.strictObject({ title: z.string(), url: z.string() })).optional(),
      /** Refused, with the HTTP answer given; kept so the history shows it. */
      refused: z.string().optional(),
    }),
  ),
  effects: z.array(z.strictObject({ at: Time, key: z.string(), ok: z.boolean(), error: z.string().optional() })),
  /** Effects the app is about to apply where GitHub cannot show afterwards whether they were (write-ahead). */
  intents: z.array(z.strictObject({ at: Time, key: z.string() })).default([]),
  /**
   * Faults that stopped an event with an effect left pending (a timeout, a lost answer, a rate
   * limit), newest last, so the run's history shows them; only the last MAX_FAULTS are kept.
   */
  faults: z.array(z.strictObject({ at: Time, key: z.string(), text: z.string() })).default([]),
  /** First judgements of decisions, fixed for good (see Verdict in engine/facts.ts). */
  verdicts: z
    .array(
      z.strictObject({
        ref: z.string(),
        step: z.string(),
        gate: z.string(),
        attempt: z.int(),
        decision: Decision,
        counted: z.boolean(),
        rule: z.string(),
        at: Time,
        reason: z.string().optional(),
        teams: z.array(z.string()).optional(),
      }),
    )
    .default([]),
  /** A digest of what the check run last showed, so an unchanged run is not written again. */
  written: z.string().optional(),
});
export type AppRecord = z.infer<typeof AppRecord>;

export function newRecord(run: AppRecord['run']): AppRecord {
  return { v: 1, run, pushes: [], buttons: [], callbacks: [], effects: [], intents: [], faults: [], verdicts: [] };
}

/** A fault is kept this many times at most: the history needs the recent ones, and the record must stay small. */
export const MAX_FAULTS = 10;
const MAX_FAULT_TEXT = 300;

/** Keeps a fault that left an effect pending, dropping the oldest beyond MAX_FAULTS. */
export function rememberFault(record: AppRecord, fault: { at: string; key: string; text: string }): void {
  const text = fault.text.length > MAX_FAULT_TEXT ? `${fault.text.slice(0, MAX_FAULT_TEXT - 1)}…` : fault.text;
  record.faults = [...record.faults, { ...fault, text }].slice(-MAX_FAULTS);
}

/** The record's entries as engine events. */
export function recordEvents(record: AppRecord): FactEvent[] {
  return [
    ...record.pushes.map((push): FactEvent => ({ type: 'push', ...push })),
    ...record.buttons.map((button): FactEvent => ({ type: 'button', ...button })),
    ...record.callbacks.map(({ token: _token, ...callback }): FactEvent => ({ type: 'callback', ...callback })),
    ...record.effects.map((effect): FactEvent => ({ type: 'effect', ...effect })),
    ...record.faults.map(({ at, key, text }): FactEvent => ({ type: 'effect', at, key, ok: false, pending: true, error: text })),
  ];
}

const OPEN = '<!-- flowgate:record ';
const CLOSE = ' -->';

/** Marks a deflated record; records written before it are plain base64 JSON, and still read. */
const DEFLATED = 'z:';
/** A record never inflates past this: the check run holds 64 KiB, and JSON this repetitive compresses about tenfold. */
const MAX_INFLATED = 4 * 1024 * 1024;

/**
 * The record as it is embedded in Markdown: an HTML comment GitHub does not render.
 * Deflated, so a run with hundreds of decisions and verdicts fits in its check run.
 */
export function encodeRecord(record: AppRecord, secret?: string): string {
  const json = JSON.stringify(record);
  const body = `${DEFLATED}${deflateRawSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64')}`;
  return `${OPEN}${body}${secret === undefined ? '' : `.${sign(body, secret)}`}${CLOSE}`;
}

function inflate(body: string): string {
  if (!body.startsWith(DEFLATED)) return Buffer.from(body, 'base64').toString('utf8');
  return inflateRawSync(Buffer.from(body.slice(DEFLATED.length), 'base64'), { maxOutputLength: MAX_INFLATED }).toString('utf8');
}

export type DecodeResult = { ok: true; record: AppRecord } | { ok: false; error: string };

/** Finds and checks the record in a check run's text or a comment. With a secret, the signature must match. */
export function decodeRecord(text: string, secret?: string): DecodeResult {
  const start = text.lastIndexOf(OPEN);
  if (start === -1) return { ok: false, error: 'no record' };
  const end = text.indexOf(CLOSE, start + OPEN.length);
  if (end === -1) return { ok: false, error: 'the record is cut off' };
  const [body = '', signature] = text.slice(start + OPEN.length, end).split('.');
  if (secret !== undefined) {
    if (signature === undefined) return { ok: false, error: 'the record is not signed' };
    if (!sameSignature(sign(body, secret), signature)) return { ok: false, error: 'the record\'s signature does not match' };
  }
  let json: unknown;
  try {
    json = JSON.parse(inflate(body));
  } catch {
    return { ok: false, error: 'the record is not valid JSON' };
  }
  const parsed = AppRecord.safeParse(json);
  return parsed.success ? { ok: true, record: parsed.data } : { ok: false, error: `the record is malformed: ${parsed.error.issues[0]?.message ?? ''}` };
}

const sign = (body: string, secret: string): string => hmac(secret, `flowgate-record:${body}`, 'base64url');

/** GitHub's limit on a check run's text. */
export const OUTPUT_LIMIT = 65_535;

/**
 * The check run's `text`: the record first (it must never be cut), then as much
 * of the human-readable history as still fits.
 */
export function outputText(record: AppRecord, history: string, fitHistory: (text: string, limit: number) => string, secret?: string): string {
  const encoded = encodeRecord(record, secret);
  if (encoded.length > OUTPUT_LIMIT - 200) {
    throw new RecordTooLarge(`the run's record is ${encoded.length} characters; a check run holds ${OUTPUT_LIMIT}`);
  }
  return `${fitHistory(history, OUTPUT_LIMIT - encoded.length - 2)}\n\n${encoded}`;
}

/** A run whose record outgrows its check run; the shell ends the run rather than lose what it applied. */
export class RecordTooLarge extends Error {}

/**
 * A record that must be signed (Action mode: check runs written with a workflow's
 * token belong to the Actions app, and any workflow with `checks: write` can
 * write them) and is not, or no longer matches its signature. The event stops:
 * acting on it, or starting the run again without it, would trust a forger.
 */
export class RecordRefused extends Error {}
