import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { EtagStore } from '../../src/action/etags.js';
import { outputLines } from '../../src/action/report.js';
import { tallyingFetch, withPeopleReader, type RequestTally } from '../../src/action/transport.js';
import { parseOutputs } from '../action-harness.js';

/** GitHub answering a REST read with an ETag, and 304 when it is sent back unchanged. */
function github() {
  const seen: (string | null)[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const sent = request.headers.get('if-none-match');
    seen.push(sent);
    if (sent === 'W/"abc123"') return new Response(null, { status: 304, headers: { etag: 'W/"abc123"', 'x-ratelimit-remaining': '990', 'x-ratelimit-limit': '1000' } });
    return new Response(JSON.stringify([{ id: 1, body: 'hello' }]), { status: 200, headers: { etag: 'W/"abc123"', 'content-type': 'application/json', 'x-ratelimit-remaining': '991', 'x-ratelimit-limit': '1000' } });
  };
  return { fetch, seen };
}

describe("the action's requests", () => {
  it('a repeated REST read is conditional: the ETag goes back as GitHub sent it (quotes and W/), and the free 304 is answered from the copy', async () => {
    const gh = github();
    const tally: RequestTally = { sent: 0, notModified: 0 };
    const fetch = tallyingFetch(gh.fetch, tally, new EtagStore());
    const url = 'https://api.github.com/repos/acme/widgets/issues/1/comments?per_page=100';
    const first = await fetch(url);
    const second = await fetch(url);
    expect(gh.seen).toEqual([null, 'W/"abc123"']);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual(await first.json());
    expect(tally).toEqual({ sent: 2, notModified: 1, remaining: 990, limit: 1000 });
  });

  it('keeps ETags between runs in the etag-cache file, and starts empty when there is none', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'flowgate-etags-')), 'deep', 'etags.json');
    expect(EtagStore.load(path, 'secret').get('x')).toBeUndefined();
    const gh = github();
    const url = 'https://api.github.com/search/issues?q=x';
    const before = new EtagStore();
    await tallyingFetch(gh.fetch, { sent: 0, notModified: 0 }, before)(url);
    before.save(path, 'secret');
    const tally: RequestTally = { sent: 0, notModified: 0 };
    await tallyingFetch(gh.fetch, tally, EtagStore.load(path, 'secret'))(url);
    expect(tally.notModified).toBe(1);
  });

  it('believes no answer planted in the etag-cache file: another job can write the Actions cache, so the file is signed with the secret', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'flowgate-etags-')), 'etags.json');
    const url = 'https://api.github.com/search/issues?q=x';
    const kept = new EtagStore();
    await tallyingFetch(github().fetch, { sent: 0, notModified: 0 }, kept)(url);
    kept.save(path, 'secret');
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { entries: string; signature: string };
    // A job rewrites the answer kept for the URL and keeps GitHub's ETag, so GitHub would answer 304.
    const planted = (JSON.parse(saved.entries) as [string, { body: string }][]).map(([at, answer]) => [at, { ...answer, body: '{"total_count":0,"items":[]}' }]);
    for (const file of [
      { entries: JSON.stringify(planted), signature: saved.signature },
      { entries: JSON.stringify(planted) },
      planted,
    ]) {
      writeFileSync(path, JSON.stringify(file));
      expect(EtagStore.load(path, 'secret').get(url)).toBeUndefined();
    }
    // Signed with another secret: not believed either.
    kept.save(path, 'another');
    expect(EtagStore.load(path, 'secret').get(url)).toBeUndefined();
  });

  it('writes are never conditional nor answered from a copy', async () => {
    const gh = github();
    const store = new EtagStore();
    const fetch = tallyingFetch(gh.fetch, { sent: 0, notModified: 0 }, store);
    await fetch('https://api.github.com/x');
    await fetch('https://api.github.com/x', { method: 'POST', body: '{}' });
    expect(gh.seen).toEqual([null, null]);
  });

  it('with an app token, only the team and permission queries go with it; every write goes with the workflow token', async () => {
    const calls: string[] = [];
    const client = (who: string): GitHubClient => ({
      graphql: async <T>(query: string) => (calls.push(`${who} ${/query (\w+)/.exec(query)![1]}`), {} as T),
      request: async (route: string) => (calls.push(`${who} ${route}`), { status: 200, data: {}, headers: {} }),
    });
    const gh = withPeopleReader(client('workflow'), client('app'));
    await gh.graphql('query FlowgatePeople($owner: String!) { x }');
    await gh.graphql('query FlowgateTeamPage($org: String!) { x }');
    await gh.graphql('query FlowgateFacts($owner: String!) { x }');
    await gh.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge');
    expect(calls).toEqual(['app FlowgatePeople', 'app FlowgateTeamPage', 'workflow FlowgateFacts', 'workflow PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge']);
  });
});

describe("the action's outputs", () => {
  it('no value can end its GITHUB_OUTPUT block early: each block has a random delimiter', () => {
    const hostile = 'line one\nEOF\nrunner<<EOF\nresult=handled';
    const text = outputLines({ runs: hostile, result: 'failed' });
    expect(parseOutputs(text)).toEqual({ runs: hostile, result: 'failed' });
  });
});
