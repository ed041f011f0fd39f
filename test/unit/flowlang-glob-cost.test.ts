/**
 * A flow's patterns are matched against paths and titles a PR's author writes (a draft's flows too, for its dry
 * run), with regular expressions that backtrack. Patterns whose matching can take exponential time are refused
 * at validation, with where they are and why; extended globs are not patterns at all.
 */
import { describe, expect, it } from 'vitest';
import { anyMatcher, globProblem } from '../../src/flow/glob.js';
import { validateFlowText } from '../../src/flow/validate.js';

describe('patterns that could stall the app are refused', () => {
  it.each([
    ['*a*a*a*b', 'path'],
    ['src/*a*b*c/x.ts', 'path'],
    ['**/**/**/x.ts', 'path'],
    ['*fix*bug*now', 'text'],
  ] as const)('%s (%s)', (pattern, kind) => {
    expect(globProblem(pattern, kind)).toMatch(/exponential time/);
  });

  it.each([
    ['src/**/*.ts', 'path'],
    ['**/billing/**', 'path'],
    ['docs/*-v*.md', 'path'],
    ['risk:*', 'text'],
    ['*[WIP]*', 'text'],
  ] as const)('%s (%s) is fine', (pattern, kind) => {
    expect(globProblem(pattern, kind)).toBeUndefined();
  });

  it('extended globs are off: +(a) is no repetition, and *(*a) answers a crafted path at once', () => {
    expect(anyMatcher(['+(a)'], 'path')('aaa')).toBe(false);
    expect(anyMatcher(['+(a)'], 'path')('+a')).toBe(true);
    // As an extended glob, *(*a) became a nested repetition that took minutes on 30 a's and a "!" (this test would time out).
    expect(anyMatcher(['*(*a)'], 'path')(`${'a'.repeat(30)}!`)).toBe(false);
  });

  it('a flow with such a pattern is invalid, located at the pattern', () => {
    const flow = validateFlowText('name: f\non: { pull_request: { paths: ["*a*a*a*a*a*b"] } }\nsteps:\n  - id: s\n    actions: [ { comment: hi } ]\n', 'f.yml');
    expect(flow.flow).toBeUndefined();
    expect(flow.problems).toEqual([expect.objectContaining({ code: 'invalid-glob', path: 'on.pull_request.paths[0]', line: 2 })]);
  });
});
