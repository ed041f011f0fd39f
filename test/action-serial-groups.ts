/**
 * The workflow's `concurrency.group`, computed as GitHub would for a run of
 * examples/workflows/flowgate.yml: a tiny evaluator of the expression subset the
 * workflow uses (`||`, `&&`, `==`, `!=`, `!`, parentheses, 'strings', numbers and
 * `github.*` paths), with GitHub's rules: `||` and `&&` give an operand, not a
 * boolean; null, false, 0 and '' are falsy; strings compare ignoring case; a
 * missing property is null. Anything else in an expression is an error here, so
 * a workflow change the evaluator cannot follow fails the tests instead of passing.
 */
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';

type Value = unknown;

export const WORKFLOW = load(readFileSync(new URL('../examples/workflows/flowgate.yml', import.meta.url), 'utf8')) as {
  concurrency: { group: string };
  jobs: Record<string, { if?: string }>;
};

export interface GitHubContext {
  event_name: string;
  event: Record<string, unknown>;
  run_id: number;
  repository: string;
}

const TOKEN = /\s*(\|\||&&|==|!=|!|\(|\)|'(?:[^']|'')*'|-?\d+(?:\.\d+)?|[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)/y;

function tokens(source: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(source);
    if (!match) throw new Error(`the test's expression evaluator cannot read ${JSON.stringify(source.slice(at))}`);
    out.push(match[1]!);
  }
  return out;
}

const truthy = (value: Value): boolean => !(value === null || value === undefined || value === false || value === 0 || value === '' || Number.isNaN(value));

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if ((a ?? null) === null || (b ?? null) === null) return (a ?? null) === (b ?? null);
  if (typeof a === typeof b) return a === b;
  return Number(a) === Number(b);
}

export function evaluate(expression: string, github: GitHubContext): Value {
  const list = tokens(expression);
  let index = 0;
  const peek = () => list[index];
  const take = () => list[index++];
  const primary = (): Value => {
    const token = take();
    if (token === undefined) throw new Error(`the expression ends early: ${expression}`);
    if (token === '(') {
      const value = or();
      if (take() !== ')') throw new Error(`a ( is not closed: ${expression}`);
      return value;
    }
    if (token === '!') return !truthy(primary());
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (/^-?\d/.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'null') return null;
    const [root, ...path] = token.split('.');
    if (root !== 'github') throw new Error(`the evaluator knows the github context only, not ${token}`);
    let value: Value = github;
    for (const key of path) value = value !== null && typeof value === 'object' ? ((value as Record<string, unknown>)[key] ?? null) : null;
    return value;
  };
  const comparison = (): Value => {
    const left = primary();
    const op = peek();
    if (op !== '==' && op !== '!=') return left;
    take();
    const same = equal(left, primary());
    return op === '==' ? same : !same;
  };
  const and = (): Value => {
    let value = comparison();
    while (peek() === '&&') {
      take();
      const right = comparison();
      value = truthy(value) ? right : value;
    }
    return value;
  };
  const or = (): Value => {
    let value = and();
    while (peek() === '||') {
      take();
      const right = and();
      value = truthy(value) ? value : right;
    }
    return value;
  };
  const value = or();
  if (index !== list.length) throw new Error(`the evaluator stopped at ${list[index]} in ${expression}`);
  return value;
}

/** A `${{ }}` template as GitHub renders it: each expression's value as a string (null as ''). */
export function render(template: string, github: GitHubContext): string {
  return template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) => {
    const value = evaluate(expression, github);
    return value === null || value === undefined ? '' : String(value);
  });
}

/** The concurrency group of a run of the workflow for this event. */
export const groupOf = (github: GitHubContext): string => render(WORKFLOW.concurrency.group, github);

/** Whether the job runs at all (its `if:`); a run it skips starts no runner and writes nothing. */
export const jobRuns = (github: GitHubContext): boolean => truthy(evaluate(Object.values(WORKFLOW.jobs)[0]!.if ?? 'true', github));
