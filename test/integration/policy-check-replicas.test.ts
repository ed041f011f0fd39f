/**
 * A push that breaks the live flows gets one `Flowgate: policy` check, whoever handles it: two
 * replicas given the same push at the same moment (a redelivery racing the original, or two
 * servers behind one URL) share the lock, and the second finds the check the first made.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memoryLock } from '../../src/github/lock.js';
import { startAppOnSandbox, WEBHOOK_PATH, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

const REPO = 'acme/widgets';
const BROKEN = 'name: broken\non: { pull_request: {} }\nsteps:\n  - id: a\n    nexxt: b\n';

let apps: AppOnSandbox[] = [];
afterEach(async () => {
  // The sandbox is shared: the last app stops it, the others stop their servers only.
  for (const app of apps.slice(0, -1)) await app.stopApp();
  await apps.at(-1)?.stop();
  apps = [];
});

describe('two replicas given the same push that breaks the flows', () => {
  it('sharing a lock, make one Flowgate: policy check, and both answer OK', async () => {
    const lock = memoryLock();
    const first = await startAppOnSandbox({ requestTimeoutMs: 2_000, lock });
    apps.push(first);
    first.sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'src/a.ts': '1\n' }, { teams: { 'acme/managers': ['mia'] }, permissions: { mia: 'write' } });
    const second = await startAppOnSandbox({ requestTimeoutMs: 2_000, lock, sandbox: first.sandbox });
    apps.push(second);
    const { sandbox } = second;
    // The second app is the webhook URL now; the first receives a copy of every delivery at the same moment.
    sandbox.mirrorUrls = [`${first.appUrl}${WEBHOOK_PATH}`];
    const sha = await sandbox.pushToDefault(REPO, 'dev', { '.github/flows/broken.yml': BROKEN });
    await sandbox.settle();
    const push = sandbox.deliveries.find((delivery) => delivery.name === 'push')!;
    await sandbox.redeliverAtOnce(push, 2);
    const checks = sandbox.checkRunsFor(sha).filter((run) => run.name === 'Flowgate: policy');
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(sandbox.deliveries.filter((delivery) => delivery.name === 'push').every((delivery) => delivery.outcome === 'OK')).toBe(true);
  });
});
