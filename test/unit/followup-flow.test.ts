/**
 * A repository_dispatch GitHub would refuse is refused when the flow is validated:
 * Flowgate adds client_payload.flowgate_effect_key, and GitHub allows 10 top-level properties.
 */
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../helpers.js';

const dispatch = (payload: string) => `name: f
on: { pull_request: {} }
steps:
  - id: ship
    actions:
      - repository_dispatch:
          event_type: approved
          client_payload: ${payload}
`;
const properties = (count: number) => `{ ${Array.from({ length: count }, (_, index) => `p${index}: "{{pr.number}}"`).join(', ')} }`;

describe('repository_dispatch client_payload', () => {
  it('accepts 9 top-level properties', () => {
    expect(problemsOf(dispatch(properties(9)))).toEqual([]);
  });

  it('refuses 10 top-level properties, at the client_payload line, with the reason', () => {
    const problems = problemsOf(dispatch(properties(10)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      code: 'payload-too-large',
      severity: 'error',
      line: 8,
      path: 'steps[0].actions[0].repository_dispatch.client_payload',
      expected: 'at most 9 top-level properties (nest the rest in an object)',
      found: '10',
    });
    expect(problems[0]!.message).toContain('GitHub allows 10, and Flowgate adds flowgate_effect_key');
  });

  it('refuses a flowgate_effect_key of its own', () => {
    const problems = problemsOf(dispatch('{ flowgate_effect_key: "x", pr: "{{pr.number}}" }'));
    expect(problems.map((problem) => problem.code)).toEqual(['reserved-payload-property']);
  });
});
