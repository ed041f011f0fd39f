import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseScenario } from '../../src/simulate/scenario.js';

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
const schema = (file: string) => ajv.compile(JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8')));
const simulationSchema = schema('simulation.schema.json');
const validationSchema = schema('validation.schema.json');

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (text) => void (out += `${text}\n`), err: (text) => void (err += `${text}\n`) });
  return { code, out, err };
}

const temp = (name: string, text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'flowgate-')), name);
  writeFileSync(file, text);
  return file;
};

const EXAMPLES = 'examples';
const scenarios = readdirSync(EXAMPLES).filter((example) => existsSync(join(EXAMPLES, example, 'flow.yml'))).flatMap((example) =>
  readdirSync(join(EXAMPLES, example, 'scenarios')).map((file) => ({ example, flow: join(EXAMPLES, example, 'flow.yml'), scenario: join(EXAMPLES, example, 'scenarios', file) })),
);

describe('flowgate validate', () => {
  it('accepts the example flows', async () => {
    const result = await cli('validate', ...scenarios.map((entry) => entry.flow).filter((file, index, all) => all.indexOf(file) === index));
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toMatch(/5 of 5 flow file\(s\) valid; 0 error\(s\)/);
  });

  it('reports located errors and exits 3 for invalid flows', async () => {
    const file = temp('bad.yml', 'name: bad\non: { pull_request: {} }\nsteps:\n  - id: a\n    approval: { from: { users: [mia] } }\n    on_decline: nowhere\n');
    const result = await cli('validate', file);
    expect(result.code).toBe(3);
    expect(result.out).toContain(`${file}:6:17: error: unknown step "nowhere" (at steps[0].on_decline)`);
  });

  it('prints a stable JSON document that matches schemas/validation.schema.json', async () => {
    const file = temp('bad.yml', 'name: bad\non: { pull_request: {} }\nsteps: []\n');
    const result = await cli('validate', '--json', file, 'examples/1-publish-content/flow.yml');
    const document = JSON.parse(result.out);
    expect(validationSchema(document), JSON.stringify(validationSchema.errors)).toBe(true);
    expect(document).toMatchObject({ schema: 'flowgate.validation/v1', ok: false, exit_code: 3, summary: { files: 2, errors: 1 }, error: { kind: 'invalid-flows', message: '1 error(s) in 1 of 2 flow file(s)' } });
    expect(document.files[1]).toMatchObject({ flow: 'publish-content', valid: true, problems: [] });
    expect(result.code).toBe(3);
  });

  it('exits 2 for a path that does not exist', async () => {
    const result = await cli('validate', 'no/such/dir');
    expect(result.code).toBe(2);
    expect(result.err).toContain('no/such/dir: no such file or directory');
  });

  it('with --json, a path that does not exist is still one document on stdout, with an error', async () => {
    const result = await cli('validate', '--json', 'no/such/dir');
    expect(result).toMatchObject({ code: 2, err: '' });
    const document = JSON.parse(result.out);
    expect(validationSchema(document), JSON.stringify(validationSchema.errors)).toBe(true);
    expect(document).toMatchObject({ ok: false, missing: ['no/such/dir'], error: { kind: 'usage', message: 'no such file or directory: no/such/dir' }, exit_code: 2 });
  });

  it('a valid file has no error in its document', async () => {
    const document = JSON.parse((await cli('validate', '--json', 'examples/1-publish-content/flow.yml')).out);
    expect(document).toMatchObject({ ok: true, exit_code: 0 });
    expect(document).not.toHaveProperty('error');
  });
});

