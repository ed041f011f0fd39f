/**
 * Releases end to end on the sandbox: a tag promotes merged, valid flows of a
 * higher version; everything else is refused with a failing `Flowgate: release`
 * check and live does not change. Runs keep the version they started on.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import { statusCommand } from '../../src/cli/status-command.js';
import { decodeRecord } from '../../src/github/history/record.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { GATE_FLOW } from '../helpers.js';

const statusSchema = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(new URL('../../schemas/status.schema.json', import.meta.url), 'utf8')));

async function status(sandbox: Sandbox, number: number, json: boolean): Promise<string> {
  let out = '';
  await statusCommand({ repo: REPO, pr: String(number), json, token: 'ghs_test', apiUrl: sandbox.url }, { out: (text) => void (out += `${text}\n`), err: () => {} }, sandbox.clock.now());
  return out;
}

let running: AppOnSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const REPO = 'acme/widgets';
const FLOW = '.github/flows/gate.yml';
/** Two managers must approve. */
const STRICT = GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      count: 2');
/** Anyone with write access, even the author. */
const LOOSE = GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { users: [dev] }\n      exclude: []');

async function setUp(flow = GATE_FLOW) {
  running = await startAppOnSandbox();
  const { sandbox } = running;
  sandbox.createRepo(REPO, { [FLOW]: flow, 'src/a.ts': '1\n' }, { teams: { 'acme/managers': ['mia', 'max'] }, permissions: { mia: 'write', max: 'write', dev: 'write' } });
  return sandbox;
}

const head = (sandbox: Sandbox) => sandbox.state.repo(REPO).branches.main!;
const releaseChecks = (sandbox: Sandbox, sha: string) => sandbox.checkRunsFor(sha).filter((run) => run.name === 'Flowgate: release');
const deployments = (sandbox: Sandbox) => sandbox.state.releases.deploymentsOf(sandbox.state.repo(REPO));
const runRecord = (sandbox: Sandbox, sha: string) => decodeRecord(sandbox.checkRunsFor(sha).find((run) => run.name === 'Flowgate: gate')!.output.text ?? '');
let branches = 0;
const openPr = (sandbox: Sandbox, changes: Record<string, string | null> = { 'src/a.ts': `${(branches += 1)}\n` }) =>
  sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: `dev/b${(branches += 1)}`, changes });

