import { describe, expect, it } from 'vitest';
import { crossFileProblems, validateFlowText } from '../../src/flow/validate.js';
import { problemsOf } from '../helpers.js';

const flow = (steps: string, extra = '') => `name: f\non: { pull_request: {} }\n${extra}steps:\n${steps}`;
const gate = (body: string, transitions = '') => flow(`  - id: a\n    approval: ${body}\n${transitions}`);
const codes = (yaml: string) => problemsOf(yaml).map((problem) => problem.code);
const only = (yaml: string) => {
  const problems = problemsOf(yaml);
  expect(problems).toHaveLength(1);
  return problems[0]!;
};

describe('semantic checks: steps and transitions', () => {
  it('refuses duplicate step ids at the second one', () => {
    const problem = only(flow('  - id: a\n    actions: [ { close: {} } ]\n  - id: a\n    actions: [ { close: {} } ]\n'));
    expect(problem).toMatchObject({ code: 'duplicate-step', line: 6, path: 'steps[1].id' });
  });

  it('refuses a step named like a terminal', () => {
    expect(codes(flow('  - id: succeed\n    actions: [ { close: {} } ]\n'))).toContain('reserved-step-id');
  });

  it('refuses a transition to an unknown step, suggesting the near one', () => {
    const problem = only(flow('  - id: route\n    if: { draft: true }\n    then: manger\n  - id: manager\n    actions: [ { close: {} } ]\n'));
    expect(problem).toMatchObject({ code: 'unknown-step', path: 'steps[0].then', line: 6, found: '"manger"' });
    expect(problem.message).toContain('did you mean "manager"?');
  });

  it('refuses an unreachable step', () => {
    const problem = only(flow('  - id: a\n    actions: [ { close: {} } ]\n    next: succeed\n  - id: b\n    actions: [ { close: {} } ]\n'));
    expect(problem).toMatchObject({ code: 'unreachable-step', path: 'steps[1].id' });
  });

  it('refuses a loop that passes through no wait', () => {
    const yaml = gate('{ from: { users: [mia] } }', '    on_decline: b\n  - id: b\n    actions: [ { comment: again } ]\n    next: a\n');
    const problem = only(yaml);
    expect(problem.code).toBe('loop-without-wait');
    expect(problem.message).toContain('a -> b -> a');
  });

  it('accepts a loop that passes through a wait', () => {
    const yaml = gate('{ from: { users: [mia] } }', '    on_decline: b\n  - id: b\n    wait: { push: true }\n    next: a\n');
    expect(problemsOf(yaml)).toEqual([]);
  });

  it('refuses a parallel step with one gate', () => {
    const yaml = flow('  - id: p\n    parallel:\n      legal: { from: { users: [lee] } }\n');
    expect(only(yaml)).toMatchObject({ code: 'parallel-too-small', path: 'steps[0].parallel' });
  });

  it('warns that on_timeout does nothing on a wait without a timeout', () => {
    const yaml = flow('  - id: w\n    wait: { push: true }\n    on_timeout: fail\n');
    const problem = only(yaml);
    expect(problem).toMatchObject({ code: 'ineffective-setting', severity: 'warning' });
    expect(validateFlowText(yaml, 'x.yml').flow).toBeDefined();
  });
});

describe('semantic checks: connections, durations, globs, templates', () => {
  it('refuses an undeclared connection', () => {
    const yaml = flow('  - id: a\n    actions: [ { webhook: { connection: slak } } ]\n', 'connections:\n  slack: { type: slack }\n');
    const problems = problemsOf(yaml);
    expect(problems.find((problem) => problem.code === 'unknown-connection')).toMatchObject({
      path: 'steps[0].actions[0].webhook.connection',
      message: 'unknown connection "slak"; did you mean "slack"?',
    });
    expect(problems.find((problem) => problem.code === 'unused-connection')?.severity).toBe('warning');
  });

  it('refuses durations that are zero or longer than a year', () => {
    expect(only(gate('{ from: { users: [mia] }, timeout: 0h }'))).toMatchObject({ code: 'invalid-duration', path: 'steps[0].approval.timeout' });
    expect(only(gate('{ from: { users: [mia] }, timeout: 400d }')).code).toBe('invalid-duration');
  });

  it('refuses glob patterns that can never match', () => {
    const yaml = `name: f\non: { pull_request: { paths: ["/billing/**", "src/{a,b"] } }\nsteps:\n  - id: a\n    actions: [ { close: {} } ]\n`;
    const problems = problemsOf(yaml);
    expect(problems.map((problem) => [problem.code, problem.path])).toEqual([
      ['invalid-glob', 'on.pull_request.paths[0]'],
      ['invalid-glob', 'on.pull_request.paths[1]'],
    ]);
    expect(problems[0]!.message).toMatch(/relative to the repository root/);
  });

  it('refuses unknown template variables and suggests the field', () => {
    const problem = only(flow('  - id: a\n    actions: [ { comment: "Hi {{pr.titel}}" } ]\n'));
    expect(problem).toMatchObject({ code: 'invalid-template', path: 'steps[0].actions[0].comment' });
    expect(problem.message).toMatch(/did you mean "pr.title"/);
  });

  it('refuses malformed templates and partials', () => {
    expect(only(flow('  - id: a\n    actions: [ { comment: "Hi {{pr.title" } ]\n')).message).toMatch(/Unclosed tag/);
    expect(only(flow('  - id: a\n    actions: [ { comment: "{{> header}}" } ]\n')).message).toMatch(/partials/);
  });

  it('refuses a field test without a comparison', () => {
    const yaml = flow('  - id: r\n    if: { field: amount }\n    then: succeed\n    else: fail\n');
    expect(only(yaml)).toMatchObject({ code: 'field-without-test', path: 'steps[0].if' });
  });
});

