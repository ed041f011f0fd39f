/**
 * `flowgate diff` and `flowgate dry-run` (issue 10): the semantic diff between
 * two git refs, offline, and the dry run of draft flows against recorded PRs;
 * each --json document checked against its published schema.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { diffCommand } from '../../src/cli/diff-command.js';
import { dryRunCommand } from '../../src/cli/dry-run-command.js';
import { GATE_FLOW, factsOf, review, t } from '../helpers.js';

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
const schema = (file: string) => ajv.compile(JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8')));
const diffSchema = schema('diff.schema.json');
const dryRunSchema = schema('dry-run.schema.json');
const factsSchema = schema('dry-run-prs.schema.json');
const errorSchema = schema('error.schema.json');

const capture = () => {
  const io = { out: '', err: '' };
  return { io, sink: { out: (text: string) => void (io.out += `${text}\n`), err: (text: string) => void (io.err += `${text}\n`) } };
};

const SECURITY = GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      count: 2');

/** A git repository with the gate flow at tag flows/v1.0.0 and a stricter one on main after it. */
function repository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-git-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args], { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  mkdirSync(join(dir, '.github/flows'), { recursive: true });
  writeFileSync(join(dir, '.github/flows/gate.yml'), GATE_FLOW);
  git('add', '.');
  git('commit', '-q', '-m', 'gate');
  git('tag', 'flows/v1.0.0');
  writeFileSync(join(dir, '.github/flows/gate.yml'), `# stricter\n${SECURITY}`);
  git('commit', '-q', '-am', 'two approvals');
  git('tag', 'same');
  writeFileSync(join(dir, '.github/flows/gate.yml'), `${SECURITY}\n# only a comment moved\n`);
  git('commit', '-q', '-am', 'a comment');
  return dir;
}

describe('flowgate diff', () => {
  it('prints the semantic diff between two refs and exits 9 when a flow changes', async () => {
    const cwd = repository();
    const { io, sink } = capture();
    expect(await diffCommand({ refs: ['flows/v1.0.0', 'main'], json: false, cwd }, sink)).toBe(9);
    expect(io.out).toContain('gate (changed)\n  review: quorum 1 → 2');
  });

  it('exits 0 when only comments changed, and its JSON matches schemas/diff.schema.json', async () => {
    const cwd = repository();
    const { io, sink } = capture();
    expect(await diffCommand({ refs: ['same', 'main'], json: true, cwd }, sink)).toBe(0);
    const document = JSON.parse(io.out);
    expect(diffSchema(document), JSON.stringify(diffSchema.errors)).toBe(true);
    expect(document).toMatchObject({ schema: 'flowgate.diff/v1', flows: [{ flow: 'gate', kind: 'unchanged' }], summary: { unchanged: 1, changed: 0 }, exit_code: 0 });
  });

  it('says which ref is unknown, and that a directory is not a repository, as usage errors (exit 2)', async () => {
    const cwd = repository();
    await expect(diffCommand({ refs: ['flows/v9', 'main'], json: false, cwd }, capture().sink)).rejects.toThrow(/unknown ref "flows\/v9": no such branch, tag or commit/);
    await expect(diffCommand({ refs: ['--output=x', 'main'], json: false, cwd }, capture().sink)).rejects.toThrow(/"--output=x" is not a ref/);
    await expect(diffCommand({ refs: ['a', 'b'], json: false, cwd: mkdtempSync(join(tmpdir(), 'flowgate-nogit-')) }, capture().sink)).rejects.toThrow(/is not inside a git repository/);
    const { io, sink } = capture();
    expect(await main(['diff', 'only-one', '--json'], sink)).toBe(2);
    const error = JSON.parse(io.out);
    expect(errorSchema(error), JSON.stringify(errorSchema.errors)).toBe(true);
    expect(error).toMatchObject({ command: 'diff', error: { kind: 'usage' } });
  });
});