describe('promotion', () => {
  it('a tag on a merged commit with valid flows is promoted: a deployment to flowgate-live with a success status, and a passing release check', async () => {
    const sandbox = await setUp();
    const sha = head(sandbox);
    sandbox.requests.length = 0;
    await sandbox.pushTag(REPO, 'flows/v1.0.0', sha, 'rel');
    const id = deployments(sandbox)[0]?.id;
    expect(sandbox.requests).toEqual([
      'POST /graphql', // what is live, the settings, and the default branch's flows (here the tagged commit's too)
      'POST /graphql', // the commit the tag names
      `GET /repos/acme/widgets/compare/main...${sha}`,
      'POST /repos/acme/widgets/deployments',
      `GET /repos/acme/widgets/commits/${sha}/check-runs`,
      'POST /repos/acme/widgets/check-runs',
      `GET /repos/acme/widgets/deployments/${id}/statuses`,
      `POST /repos/acme/widgets/deployments/${id}/statuses`,
    ]);
    expect(deployments(sandbox)).toHaveLength(1);
    expect(deployments(sandbox)[0]).toMatchObject({ sha, environment: 'flowgate-live', creator: sandbox.appLogin, payload: { tag: 'flows/v1.0.0', sha, previous: 'default branch' } });
    expect(deployments(sandbox)[0]!.statuses.map((status) => status.state)).toEqual(['success']);
    const [check] = releaseChecks(sandbox, sha);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'flows/v1.0.0 is live' } });
    expect(check!.output.summary).toContain('No change to what any flow does.');
    // New runs take the release, and say so.
    const pr = await openPr(sandbox);
    expect(runRecord(sandbox, pr.headSha)).toMatchObject({ ok: true, record: { run: { version: sha, label: 'flows/v1.0.0' } } });
    expect(sandbox.checkRunsFor(pr.headSha).find((run) => run.name === 'Flowgate: gate')!.output.summary).toContain('Version: flows/v1.0.0 at');
    expect(sandbox.pullRequest(REPO, pr.number).comments[0]!.body).toContain(`Flows: flows/v1.0.0 at ${sha.slice(0, 7)}`);
  });

  it('an annotated tag (`git tag -a`, whose push names a tag object) is promoted at the commit it names', async () => {
    const sandbox = await setUp();
    const sha = head(sandbox);
    await sandbox.pushTag(REPO, 'flows/v1.0.0', sha, 'rel', { message: 'Flows 1.0.0' });
    const pushed = sandbox.deliveries.find((delivery) => delivery.name === 'push')!.payload as { after: string };
    expect(pushed.after).not.toBe(sha);
    expect(deployments(sandbox)).toHaveLength(1);
    expect(deployments(sandbox)[0]).toMatchObject({ sha, payload: { tag: 'flows/v1.0.0', sha } });
    expect(deployments(sandbox)[0]!.statuses.map((status) => status.state)).toEqual(['success']);
    expect(releaseChecks(sandbox, sha)).toMatchObject([{ conclusion: 'success', output: { title: 'flows/v1.0.0 is live' } }]);
    const pr = await openPr(sandbox);
    expect(runRecord(sandbox, pr.headSha)).toMatchObject({ record: { run: { version: sha, label: 'flows/v1.0.0' } } });
  });

  it('before any release, runs say the default branch is live', async () => {
    const sandbox = await setUp();
    const pr = await openPr(sandbox);
    expect(runRecord(sandbox, pr.headSha)).toMatchObject({ ok: true, record: { run: { label: 'default branch' } } });
    const output = sandbox.checkRunsFor(pr.headSha).find((run) => run.name === 'Flowgate: gate')!.output;
    expect(output.text).toContain('started on live: default branch (no release yet) at');
  });

  it('a tag on a commit that is not on the default branch is refused, and live does not change', async () => {
    const sandbox = await setUp();
    const pr = await openPr(sandbox, { [FLOW]: LOOSE });
    await sandbox.pushTag(REPO, 'flows/v1.0.0', pr.headSha, 'dev');
    expect(deployments(sandbox)).toEqual([]);
    const [check] = releaseChecks(sandbox, pr.headSha);
    expect(check).toMatchObject({ conclusion: 'failure' });
    expect(check!.output.summary).toContain('is not on the default branch `main`');
    expect(check!.output.summary).toContain('Live stays default branch');
  });

  it('a tag refused on an unmerged commit, pushed again once main holds the commit, is promoted and its one release check turns green', async () => {
    const sandbox = await setUp();
    const pr = await openPr(sandbox);
    await sandbox.pushTag(REPO, 'flows/v1.0.0', pr.headSha, 'rel');
    expect(releaseChecks(sandbox, pr.headSha).map((check) => check.conclusion)).toEqual(['failure']);
    // The commit lands on main as it is (a fast-forward push of main to it), then the tag is pushed again.
    sandbox.state.repo(REPO).branches.main = pr.headSha;
    await sandbox.deleteTag(REPO, 'flows/v1.0.0', 'rel');
    await sandbox.pushTag(REPO, 'flows/v1.0.0', pr.headSha, 'rel');
    expect(deployments(sandbox)).toHaveLength(1);
    expect(releaseChecks(sandbox, pr.headSha).map((check) => check.conclusion)).toEqual(['success']);
  });

  it('a tag whose flows are invalid is refused, with the errors annotated at file:line', async () => {
    const sandbox = await setUp();
    const sha = await sandbox.pushToDefault(REPO, 'dev', { [FLOW]: 'name: gate\nsteps: nope\n' });
    await sandbox.pushTag(REPO, 'flows/v1.0.0', sha, 'rel');
    expect(deployments(sandbox)).toEqual([]);
    const [check] = releaseChecks(sandbox, sha);
    expect(check).toMatchObject({ conclusion: 'failure' });
    expect(check!.output.summary).toContain('have 2 error(s), annotated at file:line');
    expect(check!.annotations).toHaveLength(2);
    expect(check!.annotations?.[0]).toMatchObject({ path: FLOW, annotation_level: 'failure' });
  });

  it('a tag that is not a semantic version under the prefix is refused', async () => {
    const sandbox = await setUp();
    await sandbox.pushTag(REPO, 'flows/vnext', head(sandbox), 'rel');
    expect(deployments(sandbox)).toEqual([]);
    expect(releaseChecks(sandbox, head(sandbox))[0]!.output.summary).toContain('is not `flows/v` followed by a semantic version');
  });

  it('a tag outside the prefix is not a release: nothing is written', async () => {
    const sandbox = await setUp();
    sandbox.requests.length = 0;
    await sandbox.pushTag(REPO, 'v3.0.0', head(sandbox), 'rel');
    expect(releaseChecks(sandbox, head(sandbox))).toEqual([]);
    expect(sandbox.requests).toEqual(['POST /graphql']);
  });

  it('a version lower than live is refused, and live stays', async () => {
    const sandbox = await setUp();
    const first = head(sandbox);
    await sandbox.pushTag(REPO, 'flows/v1.1.0', first, 'rel');
    const second = await sandbox.pushToDefault(REPO, 'dev', { [FLOW]: STRICT });
    await sandbox.pushTag(REPO, 'flows/v1.0.5', second, 'rel');
    expect(deployments(sandbox)).toHaveLength(1);
    expect(releaseChecks(sandbox, second)[0]!.output.summary).toContain('1.0.5 is not higher than the live version 1.1.0');
    const pr = await openPr(sandbox);
    expect(runRecord(sandbox, pr.headSha)).toMatchObject({ record: { run: { version: first, label: 'flows/v1.1.0' } } });
  });

  it('the settings file sets the tag prefix', async () => {
    const sandbox = await setUp();
    const sha = await sandbox.pushToDefault(REPO, 'dev', { '.github/flowgate.yml': 'releases:\n  tag_prefix: policy-\n' });
    await sandbox.pushTag(REPO, 'flows/v1.0.0', sha, 'rel');
    expect(deployments(sandbox)).toEqual([]);
    await sandbox.pushTag(REPO, 'policy-2.0.0', sha, 'rel');
    expect(deployments(sandbox).map((deployment) => deployment.payload)).toMatchObject([{ tag: 'policy-2.0.0' }]);
  });

  it('annotations past 50 are sent in batches of at most 50 a request', async () => {
    const sandbox = await setUp();
    const broken = Object.fromEntries(Array.from({ length: 60 }, (_, index) => [`.github/flows/bad-${String(index).padStart(2, '0')}.yml`, 'name: [\n']));
    const sha = await sandbox.pushToDefault(REPO, 'dev', broken);
    sandbox.requests.length = 0;
    await sandbox.pushTag(REPO, 'flows/v1.0.0', sha, 'rel');
    const [check] = releaseChecks(sandbox, sha);
    expect(check!.annotations).toHaveLength(60);
    const writes = sandbox.requests.filter((request) => request.includes('/check-runs') && !request.startsWith('GET'));
    expect(writes).toEqual(['POST /repos/acme/widgets/check-runs', `PATCH /repos/acme/widgets/check-runs/${check!.id}`]);
  });
});

