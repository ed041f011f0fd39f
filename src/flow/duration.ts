import ms from 'ms';

/** The longest wait a flow may ask for; anything longer is almost surely a typo. */
export const MAX_DURATION_MS = 366 * 24 * 3600 * 1000;

/** Parses `30m`, `8h`, `2d`, `1w`, `1.5h`; undefined for anything else, zero or negative included. */
export function parseDuration(text: string): number | undefined {
  if (!/[a-z]/i.test(text)) return undefined; // ms() reads a bare number as milliseconds
  const value = ms(text.trim() as ms.StringValue) as number | undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_DURATION_MS) return undefined;
  return value;
}

export function formatDuration(milliseconds: number): string {
  return ms(milliseconds, { long: false });
}
