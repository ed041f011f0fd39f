import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/simulate/scenario.js';
import { simulate } from '../../src/simulate/simulate.js';
import { flowOf } from '../helpers.js';

const flow = flowOf(`name: gate
on: { pull_request: {} }
steps:
  - id: review
    approval: { from: { teams: [acme/managers] }, count: 2 }
    on_approve: ship
  - id: ship
    actions: [ { merge: {} } ]
`);

const scenario = (push: string) => `
name: update-branch
start: 2026-11-24T09:00:00Z
pr: { title: t, author: dev }
teams: { acme/managers: [mia, max] }
events:
  - { at: +10m, review: { by: mia, state: approved } }
  - { at: +20m, push: ${push} }
  - { at: +30m, review: { by: max, state: approved } }
`;

function outcome(push: string) {
  const parsed = parseScenario(scenario(push), 'scenario.yml');
  if (!parsed.ok) throw new Error(parsed.problems.map((problem) => problem.message).join('\n'));
  return simulate([{ flow, file: 'gate.yml' }], parsed.scenario, parsed.times);
}

describe('flowgate simulate with "Update branch"', () => {
  it('a push that only merged the base keeps the approval, and the run merges', () => {
    const result = outcome('{ sha: c3c3c3c, by: dev, merged_base: e5e5e5e }');
    expect(result.outcome).toBe('succeeded');
    expect(result.inputs.map((input) => input.text)).toContain('dev pushes c3c3c3c (only merges main@e5e5e5e)');
  });

  it('any other push voids it', () => {
    expect(outcome('{ sha: c3c3c3c, by: dev }').outcome).toBe('waiting');
  });
});
