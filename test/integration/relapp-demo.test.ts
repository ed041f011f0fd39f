import { describe, expect, it } from 'vitest';
import { releaseScene } from '../../src/demo/release-scene.js';

describe('the release demo scene', () => {
  it('tells the story: a run started before a promotion finishes on its old version, a new PR runs on the new one', async () => {
    const lines: string[] = [];
    const outcome = await releaseScene((line) => lines.push(line));
    expect(outcome.live).toBe('flows/v1.1.0');
    expect(outcome.versions[1]).toMatch(/^live: default branch \(no release yet\) at [0-9a-f]{7}$/);
    expect(outcome.versions[2]).toMatch(/^flows\/v1\.0\.0 at /);
    expect(outcome.versions[3]).toMatch(/^flows\/v1\.1\.0 at /);
    expect(outcome.merged).toEqual([1, 2, 3]);
    const text = lines.join('\n');
    expect(text).toContain('tag flows/v1.1.0 pushed: flows/v1.1.0 is live');
    expect(text).toContain('waiting for a second manager, as flows/v1.1.0 asks');
    expect(text).toContain('merged: one manager was enough on its version');
  });
});
