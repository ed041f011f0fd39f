/**
 * Fields written in a PR body, as people and PR templates write them:
 *
 *   amount: 12,000           - **Risk:** high          ### Amount
 *                                                       12000
 *
 * Names are matched case-insensitively with spaces and dashes as underscores;
 * the first occurrence of a name wins. Fenced code blocks are skipped.
 */
export type FieldValue = string;

const LINE_FIELD = /^\s*(?:[-*+]\s+)?(?:\*\*|__)?([A-Za-z][A-Za-z0-9 _-]{0,40}?)(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*?)\s*$/;
const HEADING = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/;

export function fieldName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

export function parseBodyFields(body: string): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  const set = (name: string, value: string) => {
    const key = fieldName(name);
    if (key !== '' && value !== '' && !(key in fields)) fields[key] = value.replace(/^\*\*|\*\*$/g, '').trim();
  };
  const lines = body.split(/\r?\n/);
  let fence = false;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (/^\s*(```|~~~)/.test(line)) {
      fence = !fence;
      continue;
    }
    if (fence) continue;
    const heading = HEADING.exec(line);
    if (heading) {
      let next = index + 1;
      while (next < lines.length && lines[next]!.trim() === '') next += 1;
      const value = lines[next];
      if (value !== undefined && !HEADING.test(value) && !/^\s*(```|~~~)/.test(value)) set(heading[1]!, value.trim());
      continue;
    }
    const match = LINE_FIELD.exec(line);
    // `See https://…` is prose with a link, not a field.
    if (match && !match[2]!.startsWith('//')) set(match[1]!, match[2]!);
  }
  return fields;
}

/** Reads "12,000", "$12,000.50", "12000 USD" and "1.2e4" as numbers; undefined when it is not one. */
export function numericValue(value: string): number | undefined {
  const cleaned = value.replace(/^[^\d+\-.]+/, '').replace(/[,_\s]/g, '').replace(/[A-Za-z%]+$/, '');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(cleaned)) return undefined;
  const number = Number(cleaned);
  return Number.isFinite(number) ? number : undefined;
}