describe('what is live, under attack', () => {
  it('a PR that loosens its own flow stays gated by live, and so does a loosened flow merged but not promoted', async () => {
    const sandbox = await setUp();
    await sandbox.pushTag(REPO, 'flows/v1.0.0', head(sandbox), 'rel');
    await sandbox.pushToDefault(REPO, 'dev', { [FLOW]: LOOSE });
    const pr = await openPr(sandbox, { [FLOW]: LOOSE, 'src/a.ts': 'x\n' });
    await sandbox.review(REPO, pr.number, 'dev', 'approved');
    await sandbox.comment(REPO, pr.number, 'dev', '/approve');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    expect(runRecord(sandbox, pr.headSha)).toMatchObject({ record: { run: { label: 'flows/v1.0.0' } } });
  });

  it('a deployment to flowgate-live made by someone else is ignored, whatever its payload says', async () => {
    const sandbox = await setUp();
    const loose = await sandbox.pushToDefault(REPO, 'dev', { [FLOW]: LOOSE });
    const strict = await sandbox.pushToDefault(REPO, 'dev', { [FLOW]: GATE_FLOW });
    await sandbox.pushTag(REPO, 'flows/v1.0.0', strict, 'rel');
    // GitHub lets anyone with write access deploy, and so does a workflow's GITHUB_TOKEN.
    sandbox.deployAs(REPO, 'mallory', { ref: loose, environment: 'flowgate-live', payload: { tag: 'flows/v9.0.0', sha: loose, previous: 'flows/v1.0.0' } });
    sandbox.deployAs(REPO, 'flowgate', { ref: loose, environment: 'flowgate-live', payload: JSON.stringify({ tag: 'flows/v9.0.1', sha: loose }) });
    const pr = await openPr(sandbox);
    await sandbox.review(REPO, pr.number, 'dev', 'approved');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    expect(runRecord(sandbox, pr.headSha)).toMatchObject({ record: { run: { version: strict, label: 'flows/v1.0.0' } } });
  });

  it('a flood of others\' deployments does not hide the live release: the app reads further pages, and only then', async () => {
    const sandbox = await setUp();
    const strict = head(sandbox);
    await sandbox.pushTag(REPO, 'flows/v1.0.0', strict, 'rel');
    const loose = await sandbox.pushToDefault(REPO, 'dev', { [FLOW]: LOOSE });
    for (let index = 0; index < 60; index += 1) sandbox.deployAs(REPO, 'mallory', { ref: loose, environment: 'flowgate-live', payload: { tag: `flows/v9.0.${index}`, sha: loose } });
    sandbox.requests.length = 0;
    const pr = await openPr(sandbox);
    expect(runRecord(sandbox, pr.headSha)).toMatchObject({ record: { run: { version: strict, label: 'flows/v1.0.0' } } });
    // One more read than an ordinary PR's one (the promotion made the flows and their people known): the second page of deployments.
    expect(sandbox.requests.filter((request) => request === 'POST /graphql')).toHaveLength(2);
  });

  it('a redelivered tag push makes one deployment, one status and one check run', async () => {
    const sandbox = await setUp();
    await sandbox.pushTag(REPO, 'flows/v1.0.0', head(sandbox), 'rel');
    const push = sandbox.deliveries.find((delivery) => delivery.name === 'push')!;
    await sandbox.redeliver(push);
    await sandbox.redeliverAtOnce(push, 2);
    expect(deployments(sandbox)).toHaveLength(1);
    expect(deployments(sandbox)[0]!.statuses).toHaveLength(1);
    expect(releaseChecks(sandbox, head(sandbox))).toHaveLength(1);
    expect(sandbox.deliveries.every((delivery) => delivery.outcome === 'OK')).toBe(true);
  });

  it('a promotion that stopped after its deployment is completed by the redelivery, without a second deployment', async () => {
    const sandbox = await setUp();
    sandbox.faults.add({ match: (request) => request.path.endsWith('/statuses') && request.method === 'POST', fault: 'error-before', nth: 1 });
    await sandbox.pushTag(REPO, 'flows/v1.0.0', head(sandbox), 'rel');
    expect(deployments(sandbox)[0]!.statuses).toEqual([]);
    await sandbox.redeliver(sandbox.deliveries.find((delivery) => delivery.name === 'push')!);
    expect(deployments(sandbox)).toHaveLength(1);
    expect(deployments(sandbox)[0]!.statuses.map((status) => status.state)).toEqual(['success']);
    expect(releaseChecks(sandbox, head(sandbox))).toHaveLength(1);
  });

  it('a tag moved or deleted after its promotion changes nothing: live stays the promoted commit', async () => {
    const sandbox = await setUp();
    const promoted = head(sandbox);
    await sandbox.pushTag(REPO, 'flows/v1.0.0', promoted, 'rel');
    const other = await sandbox.pushToDefault(REPO, 'dev', { [FLOW]: LOOSE });
    await sandbox.pushTag(REPO, 'flows/v1.0.0', other, 'rel');
    expect(releaseChecks(sandbox, other)[0]!.output.summary).toContain('moving a tag does not promote it again');
    await sandbox.deleteTag(REPO, 'flows/v1.0.0', 'rel');
    expect(deployments(sandbox)).toHaveLength(1);
    const pr = await openPr(sandbox);
    expect(runRecord(sandbox, pr.headSha)).toMatchObject({ record: { run: { version: promoted, label: 'flows/v1.0.0' } } });
  });
});

