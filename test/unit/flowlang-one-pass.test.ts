import { describe, expect, it } from 'vitest';
import { problemsOf } from '../helpers.js';

/** Six mistakes: four the schema sees, two only the semantic checks see. */
const SIX_MISTAKES = `name: payments
on:
  pull_request:
    branchs: [main]
steps:
  - id: route
    if: { labels: ["risk:*"] }
    then: reviw
  - id: review
    approval:
      from: { users: [mia] }
      cuont: 2
      timeout: 2d
      escalate:
        - after: 3d
          message: "{{pr.titel}}"
  - id: cooldown
    wait: { duration: 90 }
  - id: ship
    actions:
      - merge: { method: sqash }
  - id: tell
    actions: [ { webhook: { connection: slack } } ]
`;

describe('all problems of a file in one pass', () => {
  it('reports the schema mistakes and the semantic ones together, sorted by line', () => {
    const problems = problemsOf(SIX_MISTAKES);
    const found = problems.map((problem) => [problem.line, problem.code, problem.path]);
    expect(found).toEqual([
      [4, 'schema', 'on.pull_request.branchs'],
      [8, 'unknown-step', 'steps[0].then'],
      [12, 'schema', 'steps[1].approval.cuont'],
      [18, 'invalid-duration', 'steps[2].wait.duration'],
      [21, 'schema', 'steps[3].actions[0].merge.method'],
      [23, 'unknown-connection', 'steps[4].actions[0].webhook.connection'],
    ]);
  });

  it('a step with a schema error is not also blamed by checks that would read it half-understood', () => {
    // The escalation fires after the deadline, and the template names an unknown variable, but
    // the gate also has a typo: only what the author can act on now is reported for that step.
    const problems = problemsOf(SIX_MISTAKES);
    expect(problems.filter((problem) => problem.path.startsWith('steps[1]'))).toHaveLength(1);
  });

  it('a semantic check in a sound step still runs when another step has a schema error', () => {
    const problems = problemsOf(`name: f\non: { pull_request: {} }\nsteps:\n  - id: a\n    wait: { duration: 1h, extra: 1 }\n  - id: b\n    approval: { from: { users: [mia] }, count: 3 }\n`);
    expect(problems.map((problem) => [problem.line, problem.code])).toEqual([[5, 'schema'], [7, 'quorum-unreachable']]);
  });

  it('does not crash, and keeps the schema problems, when the document is too broken to check further', () => {
    for (const text of ['name: f\non: 3\nsteps: 4\n', 'name: f\non: { pull_request: { branches: main } }\nsteps:\n  - 7\n  - id: a\n    approval: 3\n', 'steps: [ { id: a, actions: [ { webhook: 3 } ] } ]\n']) {
      const problems = problemsOf(text);
      expect(problems.length, text).toBeGreaterThan(0);
      expect(problems.every((problem) => problem.line !== undefined), text).toBe(true);
    }
  });
});
