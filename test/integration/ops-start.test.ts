/**
 * `npm start` (dist/server.js) with credentials that cannot work, and with a
 * key file that does: every mistake is one located line and exit 2, never a
 * stack trace and never Probot's setup page; a good start serves health and
 * metrics. GitHub is a closed loopback port, and the sweep is off.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SERVER = resolve('dist/server.js');
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

const freePort = () =>
  new Promise<number>((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

interface Started {
  output: string;
  code: number | null;
}

/** Starts the server in `cwd` with only `env` (no inherited credentials); resolves once `until` appears, or it exits. */
function start(env: Record<string, string>, until: RegExp, cwd = mkdtempSync(join(tmpdir(), 'flowgate-ops-'))): Promise<Started> {
  const base = { PATH: process.env.PATH ?? '', GHE_HOST: '127.0.0.1:9', GHE_PROTOCOL: 'http', FLOWGATE_SWEEP_EVERY: 'off', LOG_LEVEL: 'info', LOG_FORMAT: 'json', HOST: '127.0.0.1' };
  child = spawn(process.execPath, [SERVER], { cwd, env: { ...base, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((done) => {
    let output = '';
    const timer = setTimeout(() => done({ output, code: null }), 15_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (until.test(output)) {
        clearTimeout(timer);
        done({ output, code: null });
      }
    };
    child!.stdout!.on('data', read);
    child!.stderr!.on('data', read);
    child!.on('exit', (code) => {
      clearTimeout(timer);
      done({ output, code });
    });
  });
}

/** A refused start: exit 2 and one line of its own, no stack trace, no setup page. */
async function refused(env: Record<string, string>, cwd?: string): Promise<string> {
  const { output, code } = await start({ PORT: String(await freePort()), ...env }, /$^/, cwd);
  expect(code).toBe(2);
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toMatch(/Welcome to Probot|Listening on/);
  const lines = output.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^flowgate: /);
  return lines[0]!;
}

const good = { APP_ID: '1', WEBHOOK_SECRET: 's' };

describe('npm start refuses credentials that cannot work, saying which and what to do', () => {
  it('a path in PRIVATE_KEY is refused, pointing at PRIVATE_KEY_PATH (Probot took it for no key at all and opened its setup page)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'flowgate-ops-'));
    writeFileSync(join(cwd, 'flowgate.private-key.pem'), privateKey);
    const line = await refused({ ...good, PRIVATE_KEY: './flowgate.private-key.pem' }, cwd);
    expect(line).toBe('flowgate: PRIVATE_KEY=./flowgate.private-key.pem looks like a path to a file, but PRIVATE_KEY holds the key itself (its PEM text). For a file, set PRIVATE_KEY_PATH=./flowgate.private-key.pem and remove PRIVATE_KEY.');
    // Absolute paths, and files that exist without a .pem name, too.
    expect(await refused({ ...good, PRIVATE_KEY: '/etc/flowgate/key' })).toContain('set PRIVATE_KEY_PATH=/etc/flowgate/key');
  });

  it('PRIVATE_KEY_PATH to a missing file, or to a file with no key in it, is refused with the file named', async () => {
    expect(await refused({ ...good, PRIVATE_KEY_PATH: 'missing.pem' })).toMatch(/^flowgate: PRIVATE_KEY_PATH=missing\.pem: no such file \(looked at \/.*\/missing\.pem\)$/);
    const cwd = mkdtempSync(join(tmpdir(), 'flowgate-ops-'));
    writeFileSync(join(cwd, 'notes.txt'), 'hello');
    expect(await refused({ ...good, PRIVATE_KEY_PATH: 'notes.txt' }, cwd)).toContain('holds no private key');
  });

  it('PRIVATE_KEY that is neither a key nor a path, or a PEM that does not parse, is refused', async () => {
    expect(await refused({ ...good, PRIVATE_KEY: 'hunter2' })).toContain('PRIVATE_KEY is not a private key');
    expect(await refused({ ...good, PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\\nbm90IGEga2V5\\n-----END RSA PRIVATE KEY-----' })).toContain('PRIVATE_KEY: the key could not be read');
  });

  it('a key without APP_ID, APP_ID without a key, or no WEBHOOK_SECRET, is refused', async () => {
    expect(await refused({ WEBHOOK_SECRET: 's', PRIVATE_KEY: privateKey })).toContain('APP_ID is not set');
    expect(await refused({ APP_ID: '1', WEBHOOK_SECRET: 's' })).toContain('APP_ID=1 is set but no private key is');
    expect(await refused({ APP_ID: 'flowgate', WEBHOOK_SECRET: 's', PRIVATE_KEY: privateKey })).toContain("APP_ID=flowgate: expected the GitHub App's numeric id");
    expect(await refused({ APP_ID: '1', PRIVATE_KEY: privateKey })).toContain('WEBHOOK_SECRET is not set');
  });

  it('with NODE_ENV=production and no credentials at all, it says what to set instead of crashing in Probot\'s setup', async () => {
    expect(await refused({ NODE_ENV: 'production' })).toContain('APP_ID and the private key (PRIVATE_KEY_PATH or PRIVATE_KEY) are not set');
  });

  it('WEBHOOK_PROXY_URL without smee-client installed is refused with both ways out: install it, or run the relay with npx', async () => {
    const port = await freePort();
    const { output, code } = await start({ ...good, PRIVATE_KEY: privateKey, PORT: String(port), WEBHOOK_PROXY_URL: 'https://smee.io/flowgate-test' }, /$^/);
    expect(code).toBe(2);
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).toContain('flowgate: WEBHOOK_PROXY_URL is set, but smee-client is not installed. Either install it (npm install --no-save smee-client) and start again');
    expect(output).toContain(`npx smee-client --url https://smee.io/flowgate-test --target http://127.0.0.1:${port}/api/github/webhooks`);
  });
});

describe('npm start with a key file', () => {
  it('PRIVATE_KEY_PATH to the app\'s .pem starts the server, which is alive, ready and serves metrics', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'flowgate-ops-'));
    writeFileSync(join(cwd, 'flowgate.private-key.pem'), privateKey);
    const port = await freePort();
    const { output } = await start({ ...good, PRIVATE_KEY_PATH: './flowgate.private-key.pem', PORT: String(port) }, /Flowgate listening/, cwd);
    expect(output).toContain('health at /healthz and /readyz, metrics at /metrics');
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready', checks: { private_key: 'ok' } });
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('# TYPE flowgate_events_handled_total counter');
  });

  it('with METRICS_TOKEN set, /metrics needs it and the health endpoints do not', async () => {
    const port = await freePort();
    await start({ ...good, PRIVATE_KEY: privateKey, PORT: String(port), METRICS_TOKEN: 'scrape-me' }, /Flowgate listening/);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer scrape-me' } })).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
