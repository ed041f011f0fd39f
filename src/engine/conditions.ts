/**
 * Routing conditions, evaluated against the PR as it is at the moment of routing.
 * Each result carries the reason, so the history can say which rule fired.
 */
import type { CompiledFlow } from '../flow/compile.js';
import type { Condition, FieldTestInput, NumberTestInput } from '../flow/schema.js';
import { fieldName, numericValue } from './body-fields.js';
import type { PrContext } from './pr-context.js';

export interface ConditionResult {
  value: boolean;
  reason: string;
}

export interface ConditionInput {
  flow: CompiledFlow;
  context: PrContext;
  /** Labels at the moment of routing. */
  labels: readonly string[];
}

export function evaluateCondition(condition: Condition, input: ConditionInput): ConditionResult {
  const { flow, context, labels } = input;
  const { pr } = context;
  if ('all' in condition) {
    const results = condition.all.map((child) => evaluateCondition(child, input));
    const failed = results.find((result) => !result.value);
    return failed ? { value: false, reason: failed.reason } : { value: true, reason: results.map((result) => result.reason).join(' and ') };
  }
  if ('any' in condition) {
    const results = condition.any.map((child) => evaluateCondition(child, input));
    const passed = results.find((result) => result.value);
    return passed ? passed : { value: false, reason: `none of: ${results.map((result) => result.reason).join('; ')}` };
  }
  if ('not' in condition) {
    const inner = evaluateCondition(condition.not, input);
    return { value: !inner.value, reason: `not (${inner.reason})` };
  }
  if ('labels' in condition) {
    const matches = flow.matcher(condition.labels, 'text');
    const label = labels.find((name) => matches(name));
    return label !== undefined
      ? { value: true, reason: `label ${label} is present` }
      : { value: false, reason: `no label matches ${condition.labels.join(', ')}` };
  }
  if ('paths' in condition) {
    const matches = flow.matcher(condition.paths, 'path');
    const file = pr.files.find((changed) => matches(changed.path));
    return file
      ? { value: true, reason: `${file.path} matches ${condition.paths.join(', ')}` }
      : { value: false, reason: `no changed file matches ${condition.paths.join(', ')}` };
  }
  if ('changed_lines' in condition) return compare('changed lines', context.changedLines, condition.changed_lines);
  if ('changed_files' in condition) return compare('changed files', pr.files.length, condition.changed_files);
  if ('author' in condition) return listMatch('author', pr.author, condition.author, flow);
  if ('base' in condition) return listMatch('base branch', pr.base, condition.base, flow, 'path');
  if ('head' in condition) return listMatch('head branch', pr.head, condition.head, flow, 'path');
  if ('title' in condition) return listMatch('title', pr.title, condition.title, flow);
  if ('author_team' in condition) {
    const team = condition.author_team.find((slug) => context.members(slug).has(context.author));
    return team
      ? { value: true, reason: `author ${pr.author} is a member of ${team}` }
      : { value: false, reason: `author ${pr.author} is in none of ${condition.author_team.join(', ')}` };
  }
  if ('draft' in condition) {
    return { value: pr.draft === condition.draft, reason: pr.draft ? 'the PR is a draft' : 'the PR is not a draft' };
  }
  return fieldTest(condition, context, flow);
}

function listMatch(what: string, value: string, patterns: string[], flow: CompiledFlow, kind: 'path' | 'text' = 'text'): ConditionResult {
  const value_ = flow.matcher(patterns, kind)(value);
  return { value: value_, reason: `${what} ${JSON.stringify(value)} ${value_ ? 'matches' : 'does not match'} ${patterns.join(', ')}` };
}

const OPERATORS: [keyof NumberTestInput, string, (a: number, b: number) => boolean][] = [
  ['gt', '>', (a, b) => a > b],
  ['gte', '>=', (a, b) => a >= b],
  ['lt', '<', (a, b) => a < b],
  ['lte', '<=', (a, b) => a <= b],
  ['eq', '=', (a, b) => a === b],
];

function compare(what: string, actual: number, test: NumberTestInput): ConditionResult {
  for (const [key, symbol, holds] of OPERATORS) {
    const limit = test[key];
    if (limit !== undefined && !holds(actual, limit)) return { value: false, reason: `${what} ${actual} is not ${symbol} ${limit}` };
  }
  const parts = OPERATORS.filter(([key]) => test[key] !== undefined).map(([key, symbol]) => `${symbol} ${test[key]}`);
  return { value: true, reason: `${what} ${actual} ${parts.join(' and ')}` };
}

function fieldTest(test: FieldTestInput, context: PrContext, flow: CompiledFlow): ConditionResult {
  const name = fieldName(test.field);
  const raw = context.fields()[name];
  const label = `field ${test.field}`;
  if (test.exists !== undefined && (raw !== undefined) !== test.exists) {
    return { value: false, reason: `${label} is ${raw === undefined ? 'missing' : 'present'}` };
  }
  if (raw === undefined) {
    const needsValue = Object.keys(test).some((key) => key !== 'field' && key !== 'exists');
    return needsValue ? { value: false, reason: `${label} is missing from the PR body` } : { value: true, reason: `${label} is missing` };
  }
  const bounds: NumberTestInput = { gt: test.gt, gte: test.gte, lt: test.lt, lte: test.lte };
  let numeric: ConditionResult | undefined;
  if (OPERATORS.some(([key]) => bounds[key] !== undefined)) {
    const number = numericValue(raw);
    if (number === undefined) return { value: false, reason: `${label} ${JSON.stringify(raw)} is not a number` };
    numeric = compare(label, number, bounds);
    if (!numeric.value) return numeric;
  }
  const same = (expected: string | number | boolean) =>
    typeof expected === 'number' ? numericValue(raw) === expected : raw.toLowerCase() === String(expected).toLowerCase();
  if (test.eq !== undefined && !same(test.eq)) return { value: false, reason: `${label} ${JSON.stringify(raw)} is not ${JSON.stringify(test.eq)}` };
  if (test.ne !== undefined && same(test.ne)) return { value: false, reason: `${label} is ${JSON.stringify(raw)}` };
  if (test.in !== undefined && !test.in.some(same)) {
    return { value: false, reason: `${label} ${JSON.stringify(raw)} is not one of ${test.in.join(', ')}` };
  }
  if (test.matches !== undefined && !flow.matcher([test.matches], 'text')(raw)) {
    return { value: false, reason: `${label} ${JSON.stringify(raw)} does not match ${test.matches}` };
  }
  return numeric ?? { value: true, reason: `${label} is ${JSON.stringify(raw)}` };
}
