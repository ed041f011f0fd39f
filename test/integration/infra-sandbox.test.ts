/** The infrastructure through the real app on the sandbox. */
import { afterEach, describe, expect, it } from 'vitest';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';

let running: AppOnSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('the app on the sandbox', () => {
  it('a second sweep asked of one process while the first runs is skipped, and says why', async () => {
    running = await startAppOnSandbox();
    const [first, second] = await Promise.all([running.sweep(), running.sweep()]);
    expect(first.skipped).toBeUndefined();
    expect(second).toMatchObject({ skipped: 'a sweep is already running in this process', installations: 0 });
  });
});