describe('flowgate simulate', () => {
  it.each(scenarios.map((entry) => [`${entry.example}: ${entry.scenario.split('/').pop()}`, entry] as const))('%s ends as the scenario expects', async (_, entry) => {
    const parsed = parseScenario(readFileSync(entry.scenario, 'utf8'), entry.scenario);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const expected = parsed.scenario.expect!;
    const result = await cli('simulate', '--flows', entry.flow, '--scenario', entry.scenario, '--json');
    const document = JSON.parse(result.out);
    expect(simulationSchema(document), JSON.stringify(simulationSchema.errors)).toBe(true);
    const [run] = document.runs;
    expect(run.run.status).toBe(expected.status);
    expect(run.effects.map((effect: { type: string }) => effect.type)).toEqual(expected.effects);
    expect(run.effects.every((effect: { status: string }) => effect.status === 'applied' || effect.status === 'failed')).toBe(true);
    expect(result.code).toBe({ succeeded: 0, declined: 5, failed: 6, cancelled: 6, waiting: 7 }[expected.status!]);
  });

  it('the coding agent merges at the commit the reviewer approved', async () => {
    const result = await cli('simulate', '--flows', 'examples/3-coding-agent', '--scenario', 'examples/3-coding-agent/scenarios/approved.yml', '--json');
    const [run] = JSON.parse(result.out).runs;
    const merge = run.effects.find((effect: { type: string }) => effect.type === 'merge');
    const approval = run.decisions.find((decision: { counted: boolean }) => decision.counted);
    expect(merge.sha).toBe(approval.sha);
    expect(run.decisions.map((decision: { actor: string; rule: string }) => `${decision.actor}: ${decision.rule}`)).toEqual([
      'randy: ignored: not an approver (approvers: anyone with write permission)',
      'rita: counted: has write permission (needs write)',
    ]);
  });

  it('prints a readable timeline by default', async () => {
    const result = await cli('simulate', '--flows', 'examples/4-time-bound/flow.yml', '--scenario', 'examples/4-time-bound/scenarios/silent-approver.yml');
    expect(result.out).toContain('escalation 1 after 4h: added @backup-oncall as approvers; notified @backup-oncall');
    expect(result.out).toContain('auto-declined at 2026-11-26 09:00 UTC: no decision within 2d (on_timeout: decline)');
    expect(result.out).toContain('Outcome: declined');
    expect(result.code).toBe(5);
  });

  it('exits 7 while the run is still waiting at the end of the scenario', async () => {
    const scenario = temp('wait.yml', 'name: w\nstart: 2026-11-24T09:00:00Z\npr: { title: t, author: dev, files: [{ path: billing/a.ts }] }\n');
    const result = await cli('simulate', '--flows', 'examples/2-payment-thresholds/flow.yml', '--scenario', scenario, '--json');
    expect(JSON.parse(result.out)).toMatchObject({ outcome: 'waiting', exit_code: 7, runs: [{ run: { waiting_on: [{ step: 'manager', need: 1 }] } }] });
    expect(result.code).toBe(7);
  });

  it('a failed merge is reported and exits 6', async () => {
    const scenario = temp('fault.yml', [
      'name: head moved',
      'start: 2026-11-24T09:00:00Z',
      'pr: { title: t, author: dev, body: "amount: 5", files: [{ path: billing/a.ts }] }',
      'teams: { acme/managers: [mia] }',
      'faults: [ { effect: merge, error: "409: head moved" } ]',
      'events:',
      '  - { at: +1h, review: { by: mia, state: approved } }',
    ].join('\n'));
    const result = await cli('simulate', '--flows', 'examples/2-payment-thresholds/flow.yml', '--scenario', scenario, '--json');
    expect(JSON.parse(result.out).runs[0].run).toMatchObject({ status: 'failed', reason: 'merge: merge failed: 409: head moved' });
    expect(result.code).toBe(6);
  });

  it('a merge at a commit that is no longer the head is refused as on GitHub, and the run goes back to its gate', async () => {
    const flow = temp('cool-off.yml', [
      'name: cool-off',
      'on: { pull_request: {} }',
      'steps:',
      '  - { id: review, approval: { from: { users: [mia] } }, on_approve: cool-off }',
      '  - { id: cool-off, wait: { duration: 1h }, next: ship }',
      '  - { id: ship, actions: [ { merge: {} } ], next: succeed }',
    ].join('\n'));
    const scenario = temp('moved.yml', [
      'name: pushed after approval',
      'start: 2026-11-24T09:00:00Z',
      'pr: { title: t, author: dev, head_sha: a1a1a1a }',
      'events:',
      '  - { at: +10m, comment: { by: mia, body: /approve } }',
      '  - { at: +20m, push: { sha: b2b2b2b, by: dev } }',
      '  - { advance: 2h }',
    ].join('\n'));
    const result = await cli('simulate', '--flows', flow, '--scenario', scenario, '--json');
    const [run] = JSON.parse(result.out).runs;
    expect(run.effects).toMatchObject([{ type: 'merge', sha: 'a1a1a1a', status: 'failed', error: '409: head moved' }]);
    expect(run.run).toMatchObject({ status: 'waiting', current: ['review'] });
    expect(result.code).toBe(7);
  });

  it('someone who pushes and then approves is a committer in the simulator too', async () => {
    const flow = temp('committers.yml', [
      'name: committers',
      'on: { pull_request: {} }',
      'steps:',
      '  - { id: review, approval: { from: { users: [mia] }, exclude: [author, bots, committers] }, on_approve: ship }',
      '  - { id: ship, actions: [ { merge: {} } ], next: succeed }',
    ].join('\n'));
    const scenario = temp('pusher.yml', [
      'name: pusher approves',
      'start: 2026-11-24T09:00:00Z',
      'pr: { title: t, author: dev }',
      'events:',
      '  - { at: +10m, push: { sha: b2b2b2b, by: mia } }',
      '  - { at: +20m, comment: { by: mia, body: /approve } }',
    ].join('\n'));
    const result = await cli('simulate', '--flows', flow, '--scenario', scenario, '--json');
    const [run] = JSON.parse(result.out).runs;
    expect(run.decisions).toMatchObject([{ actor: 'mia', counted: false, rule: 'ignored: committers cannot approve (mia pushed to this PR)' }]);
    expect(result.code).toBe(7);
  });

  it('reports a located error and exits 4 for an invalid scenario', async () => {
    const scenario = temp('bad.yml', 'name: w\nstart: 2026-11-24T09:00:00Z\npr: { title: t, author: dev }\nevents:\n  - { at: +2h, comment: { by: mia, body: hi } }\n  - { at: +1h, reviw: { by: mia } }\n');
    const result = await cli('simulate', '--flows', 'examples/2-payment-thresholds/flow.yml', '--scenario', scenario);
    expect(result.code).toBe(4);
    expect(result.err).toContain(`${scenario}:6:5: error: this mapping is none of the allowed kinds; did you mean "review" instead of "reviw"?`);
  });

  it('refuses events out of time order', async () => {
    const scenario = temp('order.yml', 'name: w\nstart: 2026-11-24T09:00:00Z\npr: { title: t, author: dev }\nevents:\n  - { at: +2h, comment: { by: mia, body: hi } }\n  - { at: +1h, comment: { by: mia, body: hi } }\n');
    const result = await cli('simulate', '--flows', 'examples/2-payment-thresholds/flow.yml', '--scenario', scenario);
    expect(result.err).toContain(':6:11: error: this event is earlier than the one before it (at events[1].at)');
  });

  it('takes JSON scenarios, and refuses one that names a flow that is not there', async () => {
    const scenario = temp('s.json', JSON.stringify({ name: 'j', flow: 'payment-chnage', start: '2026-11-24T09:00:00Z', pr: { title: 't', author: 'dev' } }));
    const result = await cli('simulate', '--flows', 'examples/2-payment-thresholds', '--scenario', scenario);
    expect(result.code).toBe(4);
    expect(result.err).toContain('error: no flow named "payment-chnage" in examples/2-payment-thresholds (at flow)');
    expect(result.err).toContain('expected one of payment-change');
    const ok = temp('ok.json', JSON.stringify({ name: 'j', flow: 'payment-change', start: '2026-11-24T09:00:00Z', pr: { title: 't', author: 'dev', body: 'amount: 5', files: [{ path: 'billing/a.ts' }] }, teams: { 'acme/managers': ['mia'] }, events: [{ at: '+1h', review: { by: 'mia', state: 'approved' } }] }));
    expect((await cli('simulate', '--flows', 'examples/2-payment-thresholds', '--scenario', ok)).code).toBe(0);
  });

  it('says so, and exits 0, when no flow starts for the PR', async () => {
    const scenario = temp('s.yml', 'name: n\nstart: 2026-11-24T09:00:00Z\npr: { title: t, author: dev, files: [{ path: src/a.ts }] }\n');
    const result = await cli('simulate', '--flows', 'examples/1-publish-content', '--scenario', scenario, '--json');
    expect(JSON.parse(result.out)).toMatchObject({ outcome: 'no-run', runs: [], flows: [{ matched: false, reason: 'no changed file matches content/**' }] });
    expect(result.code).toBe(0);
  });

  it('exits 3 when the flows are invalid', async () => {
    const flows = temp('f.yml', 'name: x\non: {}\nsteps: []\n');
    expect((await cli('simulate', '--flows', flows, '--scenario', 'examples/2-payment-thresholds/scenarios/small.yml')).code).toBe(3);
  });
});

