import { describe, expect, it } from 'vitest';
import { problemsOf } from '../helpers.js';

const flow = (steps: string, extra = '') => `name: f\non: { pull_request: {} }\n${extra}steps:\n${steps}`;

describe('structural validation against schemas/flow.schema.json', () => {
  it('names an unknown field, suggests the likely one, and points at the key', () => {
    const [problem] = problemsOf(flow('  - id: a\n    approval: { from: { users: [mia] } }\n    on_aprove: succeed\n'));
    expect(problem).toMatchObject({
      code: 'schema',
      line: 6,
      col: 5,
      path: 'steps[0].on_aprove',
      message: 'unknown field "on_aprove"; did you mean "on_approve"?',
    });
    expect(problem!.expected).toContain('on_approve');
  });

  it('reports errors inside the step kind the author meant, not every kind', () => {
    const problems = problemsOf(flow('  - id: a\n    approval: { from: { users: [mia] }, count: 0 }\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'steps[0].approval.count', line: 5, found: '0' });
    expect(problems[0]!.expected).toBe('a number >= 1, or "all"');
  });

  it('lists the allowed kinds when a step has none of them', () => {
    const [problem] = problemsOf(flow('  - id: a\n    aproval: {}\n'));
    expect(problem!.message).toMatch(/none of the allowed kinds; did you mean "approval" instead of "aproval"/);
    expect(problem!.expected).toMatch(/approval, parallel, wait, actions/);
    expect(problem!.message).not.toMatch(/instead of "id"/);
  });

  it('explains a malformed duration by what a duration looks like', () => {
    const [problem] = problemsOf(flow('  - id: a\n    approval: { from: { users: [mia] }, timeout: 24x }\n'));
    expect(problem).toMatchObject({ path: 'steps[0].approval.timeout', found: '"24x"' });
    expect(problem!.expected).toMatch(/a number and a unit .*such as 30m/);
  });

  it('reports a nested condition error at its own path', () => {
    const [problem] = problemsOf(flow('  - id: a\n    if: { any: [ { labels: [x] }, { lables: [y] } ] }\n    then: succeed\n'));
    expect(problem!.path).toBe('steps[0].if.any[1]');
    expect(problem!.message).toMatch(/did you mean "labels"/);
  });

  it('reports a missing required field', () => {
    const [problem] = problemsOf('name: f\nsteps:\n  - id: a\n    actions: [ { close: {} } ]\n');
    expect(problem).toMatchObject({ message: 'missing required field "on"', line: 1 });
  });

  it('reports a value of the wrong type with what was found', () => {
    const [problem] = problemsOf(flow('  - id: a\n    approval: { from: { users: mia } }\n'));
    expect(problem).toMatchObject({ path: 'steps[0].approval.from.users', expected: 'array', found: '"mia"' });
  });

  it('reports an empty file', () => {
    expect(problemsOf('')[0]).toMatchObject({ code: 'empty-file', line: 1 });
  });
});
