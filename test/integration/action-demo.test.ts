import { describe, expect, it } from 'vitest';
import { actionScene } from '../../src/demo/action-scene.js';

describe('the demo scene played through the bundled action', () => {
  it('tells the same PR approved with no server running: a workflow run per event, merged at the approved commit by github-actions[bot]', { timeout: 60_000 }, async () => {
    const lines: string[] = [];
    const result = await actionScene((line) => lines.push(line));
    expect(result.prs).toEqual([{ repo: 'acme/widgets', number: 1, outcome: expect.stringMatching(/^merged at [0-9a-f]{7} by github-actions\[bot\]$/), title: 'Change billing' }]);
    const text = lines.join('\n');
    expect(text).toContain('workflow run (pull_request_target): handled');
    expect(text).toContain('workflow run (pull_request_review): handled');
    expect(text).toContain('Its record is signed with the secret input: verified');
    expect(text).not.toMatch(/workflow run \(issue_comment\)|workflow run \(pull_request_target\): handled[\s\S]*workflow run \(pull_request_target\)/);
  });
});
