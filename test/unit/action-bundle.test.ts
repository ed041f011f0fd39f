import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { buildAction } from '../../scripts/build-action.js';

const dist = new URL('../../action/dist/', import.meta.url);
const FILES = ['index.js', 'package.json', 'licenses.txt'];

describe('the committed action bundle (check-dist)', () => {
  it('is what the sources build today, byte for byte', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowgate-dist-'));
    try {
      await buildAction(dir);
      for (const file of FILES) {
        const fresh = readFileSync(join(dir, file));
        const committed = readFileSync(new URL(file, dist));
        expect(committed.equals(fresh), `action/dist/${file} is stale: run \`npm run build:action\` (or \`npx tsx scripts/build-action.ts\`) and commit action/dist`).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds the same bytes twice (no timestamps or paths in it)', { timeout: 60_000 }, async () => {
    const [a, b] = [mkdtempSync(join(tmpdir(), 'flowgate-dist-a-')), mkdtempSync(join(tmpdir(), 'flowgate-dist-b-'))];
    try {
      await buildAction(a);
      await buildAction(b);
      for (const file of FILES) expect(readFileSync(join(a, file)).equals(readFileSync(join(b, file)))).toBe(true);
      expect(readFileSync(join(a, 'index.js'), 'utf8')).not.toContain(process.cwd());
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });

  it('is the action.yml entry, run by node24, as an ES module', () => {
    const action = load(readFileSync(new URL('../../action/action.yml', import.meta.url), 'utf8')) as { runs: { using: string; main: string }; inputs: Record<string, { default?: string; description: string }>; outputs: Record<string, unknown> };
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(action.inputs.token!.default).toBe('${{ github.token }}');
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['token', 'app-token', 'secret']));
    expect(Object.keys(action.outputs)).toEqual(expect.arrayContaining(['runs', 'result', 'requests']));
    expect(JSON.parse(readFileSync(new URL('package.json', dist), 'utf8'))).toMatchObject({ type: 'module' });
  });
});
