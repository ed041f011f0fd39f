/**
 * `npm start` as a process (the compiled dist/server.js): its start-up checks,
 * its warning about replicas, and the body cap in front of the webhook route.
 * GitHub is pointed at a closed loopback port, and the sweep is off.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
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

/** Starts the server; resolves with its output so far once `until` appears in it, or once it exits. */
function start(env: Record<string, string>, until: RegExp): Promise<{ output: string; code: number | null }> {
  const cwd = mkdtempSync(join(tmpdir(), 'flowgate-start-'));
  const base = { PATH: process.env.PATH ?? '', APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 's', GHE_HOST: '127.0.0.1:9', GHE_PROTOCOL: 'http', FLOWGATE_SWEEP_EVERY: 'off', LOG_LEVEL: 'info', LOG_FORMAT: 'json', HOST: '127.0.0.1' };
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

describe('npm start', () => {
  it('a FLOWGATE_REQUEST_TIMEOUT that is not a duration stops the start with a clear error and exit 2', async () => {
    const { output, code } = await start({ FLOWGATE_REQUEST_TIMEOUT: 'soon', PORT: String(await freePort()) }, /$^/);
    expect(code).toBe(2);
    expect(output).toContain('flowgate: FLOWGATE_REQUEST_TIMEOUT=soon: expected a duration such as 10s or 1m');
  });

  it('without REDIS_URL it says loudly that only one replica may run, and a webhook body over 25 MB gets 413 unread', async () => {
    const port = await freePort();
    const { output } = await start({ PORT: String(port) }, /Flowgate listening/);
    expect(output).toContain('REDIS_URL is not set');
    expect(output).toContain('Run exactly ONE replica');
    const status = await new Promise<number>((done, fail) => {
      const request = httpRequest(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(300 * 1024 * 1024), 'x-github-event': 'ping', 'x-github-delivery': '1', 'x-hub-signature-256': 'sha256=0' },
      }, (response) => done(response.statusCode!));
      request.on('error', fail);
      request.write('{');
    });
    expect(status).toBe(413);
  });
});
