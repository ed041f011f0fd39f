/**
 * `flowgate versions` and `flowgate promote` against the sandbox with the app
 * running: promote checks as the app does, creates the tag, and the app
 * promotes it; versions shows live and the history; both JSON documents match
 * their schemas.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
const schemaOf = (file: string) => ajv.compile(JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8')));
const versionsSchema = schemaOf('versions.schema.json');
const promotionSchema = schemaOf('promotion.schema.json');
const errorSchema = schemaOf('error.schema.json');

const REPO = 'acme/widgets';
let running: AppOnSandbox;
let token: string | undefined;
beforeAll(async () => {
  running = await startAppOnSandbox();
  running.sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW }, { teams: { 'acme/managers': ['mia'] } });
  token = process.env.GITHUB_TOKEN;
  process.env.GITHUB_TOKEN = 'ghp_cli_test';
});
afterAll(async () => {
  if (token === undefined) delete process.env.GITHUB_TOKEN;
  else process.env.GITHUB_TOKEN = token;
  await running.stop();
});

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main([...argv, '--api-url', running.sandbox.url], { out: (text) => void (out += `${text}\n`), err: (text) => void (err += `${text}\n`) });
  await running.sandbox.settle();
  return { code, out, err };
}

describe('flowgate versions and promote', () => {
  it('versions says the default branch is live before any release', async () => {
    const { code, out } = await cli('versions', '--repo', REPO);
    expect(code).toBe(0);
    expect(out).toContain('live is the default branch `main` (no release yet)');
    const json = JSON.parse((await cli('versions', '--repo', REPO, '--json')).out);
    expect(versionsSchema(json), JSON.stringify(versionsSchema.errors)).toBe(true);
    expect(json).toMatchObject({ schema: 'flowgate.versions/v1', live: { label: 'default branch' }, promotions: [], tag_prefix: 'flows/v' });
  });

  it('promote checks, creates the tag, and the app promotes it; versions then lists it', async () => {
    const main = running.sandbox.state.repo(REPO).branches.main!;
    const { code, out } = await cli('promote', 'flows/v1.0.0', '--repo', REPO, '--json');
    expect(code).toBe(0);
    const document = JSON.parse(out);
    expect(promotionSchema(document), JSON.stringify(promotionSchema.errors)).toBe(true);
    expect(document).toMatchObject({ schema: 'flowgate.promotion/v1', result: 'tag-created', sha: main, version: '1.0.0' });
    expect(running.sandbox.state.releases.tag(running.sandbox.state.repo(REPO), 'flows/v1.0.0')).toBe(main);
    const versions = JSON.parse((await cli('versions', '--repo', REPO, '--json')).out);
    expect(versions).toMatchObject({ live: { label: 'flows/v1.0.0', tag: 'flows/v1.0.0', sha: main }, promotions: [{ tag: 'flows/v1.0.0', version: '1.0.0', previous: 'default branch' }] });
    expect((await cli('versions', '--repo', REPO)).out).toContain('flows/v1.0.0');
    expect((await cli('promote', 'flows/v1.0.0', '--repo', REPO)).out).toContain('already promoted');
  });

  it('promote refuses what the app would refuse, writes nothing, and exits 8 with every reason', async () => {
    const before = running.sandbox.state.releases.tags(running.sandbox.state.repo(REPO)).size;
    const lower = await cli('promote', 'flows/v0.9.0', '--repo', REPO);
    expect(lower.code).toBe(8);
    expect(lower.err).toContain('0.9.0 is not higher than the live version 1.0.0');
    const pr = await running.sandbox.openPullRequest(REPO, { author: 'dev', title: 'x', branch: 'x', changes: { '.github/flows/gate.yml': 'name: [\n' } });
    const json = JSON.parse((await cli('promote', 'flows/v2.0.0', '--repo', REPO, '--sha', pr.headSha, '--json')).out);
    expect(promotionSchema(json), JSON.stringify(promotionSchema.errors)).toBe(true);
    expect(json).toMatchObject({ result: 'refused', exit_code: 8, problems: [{ file: '.github/flows/gate.yml', line: expect.any(Number) }] });
    expect(json.reasons.join('\n')).toContain('not on the default branch');
    expect(running.sandbox.state.releases.tags(running.sandbox.state.repo(REPO)).size).toBe(before);
  });

  it('promote reads an annotated tag (`git tag -a`) as the commit it names: one at the commit is "exists", one elsewhere is refused naming that commit', async () => {
    const { sandbox } = running;
    const main = await sandbox.pushToDefault(REPO, 'dev', { 'docs/a.md': 'a\n' });
    // The app never sees these pushes (as when its webhook was down): the tags exist, unpromoted.
    const url = sandbox.webhookUrl;
    sandbox.webhookUrl = undefined;
    try {
      await sandbox.pushTag(REPO, 'flows/v1.1.0', main, 'rel', { message: 'Flows 1.1.0' });
      await sandbox.pushTag(REPO, 'flows/v1.2.0', sandbox.state.repo(REPO).commits.get(main)!.parent!, 'rel', { message: 'Flows 1.2.0' });
    } finally {
      sandbox.webhookUrl = url;
    }
    const exists = JSON.parse((await cli('promote', 'flows/v1.1.0', '--repo', REPO, '--json')).out);
    expect(exists).toMatchObject({ result: 'tag-exists', sha: main, exit_code: 0 });
    const elsewhere = JSON.parse((await cli('promote', 'flows/v1.2.0', '--repo', REPO, '--json')).out);
    expect(elsewhere).toMatchObject({ result: 'refused', exit_code: 8 });
    expect(elsewhere.reasons.join('\n')).toContain(`flows/v1.2.0 already points at ${sandbox.state.repo(REPO).commits.get(main)!.parent!.slice(0, 7)}`);
  });

  it('explains bad arguments and missing tokens', async () => {
    expect((await cli('promote', '--repo', REPO)).err).toContain('promote needs a tag');
    expect((await cli('promote', 'v1.0.0', '--repo', REPO)).err).toContain('v1.0.0 is not a release tag: release tags here are flows/vX.Y.Z');
    expect((await cli('promote', 'flows/v1.0.1', '--repo', REPO, '--sha', 'abc')).err).toContain('expected a full 40-character commit SHA');
    const missing = JSON.parse((await cli('versions', '--repo', 'acme/nothing', '--json')).out);
    expect(errorSchema(missing), JSON.stringify(errorSchema.errors)).toBe(true);
    expect(missing).toMatchObject({ schema: 'flowgate.error/v1', command: 'versions', exit_code: 8 });
    delete process.env.GITHUB_TOKEN;
    expect((await cli('versions', '--repo', REPO)).err).toContain('versions needs a token: set GITHUB_TOKEN');
    process.env.GITHUB_TOKEN = 'ghp_cli_test';
    expect((await cli('versions', '--help')).out).toContain('Usage: flowgate versions');
    expect((await cli('promote', '--help')).out).toContain('Usage: flowgate promote <tag>');
  });
});
