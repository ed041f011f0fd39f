import { describe, expect, it } from 'vitest';
import { NO_VALUE, renderTemplate } from '../../src/flow/template.js';
import { flowOf, problemsOf, run } from '../helpers.js';

const actions = (comment: string, before = '') => `name: f\non: { pull_request: {} }\nsteps:\n${before}  - id: say\n    actions: [ { comment: ${JSON.stringify(comment)} } ]\n`;

describe('template variables with no value', () => {
  it('rendering never leaves a dangling "Release blocked:"', () => {
    expect(renderTemplate('Release blocked: {{decision.reason}}', { decision: {} })).toBe(`Release blocked: ${NO_VALUE}`);
    expect(renderTemplate('Release blocked: {{decision.reason}}', { decision: { reason: '  ' } })).toBe(`Release blocked: ${NO_VALUE}`);
    const flow = flowOf(actions('Release blocked: {{decision.reason}}', '  - id: review\n    approval: { from: { users: [mia] } }\n'));
    const result = run(flow, [{ type: 'review', at: '2026-11-24T09:05:00.000Z', actor: 'mia', id: 'r', state: 'approved', sha: 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1' }]);
    expect(result.effects[0]).toMatchObject({ type: 'comment', body: `Release blocked: ${NO_VALUE}` });
  });

  it('a section still lets the author leave a sentence out, and values that are there render as they are', () => {
    expect(renderTemplate('Blocked{{#decision.reason}}: {{decision.reason}}{{/decision.reason}}.', { decision: {} })).toBe('Blocked.');
    expect(renderTemplate('{{n}} files{{#l}} [{{.}}]{{/l}}', { n: 0, l: ['a'] })).toBe('0 files [a]');
  });

  it('validation warns where it is knowable that a variable never has a value', () => {
    const warnings = (yaml: string) => problemsOf(yaml).filter((problem) => problem.code === 'template-no-value').map((problem) => problem.message);
    expect(warnings(actions('blocked: {{decision.reason}}'))).toEqual([expect.stringContaining('nothing in this flow records a decision')]);
    expect(warnings(actions('{{gate.waiting_on}}'))).toEqual([expect.stringContaining('only in gate and escalation messages')]);
    expect(warnings(actions('{{steps.reveiw.outputs.sha}}'))).toEqual([expect.stringContaining('there is no step "reveiw"')]);
    expect(warnings(actions('{{callbacks.say.url}}'))).toEqual([expect.stringContaining('"say" is not a callback wait')]);
    // A warning, not an error: the flow still loads.
    expect(problemsOf(actions('blocked: {{decision.reason}}'))[0]).toMatchObject({ severity: 'warning', line: 5 });
  });

  it('does not warn where a value may come', () => {
    const gate = '  - id: review\n    approval: { from: { users: [mia] }, message: "{{gate.waiting_on}}" }\n';
    expect(problemsOf(actions('{{decision.reason}} {{steps.review.outputs.sha}} {{fields.amount}} {{pr.body}}', gate))).toEqual([]);
  });
});
