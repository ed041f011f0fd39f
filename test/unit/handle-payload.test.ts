import { describe, expect, it } from 'vitest';
import { GitHubCache } from '../../src/github/facts/cache.js';
import type { GitHubClient } from '../../src/github/client.js';
import { handleWebhook, PullRequestQueue } from '../../src/github/handle.js';

const noGitHub: GitHubClient = {
  graphql: () => Promise.reject(new Error('no request may be made')),
  request: () => Promise.reject(new Error('no request may be made')),
};
const deps = { gh: noGitHub, cache: new GitHubCache(), queue: new PullRequestQueue(), app: { id: 1, login: 'flowgate[bot]' }, connections: () => undefined, now: () => 0, log: () => {} };

describe('webhook payloads at the boundary', () => {
  it('a malformed payload is skipped with where it is wrong, before any request', async () => {
    const outcome = await handleWebhook(deps, 'pull_request', { action: 'opened', repository: { name: 'w', owner: { login: 'acme' }, default_branch: 'main' }, pull_request: { number: 'seven', head: { sha: 'a' } } });
    expect(outcome).toEqual({ skipped: 'malformed pull_request payload: pull_request.number: Invalid input: expected number, received string', runs: [] });
  });

  it('a payload without a pull request is skipped', async () => {
    expect(await handleWebhook(deps, 'check_run', { action: 'rerequested', repository: { name: 'w', owner: { login: 'acme' }, default_branch: 'main' }, check_run: { id: 1, head_sha: 'a', pull_requests: [], app: { id: 1 } } })).toEqual({
      skipped: 'no pull request in the payload',
      runs: [],
    });
  });

  it('queues events on one PR one after another', async () => {
    const queue = new PullRequestQueue();
    const order: string[] = [];
    const slow = queue.run('pr', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('first');
    });
    const fast = queue.run('pr', async () => void order.push('second'));
    const other = queue.run('other', async () => void order.push('other PR'));
    await Promise.all([slow, fast, other]);
    expect(order).toEqual(['other PR', 'first', 'second']);
  });
});
