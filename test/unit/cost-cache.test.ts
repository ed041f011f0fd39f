import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { ChangedFile } from '../../src/engine/facts.js';
import { approximateBytes, CACHE_BOUNDS, GitHubCache, Lru, peopleChangedBy, RecentSet } from '../../src/github/facts/cache.js';
import type { FlowSet } from '../../src/github/facts/flow-source.js';
import { handleWebhook, PullRequestQueue } from '../../src/github/handle.js';
import type { GitHubClient } from '../../src/github/client.js';
import { answerCache } from '../../src/github/transport/conditional.js';

const require = createRequire(import.meta.url);
const examples = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as { name: string; examples: Record<string, unknown>[] }[];
const example = (name: string, action: string) => structuredClone(examples.find((event) => event.name === name)!.examples.find((payload) => payload.action === action)!);

const files = (count: number, tag: string): ChangedFile[] => Array.from({ length: count }, (_, index) => ({ path: `src/module-${tag}/deeply/nested/file-${index}.ts`, additions: index, deletions: 1 }));
const people = (at: number) => ({ at, members: ['mia'] });

/** Fills `cache` with `count` entries, touching the first `hot` of them (a get) after every new one, as a busy server would. */
function fill<V>(cache: Map<string, V>, count: number, value: (index: number) => V, hot = 0): void {
  for (let index = 0; index < count; index += 1) {
    cache.set(`key-${index}`, value(index));
    for (let touched = 0; touched < Math.min(hot, index); touched += 1) cache.get(`key-${touched}`);
  }
}

