/**
 * A problem found in user input: where it is, what was found, what was expected.
 * Problems are values, never exceptions, so one pass can report all of them.
 */
export interface Problem {
  /** A stable code that scripts can branch on, e.g. `unknown-step`. */
  code: string;
  severity: 'error' | 'warning';
  file?: string;
  /** 1-based line and column of the offending node, when the source is known. */
  line?: number;
  col?: number;
  /** The field path inside the document, e.g. `steps[2].approval.count`; empty for the whole file. */
  path: string;
  message: string;
  expected?: string;
  found?: string;
}

export type PathSegment = string | number;

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** `file:line:col: error: message (at path); expected X, found Y` */
export function formatProblem(problem: Problem): string {
  const where = [problem.file ?? '<input>', problem.line, problem.col].filter((part) => part !== undefined).join(':');
  let text = `${where}: ${problem.severity}: ${problem.message}`;
  if (problem.path !== '') text += ` (at ${problem.path})`;
  const detail = [
    problem.expected !== undefined ? `expected ${problem.expected}` : undefined,
    problem.found !== undefined ? `found ${problem.found}` : undefined,
  ].filter(Boolean);
  if (detail.length > 0) text += `\n    ${detail.join(', ')}`;
  return text;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value as object);
    return keys.length === 0 ? 'an empty mapping' : `a mapping with ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}`;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

export const hasErrors = (problems: readonly Problem[]): boolean =>
  problems.some((problem) => problem.severity === 'error');