describe('arguments', () => {
  it.each([
    [['frobnicate'], 'unknown command "frobnicate"', 'flowgate --help'],
    [['simulate', '--flows', 'examples'], 'simulate needs --scenario <file>', 'flowgate simulate --help'],
    [['validate', '--jsn'], "Unknown option '--jsn'", 'flowgate validate --help'],
    [['simulate', '--flows', 'examples/1-publish-content', '--scenario', 'nope.yml'], '--scenario nope.yml: no such file', 'flowgate simulate --help'],
  ])('%j exits 2 with one clear line that points to --help', async (args, message, help) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.err).toContain(`(see ${help})`);
    expect(result.err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('--help prints the exit codes', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    expect(result.out).toContain('5 run ended declined');
  });

  it('no command at all prints the usage on stderr and exits 2', async () => {
    const result = await cli();
    expect(result).toMatchObject({ code: 2, out: '' });
    expect(result.err).toContain('Usage: flowgate <command>');
  });
});

describe('the installed binary', () => {
  it('runs validate and reports its exit code', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ['bin/flowgate.js', 'validate', '--json', 'examples/5-chat-decision/flow.yml']);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, exit_code: 0 });
    await expect(run(process.execPath, ['bin/flowgate.js', 'validate', 'nope'])).rejects.toMatchObject({ code: 2 });
  });

  it('stops quietly when its reader closes the pipe early (flowgate demo | head)', async () => {
    const child = spawn(process.execPath, ['bin/flowgate.js', 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