describe('a bounded cache', () => {
  it('evicts the least recently used entry, and a hit refreshes an entry', () => {
    const cache = new Lru<string, number>(3);
    cache.set('a', 1).set('b', 2).set('c', 3);
    expect(cache.get('a')).toBe(1);
    cache.set('d', 4);
    expect([...cache.keys()]).toEqual(['c', 'a', 'd']);
    expect(cache.has('b')).toBe(false);
  });

  it('holds its byte bound when entries vary in size, and keeps the recently used', () => {
    const cache = new Lru<string, ChangedFile[]>({ entries: 1_000, bytes: 2 * 1024 * 1024 });
    fill(cache, 200, (index) => files(index % 2 ? 3_000 : 3, String(index)), 1);
    expect(cache.bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(cache.size).toBeLessThan(200);
    expect(cache.has('key-0')).toBe(true);
    expect(cache.has('key-199')).toBe(true);
    expect(cache.has('key-1')).toBe(false);
  });

  it('does not keep one entry larger than its whole byte bound', () => {
    const cache = new Lru<string, ChangedFile[]>({ entries: 10, bytes: 10_000 });
    cache.set('small', files(1, 's'));
    cache.set('huge', files(3_000, 'h'));
    expect([...cache.keys()]).toEqual(['small']);
  });

  it('forgets the size of a deleted or replaced entry', () => {
    const cache = new Lru<string, string>({ entries: 10, bytes: 1_000 });
    cache.set('a', 'x'.repeat(100));
    cache.set('a', 'y');
    cache.delete('a');
    expect(cache.bytes).toBe(0);
  });

  it('counts a 3,000-file commit at hundreds of kilobytes, so 512 of them would not fit in the bound', () => {
    const one = approximateBytes(files(3_000, 'x'));
    expect(one).toBeGreaterThan(300_000);
    expect(one * 512).toBeGreaterThan(CACHE_BOUNDS.filesByHead.bytes);
  });
});

describe('each cache of the GitHub layer stays bounded', () => {
  const cache = new GitHubCache();

  it('changed files by head: by entries, and by bytes for large commits', () => {
    fill(cache.filesByHead, CACHE_BOUNDS.filesByHead.entries + 100, (index) => files(2, String(index)), 3);
    expect(cache.filesByHead.size).toBe(CACHE_BOUNDS.filesByHead.entries);
    const large = new GitHubCache();
    fill(large.filesByHead, 300, (index) => files(3_000, String(index)), 2);
    expect(large.filesByHead.bytes).toBeLessThanOrEqual(CACHE_BOUNDS.filesByHead.bytes);
    expect(large.filesByHead.size).toBeLessThan(300);
    for (const key of ['key-0', 'key-1', 'key-299']) expect(large.filesByHead.has(key)).toBe(true);
  });

  it('flows by commit', () => {
    const set = (index: number): FlowSet => ({ commit: `c${index}`, files: [{ file: '.github/flows/a.yml', problems: [] }] });
    fill(cache.flowsByCommit, CACHE_BOUNDS.flowsByCommit.entries + 50, set, 3);
    expect(cache.flowsByCommit.size).toBe(CACHE_BOUNDS.flowsByCommit.entries);
    for (const key of ['key-0', 'key-2', `key-${CACHE_BOUNDS.flowsByCommit.entries + 49}`]) expect(cache.flowsByCommit.has(key)).toBe(true);
    expect(cache.flowsByCommit.has('key-3')).toBe(false);
  });

  it('CODEOWNERS by base commit', () => {
    fill(cache.codeownersByBase, CACHE_BOUNDS.codeownersByBase.entries + 50, (index) => `* @team-${index}\n`, 1);
    expect(cache.codeownersByBase.size).toBe(CACHE_BOUNDS.codeownersByBase.entries);
    expect(cache.codeownersByBase.has('key-0')).toBe(true);
    expect(cache.codeownersByBase.has('key-1')).toBe(false);
  });

  it('people', () => {
    fill(cache.people, CACHE_BOUNDS.people.entries + 50, () => people(1), 1);
    expect(cache.people.size).toBe(CACHE_BOUNDS.people.entries);
    expect(cache.people.has('key-0')).toBe(true);
    expect(cache.people.has('key-1')).toBe(false);
  });

  it('validated flows by tree, and the tree last seen on each default branch', () => {
    fill(cache.flowsByTree, CACHE_BOUNDS.flowsByTree.entries + 50, () => [{ file: '.github/flows/a.yml', problems: [] }], 1);
    expect(cache.flowsByTree.size).toBe(CACHE_BOUNDS.flowsByTree.entries);
    expect(cache.flowsByTree.has('key-0')).toBe(true);
    expect(cache.flowsByTree.has('key-1')).toBe(false);
    fill(cache.liveTrees, CACHE_BOUNDS.liveTrees.entries + 50, (index) => `tree${index}`, 1);
    expect(cache.liveTrees.size).toBe(CACHE_BOUNDS.liveTrees.entries);
  });

  it("timelines kept per PR: by entries, and by bytes for large PRs", () => {
    const comment = (index: number) => ({ __typename: 'IssueComment' as const, id: `C${index}`, databaseId: index, createdAt: '2026-11-24T09:00:00Z', body: 'A remark without a command, of a typical length.', author: { login: `u${index % 50}` } });
    fill(cache.timelines, CACHE_BOUNDS.timelines.entries + 50, (index) => ({ items: [comment(index)], cursor: 'MQ' }), 1);
    expect(cache.timelines.size).toBe(CACHE_BOUNDS.timelines.entries);
    expect(cache.timelines.has('key-0')).toBe(true);
    expect(cache.timelines.has('key-1')).toBe(false);
    // PRs of 1,300 items each: the byte bound holds well before the entry bound.
    const large = new GitHubCache();
    fill(large.timelines, 400, () => ({ items: Array.from({ length: 1300 }, (_, index) => comment(index)), cursor: 'MTMwMA' }), 1);
    expect(large.timelines.bytes).toBeLessThanOrEqual(CACHE_BOUNDS.timelines.bytes);
    expect(large.timelines.size).toBeLessThan(400);
    expect(large.timelines.has('key-0')).toBe(true);
  });

  it("each PR's head and base", () => {
    fill(cache.heads, CACHE_BOUNDS.heads.entries + 50, (index) => ({ head: `h${index}`, base: 'b' }), 1);
    expect(cache.heads.size).toBe(CACHE_BOUNDS.heads.entries);
    expect(cache.heads.has('key-1')).toBe(false);
  });

  it('REST answers kept for conditional reads', () => {
    const answers = answerCache() as Lru<string, { etag: string; body: string; headers: Record<string, string> }>;
    fill(answers, answers.bounds.entries + 50, (index) => ({ etag: `"e${index}"`, body: '[]', headers: {} }), 1);
    expect(answers.size).toBe(answers.bounds.entries);
    expect(answers.has('key-0')).toBe(true);
    expect(answers.has('key-1')).toBe(false);
  });

  it('sticky comments', () => {
    fill(cache.sticky, CACHE_BOUNDS.sticky.entries + 50, (index) => ({ id: index, body: 'status' }), 1);
    expect(cache.sticky.size).toBe(CACHE_BOUNDS.sticky.entries);
    expect(cache.sticky.get('key-0')).toEqual({ id: 0, body: 'status' });
    expect(cache.sticky.has('key-1')).toBe(false);
  });

  it('what this process redelivered', () => {
    const mine = new RecentSet<string>(100);
    for (let index = 0; index < 250; index += 1) mine.add(`guid-${index}`);
    expect(mine.size).toBe(100);
    expect(mine.has('guid-249')).toBe(true);
    expect(mine.has('guid-149')).toBe(false);
  });
});

describe('cached people are forgotten when people change', () => {
  const key = 'Acme/web|team:acme/leads';

  it('a membership, team or organization webhook forgets every repository of the organisation; member forgets one repository', () => {
    const membership = example('membership', 'added');
    expect(peopleChangedBy('membership', membership)).toBe('Octocoders');
    expect(peopleChangedBy('team', example('team', 'added_to_repository'))).toBe('Octocoders');
    expect(peopleChangedBy('organization', example('organization', 'member_added'))).toBe('Octocoders');
    expect(peopleChangedBy('member', example('member', 'added'))).toBe('Codertocat/Hello-World');
    expect(peopleChangedBy('pull_request', example('pull_request', 'opened'))).toBeUndefined();

    const cache = new GitHubCache();
    cache.people.set(key, people(100));
    cache.people.set('acme/api|team:acme/leads', people(100));
    cache.people.set('other/web|team:acme/leads', people(100));
    cache.people.forget('acme/WEB', 200);
    expect(cache.people.get(key)).toBeUndefined();
    expect(cache.people.get('acme/api|team:acme/leads')).toBeDefined();
    cache.people.forget('ACME', 200);
    expect(cache.people.get('acme/api|team:acme/leads')).toBeUndefined();
    expect(cache.people.get('other/web|team:acme/leads')).toBeDefined();
  });

  it('people read before a change and stored after it (an event in flight) are not believed', () => {
    const cache = new GitHubCache();
    cache.people.forget('acme', 200);
    cache.people.set(key, people(150));
    expect(cache.people.get(key)).toBeUndefined();
    cache.people.set(key, people(250));
    expect(cache.people.get(key)).toBeDefined();
  });

  it('the webhook handler forgets them without a request', async () => {
    const cache = new GitHubCache();
    cache.people.set('Octocoders/Hello-World|x|y', people(1));
    const gh = { request: () => Promise.reject(new Error('no request expected')), graphql: () => Promise.reject(new Error('no request expected')) } as unknown as GitHubClient;
    const outcome = await handleWebhook({ gh, cache, queue: new PullRequestQueue(), app: { id: 1, login: 'flowgate[bot]' }, connections: () => undefined, now: () => 10, log: () => {} }, 'membership', example('membership', 'removed'));
    expect(outcome.skipped).toMatch(/forgets cached team members and permissions/);
    expect(cache.people.size).toBe(0);
  });
});
