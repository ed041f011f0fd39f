/**
 * The CLI's failures: per-command help, one-line usage errors, and with --json
 * a flowgate.error/v1 document on stdout for every failure, that tells "GitHub
 * answered no" apart from "nothing answered".
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_OPTIONS, main } from '../../src/cli/main.js';

const errorSchema = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(JSON.parse(readFileSync(new URL('../../schemas/error.schema.json', import.meta.url), 'utf8')));

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (text) => void (out += `${text}\n`), err: (text) => void (err += `${text}\n`) });
  return { code, out, err };
}

/** Runs with --json and returns the one document on stdout, checked against schemas/error.schema.json. */
async function failing(...args: string[]) {
  const result = await cli(...args, '--json');
  expect(result.err).toBe('');
  const document = JSON.parse(result.out);
  expect(errorSchema(document), JSON.stringify(errorSchema.errors)).toBe(true);
  expect(document.exit_code).toBe(result.code);
  return document;
}

const temp = (name: string, text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'flowgate-cli-')), name);
  writeFileSync(file, text);
  return file;
};

/** A loopback server that answers every request with `status` and `body`. */
async function answering(status: number, body: object): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** A loopback port nothing listens on: bound, then closed. */
async function closedPort(): Promise<string> {
  const { server, url } = await answering(200, {});
  await new Promise((done) => server.close(done));
  return url;
}

