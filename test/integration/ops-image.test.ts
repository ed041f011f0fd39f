/**
 * The Dockerfile, read as Docker reads it (instructions per stage), held to what
 * a production image must be: built in a stage of its own, run with production
 * dependencies only, from the built dist/, as a user that is not root, probed on
 * /healthz, and with no secret copied in. Docker itself is not needed: the last
 * test lays out the image's /app from the Dockerfile's COPY lines, starts the
 * server there as the image would, and runs the HEALTHCHECK command against it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, stage by stage: continuation lines joined, comments dropped. */
function stages(text: string): Instruction[][] {
  const logical = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const result: Instruction[][] = [];
  for (const line of logical) {
    const [, op, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (op!.toUpperCase() === 'FROM') result.push([]);
    result.at(-1)!.push({ op: op!.toUpperCase(), args: args! });
  }
  return result;
}

const dockerfile = readFileSync('Dockerfile', 'utf8');
const all = stages(dockerfile);
const final = all.at(-1)!;
const of = (stage: Instruction[], op: string) => stage.filter((instruction) => instruction.op === op);

describe('the Dockerfile', () => {
  it('builds in one stage and runs from another, both on Node 20', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const stage of all) expect(stage[0]!.args).toMatch(/^node:20(-slim|-alpine|-bookworm-slim)?\b/);
    expect(of(all[0]!, 'RUN').some((run) => /npm run build/.test(run.args))).toBe(true);
  });

  it('the image that runs installs production dependencies only, and takes dist/ from the build stage', () => {
    const runs = of(final, 'RUN').map((run) => run.args);
    expect(runs.some((run) => /\bnpm ci\b.*--omit=dev/.test(run))).toBe(true);
    expect(runs.some((run) => /\bnpm (i|install)\b/.test(run) || (/\bnpm ci\b/.test(run) && !/--omit=dev/.test(run)))).toBe(false);
    expect(of(final, 'COPY').some((copy) => /^--from=\S+\s+\/app\/dist\s+\.\/dist$/.test(copy.args))).toBe(true);
    expect(of(final, 'CMD')[0]!.args).toBe('["node", "dist/server.js"]');
  });

  it('runs as a user that is not root, set before the command', () => {
    const users = final.map((instruction, index) => ({ ...instruction, index })).filter((instruction) => instruction.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!;
    expect(user.args).not.toMatch(/^(root|0)(:|$)/);
    expect(user.index).toBeLessThan(final.findIndex((instruction) => instruction.op === 'CMD'));
  });

  it('copies no secret and no whole context, and the build context lets none in', () => {
    for (const copy of all.flatMap((stage) => of(stage, 'COPY').concat(of(stage, 'ADD')))) {
      const sources = copy.args.split(/\s+/).filter((word) => !word.startsWith('--')).slice(0, -1);
      expect(sources).not.toContain('.');
      for (const source of sources) expect(source).not.toMatch(/\.env|\.pem$|\.key$|secret|node_modules/i);
    }
    expect(dockerfile).not.toMatch(/^\s*(ENV|ARG)\s+.*(PRIVATE_KEY|WEBHOOK_SECRET|CALLBACK_SECRET|METRICS_TOKEN)\s*=/m);
    const ignore = readFileSync('.dockerignore', 'utf8').split('\n').map((line) => line.trim());
    // Everything is out unless let in by name; keys and .env stay out even inside what is let in.
    expect(ignore.filter((line) => line && !line.startsWith('#'))[0]).toBe('*');
    expect(ignore).toEqual(expect.arrayContaining(['**/.env*', '**/*.pem']));
    expect(ignore.filter((line) => line.startsWith('!')).some((line) => /env|pem|key/.test(line))).toBe(false);
  });

  it('exposes the port it listens on, on all interfaces, and probes /healthz', () => {
    expect(of(final, 'EXPOSE').map((expose) => expose.args)).toEqual(['3000']);
    expect(of(final, 'ENV').map((env) => env.args).join(' ')).toMatch(/HOST=0\.0\.0\.0.*PORT=3000|PORT=3000.*HOST=0\.0\.0\.0/);
    expect(of(final, 'HEALTHCHECK')[0]!.args).toContain('/healthz');
  });
});

describe('the image, laid out without Docker', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  const freePort = () =>
    new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => done(port));
      });
    });

  /** The HEALTHCHECK's command as Docker runs it (exec form), in `env`: its exit code. */
  function healthcheck(env: NodeJS.ProcessEnv): Promise<number> {
    const command = JSON.parse(/CMD\s+(\[.*\])$/.exec(of(final, 'HEALTHCHECK')[0]!.args)![1]!) as string[];
    return new Promise((done) => execFile(command[0] === 'node' ? process.execPath : command[0]!, command.slice(1), { env, timeout: 10_000 }, (error) => done(error ? Number(error.code ?? 1) : 0)));
  }

  it('dist/, the schemas and app.yml, as the run stage copies them, start the server in production mode, and the HEALTHCHECK passes until it stops', async () => {
    const app = mkdtempSync(join(tmpdir(), 'flowgate-image-'));
    for (const copy of of(final, 'COPY')) {
      const words = copy.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const target = words.pop()!;
      // From the build stage: what the checkout's own build produced (/app/dist is its dist/).
      const sources = copy.args.startsWith('--from=') ? words.map((word) => word.replace(/^\/app\//, '')) : words;
      for (const source of sources) cpSync(resolve(source), target.endsWith('/') ? join(app, target, source) : join(app, target), { recursive: true });
    }
    // What `npm ci --omit=dev` installs; the checkout's modules stand in for it.
    symlinkSync(resolve('node_modules'), join(app, 'node_modules'));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    writeFileSync(join(app, 'key.pem'), privateKey);
    const port = String(await freePort());
    // The image's environment, with loopback for the test, and credentials as an operator passes them.
    const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', HOST: '127.0.0.1', PORT: port, APP_ID: '1', WEBHOOK_SECRET: 's', PRIVATE_KEY_PATH: join(app, 'key.pem'), GHE_HOST: '127.0.0.1:9', GHE_PROTOCOL: 'http', FLOWGATE_SWEEP_EVERY: 'off', LOG_FORMAT: 'json' } as NodeJS.ProcessEnv;
    child = spawn(process.execPath, ['dist/server.js'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = await new Promise<string>((done) => {
      let text = '';
      const timer = setTimeout(() => done(text), 15_000);
      const read = (chunk: Buffer) => {
        text += chunk.toString();
        if (/Flowgate listening/.test(text)) {
          clearTimeout(timer);
          done(text);
        }
      };
      child!.stdout!.on('data', read);
      child!.stderr!.on('data', read);
    });
    expect(output).toContain('Flowgate listening');
    expect(await healthcheck(env)).toBe(0);
    child!.kill('SIGTERM');
    await new Promise((done) => child!.once('exit', done));
    expect(await healthcheck(env)).toBe(1);
  });
});
