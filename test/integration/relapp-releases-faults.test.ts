/**
 * Promotion as an unlucky operator meets it: GitHub makes the deployment and the
 * answer is lost, or two replicas receive the same tag push at the same moment.
 * Either way one promotion is made, once: one deployment, one success status, one
 * release check.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memoryLock, type Lock } from '../../src/github/lock.js';
import type { FaultKind } from '../../src/sandbox/faults.js';
import { startAppOnSandbox, WEBHOOK_PATH, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { GATE_FLOW } from '../helpers.js';

const REPO = 'acme/widgets';
const TAG = 'flows/v1.0.0';

let apps: AppOnSandbox[] = [];
afterEach(async () => {
  // The sandbox is shared: the last app stops it, the others stop their servers only.
  for (const app of apps.slice(0, -1)) await app.stopApp();
  await apps.at(-1)?.stop();
  apps = [];
});

async function setUp(options: { lock?: Lock; sandbox?: Sandbox } = {}): Promise<AppOnSandbox> {
  const running = await startAppOnSandbox({ requestTimeoutMs: 2_000, ...options });
  apps.push(running);
  if (!options.sandbox) {
    running.sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'src/a.ts': '1\n' }, { teams: { 'acme/managers': ['mia'] }, permissions: { mia: 'write' } });
  }
  return running;
}

const head = (sandbox: Sandbox) => sandbox.state.repo(REPO).branches.main!;
const deployments = (sandbox: Sandbox) => sandbox.state.releases.deploymentsOf(sandbox.state.repo(REPO));
const releaseChecks = (sandbox: Sandbox, sha: string) => sandbox.checkRunsFor(sha).filter((run) => run.name === 'Flowgate: release');
const tagPush = (sandbox: Sandbox) => sandbox.deliveries.find((delivery) => delivery.name === 'push' && (delivery.payload as { ref?: string }).ref === `refs/tags/${TAG}`)!;

function expectOnePromotion(sandbox: Sandbox): void {
  const sha = head(sandbox);
  expect(deployments(sandbox)).toHaveLength(1);
  expect(deployments(sandbox)[0]).toMatchObject({ sha, environment: 'flowgate-live', creator: sandbox.appLogin });
  expect(deployments(sandbox)[0]!.statuses.map((status) => status.state)).toEqual(['success']);
  expect(releaseChecks(sandbox, sha)).toHaveLength(1);
  expect(releaseChecks(sandbox, sha)[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
}

describe('a promotion whose deployment was made but whose answer was lost', () => {
  const lost: [FaultKind, string][] = [
    ['timeout-after', 'GitHub made it and never answered'],
    ['error-after', 'GitHub made it and answered 500'],
  ];
  it.each(lost)('%s (%s): the delivery fails, and its redelivery completes the same deployment without making a second', async (fault) => {
    const { sandbox } = await setUp();
    sandbox.faults.add({ match: { method: 'POST', path: /\/deployments$/ }, fault, nth: 1 });
    await sandbox.pushTag(REPO, TAG, head(sandbox), 'rel');
    // The deployment exists; nothing else was written, and the app said the delivery failed.
    expect(deployments(sandbox)).toHaveLength(1);
    expect(deployments(sandbox)[0]!.statuses).toEqual([]);
    expect(releaseChecks(sandbox, head(sandbox))).toHaveLength(0);
    expect(tagPush(sandbox).outcome).not.toBe('OK');

    await sandbox.redeliver(tagPush(sandbox));
    expectOnePromotion(sandbox);
    expect(sandbox.deliveries.at(-1)!.outcome).toBe('OK');
  });
});

describe('two replicas', () => {
  it('given the same tag push at the same moment and sharing a lock, they make one deployment, one status and one release check', async () => {
    const lock = memoryLock();
    const first = await setUp({ lock });
    const second = await setUp({ lock, sandbox: first.sandbox });
    const { sandbox } = second;
    // The second app is the webhook URL now; the first receives a copy of every delivery at the same moment.
    sandbox.mirrorUrls = [`${first.appUrl}${WEBHOOK_PATH}`];
    await sandbox.pushTag(REPO, TAG, head(sandbox), 'rel');
    await sandbox.redeliverAtOnce(tagPush(sandbox), 2);
    expectOnePromotion(sandbox);
    expect(sandbox.deliveries.filter((delivery) => delivery.name === 'push').every((delivery) => delivery.outcome === 'OK')).toBe(true);
  });
});
