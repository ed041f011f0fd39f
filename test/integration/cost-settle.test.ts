/**
 * Sandbox.settle() with webhooks queued while no webhook URL is set. A settle
 * that spins on a settled promise starves the event loop: no timer, no signal
 * and no vitest timeout can stop it in-process. So each case runs the compiled
 * sandbox (dist/, built by the global setup) in a child process that is killed
 * after a bound, and the test fails instead of hanging the suite.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const SANDBOX = pathToFileURL(resolve('dist/sandbox/sandbox.js')).href;
const BOUND_MS = 10_000;

/** Runs `body` (an async script with `sandbox` in scope) in a child; resolves with what it printed, or `killed` past the bound. */
function inChild(body: string): Promise<{ killed: boolean; output: string }> {
  const script = `
    import { Sandbox } from ${JSON.stringify(SANDBOX)};
    const sandbox = new Sandbox();
    await sandbox.start();
    sandbox.createRepo('acme/web', { 'a.txt': 'a\\n' });
    ${body}
    await sandbox.stop();
  `;
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // SIGKILL: a process spinning in microtasks may never get to a SIGTERM handler.
    const timer = setTimeout(() => child.kill('SIGKILL'), BOUND_MS);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      done({ killed: signal === 'SIGKILL', output });
    });
  });
}

const lastJson = (output: string) => JSON.parse(output.trim().split('\n').at(-1)!) as unknown;

describe('settle() without a webhook URL', () => {
  it('returns when webhooks were queued while no URL was set, and keeps each one in the log as failed, saying why', async () => {
    const { killed, output } = await inChild(`
      await sandbox.openPullRequest('acme/web', { author: 'dev', title: 't', branch: 'b', changes: { 'a.txt': 'b\\n' } });
      await sandbox.comment('acme/web', 1, 'mia', '/approve');
      sandbox.queueRedelivery(sandbox.deliveries[0]);
      await sandbox.settle();
      await sandbox.settle();
      console.log(JSON.stringify(sandbox.deliveries.map((delivery) => [delivery.name, delivery.redelivery, delivery.outcome, delivery.error])));
    `);
    expect(killed, `settle() did not return within ${BOUND_MS} ms:\n${output}`).toBe(false);
    const cause = 'no webhook URL is set: nothing listens; redeliver it once the app does';
    expect(lastJson(output)).toEqual([
      ['pull_request', false, 'failed to connect', cause],
      ['issue_comment', false, 'failed to connect', cause],
      ['pull_request', true, 'failed to connect', cause],
    ]);
  });

  it('lets timers run while it waits: a settle cannot starve the event loop', async () => {
    // A drain of many deliveries that each fail at once is all microtasks; settle yields to timers between rounds.
    const { killed, output } = await inChild(`
      let ticks = 0;
      const timer = setInterval(() => (ticks += 1), 0);
      for (let round = 0; round < 200; round += 1) {
        sandbox.queueRedelivery({ id: 'guid-' + round, name: 'ping', payload: {}, deliveryId: round, redelivery: false });
        await sandbox.settle();
      }
      clearInterval(timer);
      console.log(JSON.stringify({ failed: sandbox.deliveries.filter((delivery) => delivery.outcome === 'failed to connect').length, ticked: ticks > 0 }));
    `);
    expect(killed, `settle() did not return within ${BOUND_MS} ms:\n${output}`).toBe(false);
    expect(lastJson(output)).toEqual({ failed: 200, ticked: true });
  });
});
