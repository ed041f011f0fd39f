import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_DURATION_DAYS, parseDuration } from '../../src/flow/duration.js';
import { FLOW_SCHEMA_ID } from '../../src/flow/schema.js';
import { crossFileProblems, validateFlowText } from '../../src/flow/validate.js';
import { flowOf, problemsOf, run } from '../helpers.js';

const withWait = (duration: string) => `name: f\non: { pull_request: {} }\nsteps:\n  - id: a\n    wait: { duration: ${duration} }\n`;

describe('the flow language as authors meet it', () => {
  it('accepts a bare `pull_request:` as GitHub Actions users write it, and starts on every PR', () => {
    const flow = flowOf('name: f\non:\n  pull_request:\nsteps:\n  - id: a\n    actions: [ { label: [seen] } ]\n');
    expect(flow.on.pull_request).toEqual({});
    expect(run(flow).run.status).toBe('succeeded');
  });

  it('reads durations in any case, with or without a space, in one grammar', () => {
    for (const text of ['30m', '30M', '1.5 Hours', '2D', '1w', '45 secs', '8HR']) {
      expect(problemsOf(withWait(JSON.stringify(text))), text).toEqual([]);
    }
    expect(parseDuration('2D')).toBe(2 * 86_400_000);
    expect(parseDuration('1.5 Hours')).toBe(5_400_000);
  });

  it('refuses a bare number with an example of the expected form, once', () => {
    for (const text of ['30', '"30"']) {
      const problems = problemsOf(withWait(text));
      expect(problems, text).toHaveLength(1);
      expect(problems[0]).toMatchObject({ code: 'invalid-duration', path: 'steps[0].wait.duration', line: 5 });
      expect(problems[0]!.message).toContain('"30m" for 30 minutes');
    }
  });

  it('enforces the documented maximum of 366 days, in every duration field', () => {
    expect(problemsOf(withWait('366d'))).toEqual([]);
    expect(problemsOf(withWait('367d'))).toMatchObject([{ code: 'invalid-duration', message: `"367d" is longer than the maximum of ${MAX_DURATION_DAYS} days` }]);
    expect(problemsOf(withWait('53w'))).toHaveLength(1);
    expect(parseDuration('1y')).toBeUndefined();
    expect(parseDuration('400d')).toBeUndefined();
    const docs = readFileSync(new URL('../../docs/flow-language.md', import.meta.url), 'utf8');
    expect(docs).toContain(`at most ${MAX_DURATION_DAYS} days`);
  });

  it('locates a duplicate flow name at the name, and says where the first one is', () => {
    const one = validateFlowText('# first\nname: shared\non: { pull_request: {} }\nsteps:\n  - id: a\n    actions: [ { close: {} } ]\n', 'one.yml');
    const two = validateFlowText('on: { pull_request: {} }\nname:   shared\nsteps:\n  - id: a\n    actions: [ { close: {} } ]\n', 'two.yml');
    expect(crossFileProblems([one, two])).toEqual([
      expect.objectContaining({ code: 'duplicate-flow', file: 'two.yml', line: 2, col: 9, path: 'name', message: 'flow name "shared" is already used by one.yml:2:7' }),
    ]);
  });

  it('publishes the flow schema with an $id', () => {
    const schema = JSON.parse(readFileSync(new URL('../../schemas/flow.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expect(schema.$id).toBe(FLOW_SCHEMA_ID);
    expect(FLOW_SCHEMA_ID).toMatch(/^https:\/\/.+\/schemas\/flow\.schema\.json$/);
  });
});

describe('one mistake gives one error', () => {
  it('a misspelt transition target is an unknown step, not also an unreachable one', () => {
    const problems = problemsOf(`name: f\non: { pull_request: {} }\nsteps:\n  - id: a\n    approval: { from: { users: [mia] } }\n    on_approve: shpi\n  - id: ship\n    actions: [ { merge: {} } ]\n`);
    expect(problems).toEqual([expect.objectContaining({ code: 'unknown-step', line: 6, message: 'unknown step "shpi"; did you mean "ship"?' })]);
  });

  it('a misspelt required key is an unknown field with a guess, not also a missing field', () => {
    const trigger = problemsOf('name: f\non: { pul_request: {} }\nsteps:\n  - id: a\n    actions: [ { close: {} } ]\n');
    expect(trigger).toEqual([expect.objectContaining({ path: 'on.pul_request', message: 'unknown field "pul_request"; did you mean "pull_request"?' })]);
    const steps = problemsOf('name: f\non: { pull_request: {} }\nstpes:\n  - id: a\n    actions: [ { close: {} } ]\n');
    expect(steps).toEqual([expect.objectContaining({ path: 'stpes', line: 3 })]);
  });

  it('a key that is simply missing is still reported as missing', () => {
    expect(problemsOf('name: f\non: { pull_request: {} }\n')).toEqual([expect.objectContaining({ message: 'missing required field "steps"' })]);
  });
});
