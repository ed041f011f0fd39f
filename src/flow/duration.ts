/**
 * Durations: one grammar for every duration of the flow language and of
 * scenarios, checked by the JSON Schema (the pattern below) and parsed here.
 * A number, then a unit, in any case: `30m`, `8h`, `1.5 Hours`, `2D`, `1w`.
 */
import ms from 'ms';

/** The longest wait a flow may ask for; anything longer is almost surely a typo. */
export const MAX_DURATION_DAYS = 366;
export const MAX_DURATION_MS = MAX_DURATION_DAYS * 24 * 3600 * 1000;

const UNITS: readonly [names: readonly string[], milliseconds: number][] = [
  [['s', 'sec', 'secs', 'second', 'seconds'], 1000],
  [['m', 'min', 'mins', 'minute', 'minutes'], 60_000],
  [['h', 'hr', 'hrs', 'hour', 'hours'], 3_600_000],
  [['d', 'day', 'days'], 86_400_000],
  [['w', 'week', 'weeks'], 604_800_000],
];
const UNIT_MS = new Map(UNITS.flatMap(([names, value]) => names.map((name) => [name, value] as const)));

// JSON Schema patterns have no case-insensitive flag, so each letter is a class.
const caseless = (word: string): string => [...word].map((letter) => `[${letter}${letter.toUpperCase()}]`).join('');
const unitAlternatives = [...UNIT_MS.keys()].sort((a, b) => b.length - a.length).map(caseless).join('|');

/** The grammar, as the JSON Schema pattern of every duration field. */
export const DURATION_PATTERN = `^\\s*\\d+(\\.\\d+)?\\s*(${unitAlternatives})\\s*$`;
const GRAMMAR = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i;

export const DURATION_EXPECTED = `a duration of at most ${MAX_DURATION_DAYS} days: a number and a unit (s, m, h, d, w), such as 30m, 8h, 2d or 1w`;

/** What is wrong with a duration, or undefined when it is one. */
export function durationProblem(value: unknown): string | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value))) {
    const number = String(value).trim();
    return `a bare number is not a duration: give a unit, such as "${number}m" for ${number} minutes or "${number}h" for ${number} hours`;
  }
  if (typeof value !== 'string') return 'a duration is text, such as 30m';
  const match = GRAMMAR.exec(value);
  const unit = match ? UNIT_MS.get(match[2]!.toLowerCase()) : undefined;
  if (!match || unit === undefined) return `${JSON.stringify(value)} is not a duration`;
  const milliseconds = Number(match[1]) * unit;
  if (milliseconds <= 0) return `${JSON.stringify(value)} is not a positive duration`;
  if (milliseconds > MAX_DURATION_MS) return `${JSON.stringify(value)} is longer than the maximum of ${MAX_DURATION_DAYS} days`;
  return undefined;
}

/** Milliseconds for a duration in the grammar above; undefined for anything else, zero or too long included. */
export function parseDuration(text: string): number | undefined {
  if (durationProblem(text) !== undefined) return undefined;
  const match = GRAMMAR.exec(text)!;
  return Number(match[1]) * UNIT_MS.get(match[2]!.toLowerCase())!;
}

export function formatDuration(milliseconds: number): string {
  return ms(milliseconds, { long: false });
}