describe('pinning', () => {
  it('a run started before a promotion finishes on its version; a PR opened after runs on the new one', async () => {
    const sandbox = await setUp();
    const before = await openPr(sandbox);
    const old = head(sandbox);
    const strict = await sandbox.pushToDefault(REPO, 'dev', { [FLOW]: STRICT });
    await sandbox.pushTag(REPO, 'flows/v2.0.0', strict, 'rel');
    const after = await openPr(sandbox);
    expect(runRecord(sandbox, before.headSha)).toMatchObject({ record: { run: { version: old, label: 'default branch' } } });
    expect(runRecord(sandbox, after.headSha)).toMatchObject({ record: { run: { version: strict, label: 'flows/v2.0.0' } } });
    // flowgate status says which version each run obeys, in text and in JSON.
    expect(await status(sandbox, before.number, false)).toContain(`flows live: default branch (no release yet) at ${old.slice(0, 7)}`);
    expect(await status(sandbox, after.number, false)).toContain(`flows flows/v2.0.0 at ${strict.slice(0, 7)}`);
    const document = JSON.parse(await status(sandbox, after.number, true));
    expect(statusSchema(document), JSON.stringify(statusSchema.errors)).toBe(true);
    expect(document.runs[0]).toMatchObject({ version: strict, version_label: 'flows/v2.0.0' });
    // One approval is enough for the run pinned to the old flows, not for the new.
    await sandbox.review(REPO, before.number, 'mia', 'approved');
    await sandbox.review(REPO, after.number, 'mia', 'approved');
    expect(sandbox.pullRequest(REPO, before.number).merged).toBe(true);
    expect(sandbox.pullRequest(REPO, after.number).merged).toBe(false);
    await sandbox.review(REPO, after.number, 'max', 'approved');
    expect(sandbox.pullRequest(REPO, after.number).merged).toBe(true);
  });
});

describe('cost', () => {
  it('an ordinary event costs the same requests with a release live as before any: finding live is folded into the flows query', async () => {
    const count = async (release: boolean) => {
      const sandbox = await setUp();
      if (release) await sandbox.pushTag(REPO, 'flows/v1.0.0', head(sandbox), 'rel');
      // A first PR makes the repository known to the app (its flows, the people they need), release or not.
      await openPr(sandbox);
      sandbox.requests.length = 0;
      const pr = await openPr(sandbox);
      const opened = [...sandbox.requests];
      sandbox.requests.length = 0;
      await sandbox.comment(REPO, pr.number, 'mia', 'Looks fine so far.');
      await sandbox.label(REPO, pr.number, 'mia', 'ready');
      const later = [...sandbox.requests];
      await running!.stop();
      running = undefined;
      return { opened, later };
    };
    const without = await count(false);
    const withRelease = await count(true);
    expect(withRelease).toEqual(without);
    expect(without.opened.filter((request) => request === 'POST /graphql')).toHaveLength(1);
  });
});
