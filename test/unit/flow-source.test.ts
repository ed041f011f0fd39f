import { validate } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { GitHubCache } from '../../src/github/facts/cache.js';
import { FLOWS_QUERY, readFlows } from '../../src/github/facts/flow-source.js';
import { GATE_FLOW } from '../helpers.js';

/** A client that answers the flows query from a table of commits, and counts requests. */
function fakeGitHub(commits: Record<string, { oid: string; files: Record<string, string> }>) {
  const calls: Record<string, unknown>[] = [];
  const gh: GitHubClient = {
    async graphql<T>(_query: string, variables: Record<string, unknown> = {}) {
      calls.push(variables);
      const commit = commits[variables.expression as string];
      const entries = Object.entries(commit?.files ?? {}).map(([name, text]) => ({ name, type: 'blob', object: { text, isTruncated: false, isBinary: false } }));
      return { repository: { object: commit ? { oid: commit.oid, file: { object: { entries } } } : null } } as T;
    },
    request: () => Promise.reject(new Error('not used')),
  };
  return { gh, calls };
}

describe('reading flows from the repository', () => {
  const cache = new GitHubCache();
  it('the query is valid against GitHub\'s schema', () => {
    expect(validate(FLOWS_QUERY).map((error) => error.message)).toEqual([]);
  });

  it('reads and validates every flow file at a branch, remembering the commit', async () => {
    const { gh } = fakeGitHub({ main: { oid: 'c1', files: { 'gate.yml': GATE_FLOW, 'notes.md': '# not a flow', 'bad.yml': 'name: x\n' } } });
    const set = await readFlows(gh, { owner: 'acme', name: 'one' }, 'main', cache);
    expect(set?.commit).toBe('c1');
    expect(set?.files.map((file) => [file.file, file.flow?.name ?? file.problems[0]?.code])).toEqual([
      ['.github/flows/bad.yml', 'schema'],
      ['.github/flows/gate.yml', 'gate'],
    ]);
  });

  it('a commit is read once; a branch is resolved every time', async () => {
    const { gh, calls } = fakeGitHub({ main: { oid: 'c2', files: { 'gate.yml': GATE_FLOW } }, c2: { oid: 'c2', files: { 'gate.yml': GATE_FLOW } } });
    const repo = { owner: 'acme', name: 'two' };
    const first = await readFlows(gh, repo, 'main', cache);
    expect(await readFlows(gh, repo, 'c2', cache)).toBe(first);
    await readFlows(gh, repo, 'main', cache);
    expect(calls.map((call) => call.expression)).toEqual(['main', 'main']);
  });

  it('a ref that does not exist reads as no flows', async () => {
    const { gh } = fakeGitHub({});
    expect(await readFlows(gh, { owner: 'acme', name: 'three' }, 'gone', cache)).toBeUndefined();
  });
});