describe('flowgate dry-run', () => {
  const flowsDir = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'flowgate-flows-'));
    writeFileSync(join(dir, 'gate.yml'), text);
    return dir;
  };
  const factsFile = () => {
    const document = {
      schema: 'flowgate.dry-run-prs/v1',
      prs: [
        { number: 412, title: 'One approval', at: t(60), facts: factsOf([review(5, 'mia')], { number: 412 }) },
        { number: 413, title: 'Declined', at: t(60), facts: factsOf([review(5, 'max', 'changes_requested')], { number: 413 }) },
      ],
    };
    expect(factsSchema(document), JSON.stringify(factsSchema.errors)).toBe(true);
    const file = join(mkdtempSync(join(tmpdir(), 'flowgate-prs-')), 'prs.json');
    writeFileSync(file, JSON.stringify(document));
    return file;
  };

  it('shows the PRs whose outcome would differ, exits 9, and its JSON matches schemas/dry-run.schema.json', async () => {
    const { io, sink } = capture();
    const code = await main(['dry-run', '--flows', flowsDir(SECURITY), '--live', flowsDir(GATE_FLOW), '--prs', factsFile(), '--json'], sink);
    const document = JSON.parse(io.out);
    expect(dryRunSchema(document), JSON.stringify(dryRunSchema.errors)).toBe(true);
    expect(code).toBe(9);
    expect(document).toMatchObject({ schema: 'flowgate.dry-run/v1', summary: { checked: 2, identical: 1, differing: 1 }, source: { kind: 'file' }, exit_code: 9 });
    expect(document.rows[0]).toMatchObject({ number: 412, differs: true, live: { summary: 'approved by mia; merged' }, draft: { summary: 'waiting for 1 approval from @acme/managers' } });
  });

  it('reads the live flows at a git ref, HEAD by default, and exits 0 when nothing would differ', async () => {
    const cwd = repository();
    const { io, sink } = capture();
    expect(await dryRunCommand({ flows: join(cwd, '.github/flows'), prs: factsFile(), json: false, apiUrl: 'http://127.0.0.1:9', cwd }, sink)).toBe(0);
    expect(io.out).toContain('2 PRs checked: 2 identical, 0 would differ.');
  });

  it('refuses a facts file that is not one, saying where', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'flowgate-prs-')), 'prs.json');
    writeFileSync(file, JSON.stringify({ schema: 'flowgate.dry-run-prs/v1', prs: [{ number: 'x' }] }));
    const { io, sink } = capture();
    expect(await main(['dry-run', '--flows', flowsDir(GATE_FLOW), '--live', flowsDir(GATE_FLOW), '--prs', file], sink)).toBe(2);
    expect(io.err).toMatch(/prs\[0\]\.number: /);
  });

  it('needs --repo and a token to read PRs from GitHub', async () => {
    const { io, sink } = capture();
    expect(await main(['dry-run', '--flows', flowsDir(GATE_FLOW), '--live', flowsDir(GATE_FLOW), '--prs', 'github'], sink)).toBe(2);
    expect(io.err).toContain('dry-run --prs github needs --repo <owner/name>');
  });
});

describe('flowgate dry-run --prs github', () => {
  it('reads the last closed PRs from GitHub (the sandbox) and counts its requests', async () => {
    const { startAppOnSandbox } = await import('../../src/sandbox/with-app.js');
    const running = await startAppOnSandbox();
    try {
      const { sandbox } = running;
      sandbox.createRepo('acme/widgets', { '.github/flows/gate.yml': GATE_FLOW }, { teams: { 'acme/managers': ['mia', 'max'] } });
      const pr = await sandbox.openPullRequest('acme/widgets', { author: 'dev', title: 'Merged by mia', branch: 'b', changes: { 'a.ts': '1\n' } });
      await sandbox.review('acme/widgets', pr.number, 'mia', 'approved');
      const dir = mkdtempSync(join(tmpdir(), 'flowgate-flows-'));
      writeFileSync(join(dir, 'gate.yml'), SECURITY);
      const live = mkdtempSync(join(tmpdir(), 'flowgate-flows-'));
      writeFileSync(join(live, 'gate.yml'), GATE_FLOW);
      const { io, sink } = capture();
      const code = await dryRunCommand({ flows: dir, live, prs: 'github', repo: 'acme/widgets', json: true, token: 'ghs_test', apiUrl: sandbox.url, now: sandbox.clock.now() }, sink);
      const document = JSON.parse(io.out);
      expect(dryRunSchema(document), JSON.stringify(dryRunSchema.errors)).toBe(true);
      expect(code).toBe(9);
      expect(document.rows).toEqual([expect.objectContaining({ number: pr.number, live: expect.objectContaining({ summary: 'approved by mia; merged' }), draft: expect.objectContaining({ summary: 'waiting for 1 approval from @acme/managers' }) })]);
      expect(document.source).toEqual({ kind: 'github', requests: expect.any(Number) });
      expect(document.source.requests).toBeGreaterThanOrEqual(2);
    } finally {
      await running.stop();
    }
  });
});
