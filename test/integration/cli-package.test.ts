/**
 * The CLI as a user gets it: `npm pack`, unpacked outside the clone, run from an
 * empty directory. The tarball is packed once for this file, from the dist/ the
 * global setup builds.
 *
 * Tests never touch the registry, so the tarball is installed with
 * `npm install --offline`: in CI, after `npm ci`, npm's cache holds every
 * dependency and this is a real install. Where the cache is cold (a clone whose
 * node_modules came from elsewhere) that fails, and the package goes where npm
 * would put it, <tmp>/node_modules/flowgate, its node_modules linking this
 * clone's runtime dependencies only: devDependencies are left out, so a runtime
 * import of one fails here as it would for a user.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

/** The flow examples: folders of examples/ with a flow.yml (examples/workflows holds the Action's workflow). */
const flowExamples = () => readdirSync('examples').filter((example) => existsSync(join('examples', example, 'flow.yml')));

const REPO = resolve('.');
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { devDependencies: Record<string, string> };
const devOnly = new Set(Object.keys(manifest.devDependencies));

let root: string;
let packed: string[];
let bin: string;
let empty: string;
let installedBy: string;

/** <package>/node_modules with a link for each of this clone's installed packages but the devDependencies. */
function linkRuntimeDependencies(into: string): void {
  const from = join(REPO, 'node_modules');
  mkdirSync(into, { recursive: true });
  for (const entry of readdirSync(from)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      mkdirSync(join(into, entry), { recursive: true });
      for (const scoped of readdirSync(join(from, entry))) {
        if (!devOnly.has(`${entry}/${scoped}`) && entry !== '@types') symlinkSync(join(from, entry, scoped), join(into, entry, scoped));
      }
    } else if (!devOnly.has(entry)) symlinkSync(join(from, entry), join(into, entry));
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'flowgate-pack-'));
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { filename: string; files: { path: string }[] }[];
  packed = pack!.files.map((file) => file.path);
  const dir = join(root, 'node_modules', 'flowgate');
  writeFileSync(join(root, 'package.json'), '{ "private": true }\n');
  try {
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--omit=dev', '--ignore-scripts', join(root, pack!.filename)], { cwd: root, stdio: 'ignore', timeout: 120_000 });
    installedBy = 'npm install --offline';
  } catch {
    rmSync(join(root, 'node_modules'), { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['xzf', join(root, pack!.filename), '-C', dir, '--strip-components=1']);
    linkRuntimeDependencies(join(dir, 'node_modules'));
    installedBy = 'unpacked, with links to the runtime dependencies';
  }
  console.info(`the packed flowgate is ${installedBy}`);
  bin = join(dir, 'bin', 'flowgate.js');
  empty = mkdtempSync(join(tmpdir(), 'flowgate-empty-'));
}, 60_000);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
});

/** Runs the packed binary in an empty directory; never rejects. */
function flowgate(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { cwd: empty, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

describe('the packed package', () => {
  it('holds the binary, the compiled CLI, the schemas, the examples and app.yml, and no sources or tests', () => {
    expect(packed).toEqual(expect.arrayContaining(['bin/flowgate.js', 'dist/cli/main.js', 'schemas/flow.schema.json', 'app.yml', 'README.md', 'package.json']));
    for (const example of flowExamples()) expect(packed).toContain(`examples/${example}/flow.yml`);
    expect(packed).toContain('examples/workflows/flowgate.yml');
    expect(packed.filter((path) => /^(src|test|scripts)\//.test(path))).toEqual([]);
  });
});

describe('flowgate from the packed tarball, run outside the clone', () => {
  it('--version and --help', async () => {
    if (installedBy.startsWith('npm')) expect(readdirSync(join(root, 'node_modules', '.bin'))).toContain('flowgate');
    expect(await flowgate(['--version'])).toMatchObject({ code: 0, stdout: 'flowgate 0.1.0\n' });
    expect((await flowgate(['--help'])).stdout).toContain('Usage: flowgate');
  });

  it('--help for each command, and a usage error as one line, or as JSON with --json', async () => {
    for (const command of ['validate', 'simulate', 'status', 'callback', 'demo', 'diff', 'dry-run']) expect((await flowgate([command, '--help'])).stdout).toMatch(new RegExp(`^Usage: flowgate ${command}`));
    expect(await flowgate(['simulate', '--flows', 'x'])).toEqual({ code: 2, stdout: '', stderr: 'flowgate: simulate needs --scenario <file> (see flowgate simulate --help)\n' });
    const json = await flowgate(['simulate', '--flows', 'x', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ schema: 'flowgate.error/v1', error: { kind: 'usage' }, exit_code: 2 });
  });

  it('validate: a valid flow exits 0, a broken one 3, with located errors', async () => {
    writeFileSync(join(empty, 'good.yml'), GATE_FLOW);
    writeFileSync(join(empty, 'bad.yml'), 'name: bad\non: { pull_request: {} }\nsteps: []\n');
    expect(await flowgate(['validate', 'good.yml'])).toMatchObject({ code: 0 });
    const bad = await flowgate(['validate', 'bad.yml']);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(/^bad\.yml:3:\d+: error:/m);
  });

  it('simulate: an example from the package plays to its end', async () => {
    const examples = join(root, 'node_modules', 'flowgate', 'examples', '2-payment-thresholds');
    const result = await flowgate(['simulate', '--flows', join(examples, 'flow.yml'), '--scenario', join(examples, 'scenarios', 'small.yml'), '--json']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ schema: 'flowgate.simulation/v1' });
  });

  it('demo: plays every example shipped in the package', async () => {
    const result = await flowgate(['demo']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const played = /Played (\d+) scenarios from examples\//.exec(result.stdout);
    const shipped = flowExamples().flatMap((example) => readdirSync(join('examples', example, 'scenarios')).filter((file) => file.endsWith('.yml')));
    expect(Number(played?.[1])).toBe(shipped.length);
  });

  describe('against Flowgate on the sandbox (loopback)', () => {
    let running: AppOnSandbox;
    beforeAll(async () => {
      running = await startAppOnSandbox();
      running.sandbox.createRepo('acme/widgets', { '.github/flows/gate.yml': GATE_FLOW }, { teams: { 'acme/managers': ['mia'] } });
      await running.sandbox.openPullRequest('acme/widgets', { author: 'dev', title: 'Change', branch: 'b', changes: { 'a.ts': '1\n' } });
    });
    afterAll(async () => running.stop());

    it('status reads the run on a PR', async () => {
      const result = await flowgate(['status', '--repo', 'acme/widgets', '--pr', '1', '--api-url', running.sandbox.url!], { GITHUB_TOKEN: 'ghs_test' });
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain('gate: waiting');
    });

    it('callback reaches Flowgate, which refuses a token it did not sign (exit 8)', async () => {
      const result = await flowgate(['callback', '--url', `${running.appUrl}/flowgate/callback?token=fgc1.forged`, '--result', 'success', '--json']);
      expect(result.code).toBe(8);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toMatchObject({ schema: 'flowgate.error/v1', command: 'callback', error: { kind: 'refused', status: 401 }, exit_code: 8 });
    });
  });
});