describe('flowgate <command> --help', () => {
  it.each(Object.keys(COMMAND_OPTIONS))('%s --help prints its usage, and documents every option it takes', async (command) => {
    const result = await cli(command, '--help');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^Usage: flowgate ${command}`));
    for (const option of Object.keys(COMMAND_OPTIONS[command]!)) expect(result.out).toContain(`--${option}`);
    expect(await cli('help', command)).toMatchObject({ code: 0, out: result.out });
  });

  it('documents what agents need: callback --decision, --reason and --token; status --api-url', async () => {
    expect((await cli('callback', '-h')).out).toMatch(/--decision <decision>\s+approve \| decline/);
    expect((await cli('callback', '-h')).out).toMatch(/--reason <text>/);
    expect((await cli('callback', '-h')).out).toMatch(/--token <token>/);
    expect((await cli('status', '--help')).out).toMatch(/--api-url <url>\s+GitHub's REST API/);
  });
});

describe('a usage error', () => {
  it.each([
    [['frobnicate'], 'flowgate: unknown command "frobnicate"; the commands are validate, simulate, status, callback, demo, diff, dry-run, versions, promote (see flowgate --help)'],
    [['simulate', '--flows', 'examples'], 'flowgate: simulate needs --scenario <file> (see flowgate simulate --help)'],
    [['validate', '--jsn'], "flowgate: Unknown option '--jsn' (see flowgate validate --help)"],
    [['status', '--repo', 'acme/widgets', '--pr'], "flowgate: Option '--pr <value>' argument missing (see flowgate status --help)"],
    [['callback', '--result', 'ok'], 'flowgate: callback needs --url <the callback link>, or --token with --app-url (see flowgate callback --help)'],
    [['demo', 'extra'], "flowgate: Unexpected argument 'extra' (see flowgate demo --help)"],
  ])('%j prints one line saying what is wrong, and where help is, and exits 2', async (args, line) => {
    const result = await cli(...args);
    expect(result).toEqual({ code: 2, out: '', err: `${line}\n` });
  });
});

describe('with --json, every failure is a flowgate.error/v1 document on stdout', () => {
  it('a usage error, even one the argument parser finds', async () => {
    expect(await failing('validate', '--jsn')).toMatchObject({ schema: 'flowgate.error/v1', command: 'validate', error: { kind: 'usage', message: "Unknown option '--jsn'" }, exit_code: 2 });
    expect(await failing('frobnicate')).not.toHaveProperty('command');
    expect(await failing('simulate', '--flows', 'examples/1-publish-content', '--scenario', 'nope.yml')).toMatchObject({ error: { kind: 'usage', message: '--scenario nope.yml: no such file' } });
  });

  it('invalid flows: the located problems, exit 3', async () => {
    const flows = temp('f.yml', 'name: x\non: { pull_request: {} }\nsteps:\n  - id: a\n    approval: { from: { users: [mia] } }\n    on_decline: nowhere\n');
    const document = await failing('simulate', '--flows', flows, '--scenario', 'examples/2-payment-thresholds/scenarios/small.yml');
    expect(document).toMatchObject({ command: 'simulate', error: { kind: 'invalid-flows', problems: [{ file: flows, line: 6, message: 'unknown step "nowhere"' }] }, exit_code: 3 });
  });

  it('an invalid scenario: the located problems, exit 4', async () => {
    const scenario = temp('s.yml', 'name: w\nstart: 2026-11-24T09:00:00Z\npr: { title: t, author: dev }\nevents:\n  - { at: +1h, reviw: { by: mia } }\n');
    const document = await failing('simulate', '--flows', 'examples/2-payment-thresholds/flow.yml', '--scenario', scenario);
    expect(document).toMatchObject({ error: { kind: 'invalid-scenario', problems: [{ file: scenario, line: 5 }] }, exit_code: 4 });
  });

  describe('status', () => {
    const token = process.env.GITHUB_TOKEN;
    beforeAll(() => void (process.env.GITHUB_TOKEN = 'ghs_test'));
    afterAll(() => void (token === undefined ? delete process.env.GITHUB_TOKEN : (process.env.GITHUB_TOKEN = token)));

    it('an unreachable API is a connection failure, never "GitHub refused"', async () => {
      const url = await closedPort();
      const document = await failing('status', '--repo', 'acme/widgets', '--pr', '1', '--api-url', url);
      expect(document).toMatchObject({ command: 'status', error: { kind: 'unreachable', url }, exit_code: 8 });
      expect(document.error.message).toMatch(/^could not reach GitHub at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
      expect(document.error).not.toHaveProperty('status');
      const text = await cli('status', '--repo', 'acme/widgets', '--pr', '1', '--api-url', url);
      expect(text.code).toBe(8);
      expect(text.err).toMatch(/^flowgate: could not reach GitHub/);
      expect(text.err).not.toContain('refused');
    });

    it('GitHub answering 401 is "GitHub refused", with the status', async () => {
      const github = await answering(401, { message: 'Bad credentials' });
      try {
        const document = await failing('status', '--repo', 'acme/widgets', '--pr', '1', '--api-url', github.url);
        expect(document).toMatchObject({ error: { kind: 'refused', status: 401 }, exit_code: 8 });
        expect(document.error.message).toMatch(/^GitHub refused \(HTTP 401\): Bad credentials.*can the token read it/);
      } finally {
        github.server.close();
      }
    });
  });

  describe('callback', () => {
    it('Flowgate unreachable is a connection failure', async () => {
      const url = await closedPort();
      const document = await failing('callback', '--url', `${url}/flowgate/callback?token=t`, '--result', 'success');
      expect(document).toMatchObject({ command: 'callback', error: { kind: 'unreachable', url }, exit_code: 8 });
      expect(document.error.message).toMatch(/^could not reach Flowgate at .*ECONNREFUSED/);
    });

    it('Flowgate answering 409 is a refusal, with its reason and status', async () => {
      const flowgate = await answering(409, { ok: false, error: 'this token was already used' });
      try {
        const document = await failing('callback', '--url', `${flowgate.url}/flowgate/callback?token=t`, '--result', 'success');
        expect(document).toMatchObject({ error: { kind: 'refused', status: 409, message: 'the callback was refused (HTTP 409): this token was already used' }, exit_code: 8 });
      } finally {
        flowgate.server.close();
      }
    });
  });
});
