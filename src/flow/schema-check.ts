/**
 * Structural validation of a flow document against the published JSON Schema
 * (schemas/flow.schema.json) with ajv, turning ajv's raw errors into a few
 * located, readable problems.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { closest } from './closest.js';
import { DURATION_EXPECTED, DURATION_PATTERN, durationProblem } from './duration.js';
import { describeValue, formatPath, type PathSegment, type Problem } from './problem.js';
import type { YamlSource } from './yaml-source.js';

const validators = new Map<string, ValidateFunction>();

function validator(file: string): ValidateFunction {
  let validate = validators.get(file);
  if (!validate) {
    const schema = JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8')) as object;
    validate = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true }).compile(schema);
    validators.set(file, validate);
  }
  return validate;
}

/** Problems of a YAML document against one of the published schemas in schemas/. */
export function checkSchema(source: YamlSource, schemaFile = 'flow.schema.json'): Problem[] {
  const validate = validator(schemaFile);
  if (validate(source.value)) return [];
  return withoutEchoes(selectErrors(validate.errors ?? [], source.value)).map((error) => toProblem(error, source));
}

/** The field an unknown field was probably meant to be, among those its object allows. */
function guessFor(error: ErrorObject): string | undefined {
  const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
  return closest(String((error.params as { additionalProperty: string }).additionalProperty), allowed);
}

/**
 * One misspelt key is one mistake: `pul_request:` is an unknown field whose
 * guess is the missing required `pull_request`, so the "missing" error is an
 * echo of the same mistake and is dropped.
 */
function withoutEchoes(reported: Reported[]): Reported[] {
  const guessed = new Set(
    reported
      .filter(({ error, synthetic }) => !synthetic && error.keyword === 'additionalProperties')
      .map(({ error }) => `${error.instancePath}|${guessFor(error) ?? ''}`),
  );
  return reported.filter(
    ({ error, synthetic }) =>
      synthetic || error.keyword !== 'required' || !guessed.has(`${error.instancePath}|${(error.params as { missingProperty: string }).missingProperty}`),
  );
}

const pointerToPath = (pointer: string): PathSegment[] =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((part) => (/^\d+$/.test(part) ? Number(part) : part));

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

const branchOf = (error: ErrorObject): number | undefined => {
  const match = /\/anyOf\/(\d+)\/[^/]+$/.exec(error.schemaPath) ?? /\/anyOf\/(\d+)\//.exec(error.schemaPath);
  return match ? Number(match[1]) : undefined;
};

interface Reported {
  error: ErrorObject;
  /** A message that replaces ajv's, for unions whose branches all failed. */
  synthetic?: { message: string; expected: string };
}

/**
 * ajv reports every failed branch of every `anyOf`. The flow schema's unions are
 * told apart by one key (`approval:`, `wait:`, `labels:` …), so at each union the
 * branch whose key is present is the one the author meant: keep its errors and
 * drop the rest. When no branch's key is present, report the choice of keys.
 */