describe('semantic checks: approvers and quorums', () => {
  it('refuses a gate nobody may approve', () => {
    expect(only(gate('{ from: {} }'))).toMatchObject({ code: 'empty-approvers', path: 'steps[0].approval.from' });
    expect(only(gate('{ from: { users: [mia] }, exclude: [{ users: [mia] }] }')).message).toMatch(/every listed approver is excluded/);
  });

  it('refuses a count larger than the listed approvers', () => {
    const problem = only(gate('{ from: { users: [mia, max] }, count: 3 }'));
    expect(problem).toMatchObject({ code: 'quorum-unreachable', path: 'steps[0].approval.count', expected: 'at most 2', found: '3' });
  });

  it('accepts a count it cannot check, when teams are involved', () => {
    expect(problemsOf(gate('{ from: { users: [mia], teams: [acme/x] }, count: 5 }'))).toEqual([]);
  });

  it('refuses count: all over an open-ended set', () => {
    expect(only(gate('{ from: { permission: write }, count: all }')).code).toBe('quorum-unreachable');
  });

  it('refuses per_team without teams, and per_team with count', () => {
    expect(only(gate('{ from: { users: [mia] }, per_team: 1 }')).code).toBe('quorum-unreachable');
    expect(only(gate('{ from: { teams: [acme/x] }, per_team: 1, count: 2 }')).code).toBe('conflicting-quorum');
  });

  it('refuses an escalation that fires after the gate has timed out', () => {
    const problem = only(gate('{ from: { users: [mia] }, timeout: 1h, escalate: [ { after: 2h, notify: { users: [max] } } ] }'));
    expect(problem).toMatchObject({ code: 'escalation-never-fires', path: 'steps[0].approval.escalate[0].after' });
  });

  it('refuses reminders more often than every five minutes', () => {
    const problem = only(gate('{ from: { users: [mia] }, escalate: [ { after: 1h, repeat: 1m, notify: { users: [max] } } ] }'));
    expect(problem.code).toBe('repeat-too-often');
  });

  it('refuses an escalation rung that notifies nobody, or does nothing', () => {
    expect(only(gate('{ from: { users: [mia] }, escalate: [ { after: 1h, notify: {} } ] }')).code).toBe('empty-notify');
    expect(only(gate('{ from: { users: [mia] }, escalate: [ { after: 1h } ] }')).code).toBe('empty-escalation');
  });

  it('refuses the same label for approve and decline', () => {
    expect(only(gate('{ from: { users: [mia] }, labels: { approve: ok, decline: ok } }')).code).toBe('conflicting-labels');
  });

  it('warns that on_timeout does nothing without a timeout', () => {
    expect(only(gate('{ from: { users: [mia] }, on_timeout: approve }')).severity).toBe('warning');
  });

  it('refuses a merge at the approved commit in a flow without any gate', () => {
    expect(only(flow('  - id: a\n    actions: [ { merge: {} } ]\n')).code).toBe('merge-without-approval');
    expect(problemsOf(flow('  - id: a\n    actions: [ { merge: { sha: head } } ]\n'))).toEqual([]);
  });
});

describe('checks across files', () => {
  it('refuses two flows with the same name', () => {
    const yaml = flow('  - id: a\n    actions: [ { close: {} } ]\n');
    const files = [validateFlowText(yaml, 'one.yml'), validateFlowText(yaml, 'two.yml')];
    expect(crossFileProblems(files)).toMatchObject([{ code: 'duplicate-flow', file: 'two.yml', line: 1, col: 7, message: 'flow name "f" is already used by one.yml:1:7' }]);
  });
});
