/**
 * The sweep looks at a PR from outside its concurrency group: with a client that
 * reads and refuses every write before it leaves, and remembers the first write
 * asked for even when the caller swallowed the refusal.
 */
import { describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { readOnlyClient, WouldWrite } from '../../src/action/probe.js';

function recording() {
  const sent: string[] = [];
  const gh: GitHubClient = {
    graphql: async <T>(query: string) => (sent.push(`graphql ${query.trim().split(/\s+/)[0]}`), {} as T),
    request: async (route) => (sent.push(route), { status: 200, data: {}, headers: {} }),
  };
  return { gh, sent };
}

describe("the sweep's read-only client", () => {
  it('sends reads and queries, and refuses every write without sending it', async () => {
    const { gh, sent } = recording();
    const { client, wrote } = readOnlyClient(gh);
    await client.request('GET /repos/{owner}/{repo}/pulls', {});
    await client.graphql('query FlowgateEvent { x }');
    expect(wrote()).toBeUndefined();
    for (const route of ['POST /repos/{owner}/{repo}/issues/{issue_number}/comments', 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', 'POST /repos/{owner}/{repo}/dispatches']) {
      await expect(client.request(route, {})).rejects.toBeInstanceOf(WouldWrite);
    }
    await expect(client.graphql('mutation { addComment }')).rejects.toBeInstanceOf(WouldWrite);
    expect(sent).toEqual(['GET /repos/{owner}/{repo}/pulls', 'graphql query']);
  });

  it('names the first write asked for, even when the caller caught the refusal', async () => {
    const { gh } = recording();
    const { client, wrote } = readOnlyClient(gh);
    await client.request('POST /repos/{owner}/{repo}/check-runs', {}).catch(() => undefined);
    await client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {}).catch(() => undefined);
    expect(wrote()).toBe('POST /repos/{owner}/{repo}/check-runs');
  });
});
