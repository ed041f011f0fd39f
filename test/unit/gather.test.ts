import { validate } from '@octokit/graphql-schema';
import { beforeEach, describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/flow/compile.js';
import type { GitHubClient } from '../../src/github/client.js';
import type { TimelineItem } from '../../src/github/facts/pull-request-query.js';
import { GitHubCache } from '../../src/github/facts/cache.js';
import { gatherFacts, needsOf } from '../../src/github/facts/gather.js';
import { flowOf } from '../helpers.js';

interface World {
  timeline: TimelineItem[];
  files: { path: string; additions: number; deletions: number }[];
  teams: Record<string, string[]>;
  permissions: Record<string, string>;
  codeowners: Record<string, string>;
}

/** Answers Flowgate's queries the way GitHub would, 100 to a page; refuses any query GitHub's schema would refuse. */
function fakeGitHub(world: World) {
  const sent: { query: string; variables: Record<string, unknown> }[] = [];
  const page = <T>(items: T[], cursor: unknown) => {
    const start = typeof cursor === 'string' ? Number(cursor) : 0;
    const end = Math.min(items.length, start + 100);
    return { nodes: items.slice(start, end), pageInfo: { hasNextPage: end < items.length, endCursor: String(end) } };
  };
  const gh: GitHubClient = {
    async graphql<T>(query: string, variables: Record<string, unknown> = {}) {
      const errors = validate(query);
      if (errors.length > 0) throw new Error(`invalid query: ${errors.map((error) => error.message).join('; ')}`);
      sent.push({ query, variables });
      if (query.includes('FlowgateFacts')) {
        const pr = variables.withPr
          ? { number: 7, title: 't', body: '', url: 'u', isDraft: false, state: 'OPEN', author: { login: 'dev', __typename: 'User' }, baseRefName: 'main', baseRefOid: 'base1', headRefName: 'f', headRefOid: 'head1', labels: { nodes: [] } }
          : {};
        const files = variables.withFiles ? { files: page(world.files, variables.files) } : {};
        return { repository: { pullRequest: { ...pr, ...files, timelineItems: page(world.timeline, variables.timeline) } } } as T;
      }
      const answer: Record<string, unknown> = {};
      const orgs = new Map<string, Record<string, unknown>>();
      for (const [name, value] of Object.entries(variables)) {
        const team = /^t(\d+)_(\d+)$/.exec(name);
        if (team) {
          const org = variables[`org${team[1]}`] as string;
          const members = world.teams[`${org}/${value as string}`];
          const block = orgs.get(`o${team[1]}`) ?? {};
          block[name] = members ? { members: { nodes: members.map((login) => ({ login })), pageInfo: { hasNextPage: false, endCursor: null } } } : null;
          orgs.set(`o${team[1]}`, block);
        }
        if (/^p\d+$/.test(name)) {
          const permission = world.permissions[value as string];
          answer.repository = { ...(answer.repository as object), [name]: { edges: permission ? [{ permission, node: { login: value } }] : [] } };
        }
      }
      for (const [alias, block] of orgs) answer[alias] = block;
      if (variables.base) {
        answer.codeowners = { object: Object.fromEntries(['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'].map((path, index) => [`f${index}`, world.codeowners[path] ? { object: { text: world.codeowners[path] } } : null])) };
      }
      return answer as T;
    },
    request: () => Promise.reject(new Error('REST is not used for facts')),
  };
  return { gh, sent };
}

const flow = compileFlow(
  flowOf(`name: g
on: { pull_request: {} }
steps:
  - id: route
    if: { author_team: [acme/devs] }
    then: gate
  - id: gate
    approval:
      from: { teams: [acme/managers], permission: write, codeowners: true }
`),
);

const comments = (count: number): TimelineItem[] =>
  Array.from({ length: count }, (_, index) => ({ __typename: 'IssueComment', databaseId: index, createdAt: '2026-11-24T09:00:00Z', body: index === 3 ? '/approve' : 'hi', author: { login: `u${index}` } }));

const world = (): World => ({
  timeline: [{ __typename: 'PullRequestReview', databaseId: 1, state: 'APPROVED', submittedAt: '2026-11-24T09:01:00Z', body: '', author: { login: 'mia' }, reviewedCommit: { oid: 'head1' } }, ...comments(149)],
  files: Array.from({ length: 120 }, (_, index) => ({ path: `src/f${index}.ts`, additions: 1, deletions: 0 })),
  teams: { 'acme/managers': ['mia'], 'acme/devs': ['dev'] },
  permissions: { mia: 'WRITE', dev: 'ADMIN', u3: 'READ' },
  codeowners: { CODEOWNERS: '* @mia\n' },
});

describe('gathering facts', () => {
  let cache = new GitHubCache();
  beforeEach(() => {
    cache = new GitHubCache();
  });

  it('knows what the flows need', () => {
    expect(needsOf([flow])).toEqual({ teams: ['acme/devs', 'acme/managers'], permissions: true, codeowners: true });
  });

  it('takes one request per page of 100, and one for people and code owners', async () => {
    const { gh, sent } = fakeGitHub(world());
    const facts = await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 0 });
    expect(facts.requests).toBe(3);
    expect(sent).toHaveLength(3);
    expect(facts.pr.files).toHaveLength(120);
    expect(facts.events).toHaveLength(150);
    expect(facts.pr.teams).toEqual({ 'acme/devs': ['dev'], 'acme/managers': ['mia'] });
    expect(facts.pr.permissions).toEqual({ dev: 'admin', mia: 'write', u3: 'read' });
    expect(facts.pr.codeowners).toBe('* @mia\n');
  });

  it('only the people who decided are looked up: the author, reviewers, and comments with a command', async () => {
    const { gh, sent } = fakeGitHub(world());
    await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 0 });
    const people = sent.at(-1)!.variables;
    expect(Object.entries(people).filter(([key]) => /^p\d+$/.test(key)).map(([, login]) => login)).toEqual(['dev', 'mia', 'u3']);
  });

  it('the next event on the same head skips the diff, the people and CODEOWNERS', async () => {
    const { gh, sent } = fakeGitHub(world());
    await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 0 });
    const again = await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 30_000, headSha: 'head1' });
    expect(again.requests).toBe(2);
    expect(sent.slice(3).every((request) => request.variables.withFiles === false)).toBe(true);
    expect(again.pr.files).toHaveLength(120);
    expect(again.pr.codeowners).toBe('* @mia\n');
  });

  it('a head that moved since the webhook gets its own files', async () => {
    const { gh, sent } = fakeGitHub(world());
    await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 0 });
    const moved = await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 1, headSha: 'stale' });
    expect(moved.pr.files).toHaveLength(120);
    expect(sent[3]!.variables.withFiles).toBe(true);
  });

  it('people are asked again after a minute', async () => {
    const { gh } = fakeGitHub(world());
    await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 0 });
    expect((await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 61_000, headSha: 'head1' })).requests).toBe(3);
  });

  it('a flow that needs nobody costs no people request', async () => {
    const { gh } = fakeGitHub({ ...world(), timeline: [] });
    const simple = compileFlow(flowOf(`name: s\non: { pull_request: {} }\nsteps:\n  - id: gate\n    approval: { from: { users: [mia] } }\n`));
    expect((await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([simple]), { cache, now: 0 })).requests).toBe(2);
  });
});
