import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCommand } from '../../src/cli/status-command.js';
import { main } from '../../src/cli/main.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

const schema = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(new URL('../../schemas/status.schema.json', import.meta.url), 'utf8')));

let running: AppOnSandbox;
beforeAll(async () => {
  running = await startAppOnSandbox();
  const { sandbox } = running;
  sandbox.createRepo('acme/widgets', { '.github/flows/gate.yml': GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      count: 2') }, { teams: { 'acme/managers': ['mia', 'max'] } });
  const pr = await sandbox.openPullRequest('acme/widgets', { author: 'dev', title: 'Change', branch: 'b', changes: { 'a.ts': '1\n' } });
  await sandbox.review('acme/widgets', pr.number, 'mia', 'approved');
  await sandbox.review('acme/widgets', pr.number, 'dev', 'approved');
});
afterAll(async () => running.stop());

async function status(...args: string[]) {
  let out = '';
  let err = '';
  const io = { out: (text: string) => void (out += `${text}\n`), err: (text: string) => void (err += `${text}\n`) };
  const [repo = 'acme/widgets', pr = '1', json = 'false'] = args;
  const code = await statusCommand({ repo, pr, json: json === 'true', token: 'ghs_test', apiUrl: running.sandbox.url }, io, running.sandbox.clock.now());
  return { code, out, err };
}

describe('flowgate status', () => {
  it('prints who is awaited, and the decisions so far', async () => {
    const { code, out } = await status();
    expect(code).toBe(0);
    expect(out).toContain('gate: waiting');
    expect(out).toContain('waiting in review for 1 more approval(s) from @acme/managers');
    expect(out).toContain('mia approve via review: counted: member of acme/managers');
    expect(out).toContain('dev approve via review: ignored: the author cannot approve');
  });

  it('prints a stable JSON document for agents, matching schemas/status.schema.json', async () => {
    const { out } = await status('acme/widgets', '1', 'true');
    const document = JSON.parse(out);
    expect(schema(document), JSON.stringify(schema.errors)).toBe(true);
    expect(document).toMatchObject({ schema: 'flowgate.status/v1', pr: 1, runs: [{ flow: 'gate', run: { status: 'waiting', waiting_on: [{ kind: 'approval', need: 1 }] } }] });
  });

  it('changes nothing on GitHub', async () => {
    const before = running.sandbox.requests.length;
    await status();
    expect(running.sandbox.requests.slice(before).every((request) => request === 'POST /graphql')).toBe(true);
  });

  it('exits 8 when GitHub refuses, saying what to check', async () => {
    const { code, err } = await status('acme/nothing', '1');
    expect(code).toBe(8);
    expect(err).toContain('GitHub refused');
  });

  it('needs a token, a repository and a number', async () => {
    const saved = process.env.GITHUB_TOKEN;
    delete process.env.GITHUB_TOKEN;
    const errors: string[] = [];
    const io = { out: () => {}, err: (text: string) => void errors.push(text) };
    expect(await main(['status', '--repo', 'acme/widgets', '--pr', '1'], io)).toBe(2);
    expect(await main(['status', '--repo', 'acme', '--pr', '1'], io)).toBe(2);
    expect(await main(['status', '--repo', 'acme/widgets', '--pr', 'x'], io)).toBe(2);
    if (saved !== undefined) process.env.GITHUB_TOKEN = saved;
    expect(errors.join('\n')).toContain('status needs a token: set GITHUB_TOKEN');
  });
});