export function selectErrors(errors: readonly ErrorObject[], root: unknown): Reported[] {
  const sites = new Map<string, number>();
  for (const error of errors) {
    if (error.keyword === 'anyOf') sites.set(error.instancePath, (error.schema as unknown[]).length);
  }
  let remaining = errors.filter((error) => error.keyword !== 'anyOf');
  const synthetic: Reported[] = [];
  for (const [site, branchCount] of [...sites].sort(([a], [b]) => b.length - a.length)) {
    const here = remaining.filter((error) => error.instancePath === site && branchOf(error) !== undefined);
    if (here.length === 0) continue;
    const lost = new Set(
      here.filter((error) => error.keyword === 'required' || error.keyword === 'type').map(branchOf) as number[],
    );
    const winners = Array.from({ length: branchCount }, (_, branch) => branch).filter((branch) => !lost.has(branch));
    const value = valueAt(root, pointerToPath(site));
    if (winners.length > 0 && value !== null && typeof value === 'object') {
      const keep = new Set(winners);
      // An error without a branch in its path came through a $ref (`pull_request: Trigger | null`): it stays.
      remaining = remaining.filter((error) => error.instancePath !== site || branchOf(error) === undefined || keep.has(branchOf(error)!));
      continue;
    }
    remaining = remaining.filter((error) => !here.includes(error));
    synthetic.push({ error: here[0]!, synthetic: describeUnion(here, value) });
  }
  const seen = new Set<string>();
  const result: Reported[] = [];
  for (const reported of [...remaining.map((error): Reported => ({ error })), ...synthetic]) {
    const key = `${reported.error.instancePath}|${reported.error.keyword}|${JSON.stringify(reported.error.params)}|${reported.synthetic?.message ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(reported);
  }
  return result.sort((a, b) => a.error.instancePath.localeCompare(b.error.instancePath));
}

function describeUnion(errors: readonly ErrorObject[], value: unknown): { message: string; expected: string } {
  const keys = errors
    .filter((error) => error.keyword === 'required')
    .map((error) => (error.params as { missingProperty: string }).missingProperty);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && keys.length > 0) {
    const choices = [...new Set(keys)];
    // Only keys that no kind accepts are typos; `id` and `name` belong to every kind.
    const unknown = new Set(
      errors.filter((error) => error.keyword === 'additionalProperties').map((error) => String((error.params as { additionalProperty: string }).additionalProperty)),
    );
    const guesses = Object.keys(value)
      .filter((key) => unknown.has(key) && !choices.includes(key))
      .map((key) => [key, closest(key, choices)] as const)
      .filter(([, guess]) => guess !== undefined);
    const hint = guesses.length > 0 ? `; did you mean "${guesses[0]![1]}" instead of "${guesses[0]![0]}"?` : '';
    return { message: `this mapping is none of the allowed kinds${hint}`, expected: `one of the keys ${choices.join(', ')}` };
  }
  // Within one branch, `must be equal to "all"` says more than `must be string`.
  const specific = errors.filter(
    (error) => error.keyword !== 'type' || !errors.some((other) => other !== error && branchOf(other) === branchOf(error)),
  );
  const options = [...new Set(specific.map(expectation))];
  return { message: 'value is not allowed here', expected: options.join(', or ') };
}

function expectation(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const description = (error.parentSchema as { description?: string } | undefined)?.description;
  switch (error.keyword) {
    case 'type':
      return `${String(params.type)}`;
    case 'const':
      return JSON.stringify(params.allowedValue);
    case 'enum':
      return `one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'pattern':
      return description ?? `text matching ${String(params.pattern)}`;
    case 'minimum':
      return `a number >= ${String(params.limit)}`;
    case 'maximum':
      return `a number <= ${String(params.limit)}`;
    case 'minItems':
      return `at least ${String(params.limit)} item(s)`;
    case 'minLength':
      return params.limit === 1 ? 'a non-empty string' : `at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `at most ${String(params.limit)} characters`;
    case 'required':
      return `the field ${String(params.missingProperty)}`;
    default:
      return error.message ?? error.keyword;
  }
}

function toProblem({ error, synthetic }: Reported, source: YamlSource): Problem {
  const path = pointerToPath(error.instancePath);
  const value = valueAt(source.value, path);
  const base = { code: 'schema', severity: 'error' as const, file: source.file };
  if (synthetic) {
    return { ...base, ...source.locate(path), path: formatPath(path), message: synthetic.message, expected: synthetic.expected, found: describeValue(value) };
  }
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    const field = String(params.additionalProperty);
    const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    const guess = closest(field, allowed);
    const at = [...path, field];
    return {
      ...base,
      ...source.locate(at, 'key'),
      path: formatPath(at),
      message: `unknown field "${field}"${guess ? `; did you mean "${guess}"?` : ''}`,
      expected: allowed.length > 0 ? `one of ${allowed.join(', ')}` : 'no other fields',
    };
  }
  if (error.keyword === 'required') {
    return { ...base, ...source.locate(path), path: formatPath(path), message: `missing required field "${String(params.missingProperty)}"` };
  }
  if (error.keyword === 'propertyNames' || params.propertyName !== undefined) {
    const name = String(params.propertyName);
    const at = [...path, name];
    return { ...base, ...source.locate(at, 'key'), path: formatPath(at), message: `invalid name "${name}"`, expected: expectation(error) };
  }
  if ((error.parentSchema as { pattern?: string } | undefined)?.pattern === DURATION_PATTERN) {
    const message = durationProblem(value) ?? 'invalid duration';
    return { ...base, code: 'invalid-duration', ...source.locate(path), path: formatPath(path), message, expected: DURATION_EXPECTED, found: describeValue(value) };
  }
  return {
    ...base,
    ...source.locate(path),
    path: formatPath(path),
    message: `invalid value`,
    expected: expectation(error),
    found: describeValue(value),
  };
}
