import { validate } from '@octokit/graphql-schema';
import { beforeEach, describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/flow/compile.js';
import type { GitHubClient } from '../../src/github/client.js';
import type { AppCommentNode, TimelineItem } from '../../src/github/facts/pull-request-query.js';
import { GitHubCache, PEOPLE_TTL_MS, REPLICA_PEOPLE_TTL_MS } from '../../src/github/facts/cache.js';
import { firstPagePlan, gatherFacts, needsOf } from '../../src/github/facts/gather.js';
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
    return { nodes: items.slice(start, end), totalCount: items.length, pageInfo: { hasNextPage: end < items.length, endCursor: end > start ? String(end) : null } };
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
        const count = (type: string) => ({ totalCount: world.timeline.filter((item) => item.__typename === type).length });
        // Cursors are positions, as the sandbox's; `before:` leaves out the cursor's own item, as GitHub's does.
        const anchor = variables.withAnchor ? { anchor: { nodes: world.timeline.slice(Math.max(0, Number(variables.timeline) - 2), Math.max(0, Number(variables.timeline) - 1)).map((item) => ({ id: item.id })) } } : {};
        return { repository: { pullRequest: { ...pr, ...files, timelineItems: page(world.timeline, variables.timeline), ...anchor, reviewCount: count('PullRequestReview'), commentCount: count('IssueComment') } } } as T;
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
  /** The nodes the event's one query reads again by id (firstPagePlan's `appComments`): `{}` while there, null once gone. */
  const current = (cache: GitHubCache) => ({
    current: new Map(firstPagePlan({ owner: 'acme', name: 'widgets' }, 7, { cache }).appComments.map((id): [string, AppCommentNode] => [id, world.timeline.some((item) => item.id === id) ? ({} as AppCommentNode) : null])),
  });
  return { gh, sent, current };
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
  Array.from({ length: count }, (_, index) => ({ __typename: 'IssueComment', id: `C${index}`, databaseId: index, createdAt: '2026-11-24T09:00:00Z', body: index === 3 ? '/approve' : 'hi', author: { login: `u${index}` } }));

const world = (): World => ({
  timeline: [{ __typename: 'PullRequestReview', id: 'R1', databaseId: 1, state: 'APPROVED', submittedAt: '2026-11-24T09:01:00Z', body: '', author: { login: 'mia' }, reviewedCommit: { oid: 'head1' } }, ...comments(149)],
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
    const { gh, sent, current } = fakeGitHub(world());
    await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 0 });
    const again = await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 30_000, headSha: 'head1', ...current(cache) });
    // One request: the timeline after the 150 items already read (none new), without the diff.
    expect(again.requests).toBe(1);
    expect(again.events).toHaveLength(150);
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

  it('people are asked again once they are older than PEOPLE_TTL_MS, and not before', async () => {
    const { gh, current } = fakeGitHub(world());
    await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 0 });
    expect((await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: PEOPLE_TTL_MS - 1, headSha: 'head1', ...current(cache) })).requests).toBe(1);
    expect((await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: PEOPLE_TTL_MS + 1, headSha: 'head1', ...current(cache) })).requests).toBe(2);
  });

  it('with replicas, people are believed for a minute only: a webhook that changes them reaches one replica', async () => {
    const replica = new GitHubCache({}, { peopleTtlMs: REPLICA_PEOPLE_TTL_MS });
    const { gh, current } = fakeGitHub(world());
    await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache: replica, now: 0 });
    expect((await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache: replica, now: REPLICA_PEOPLE_TTL_MS - 1, headSha: 'head1', ...current(replica) })).requests).toBe(1);
    expect((await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache: replica, now: REPLICA_PEOPLE_TTL_MS + 1, headSha: 'head1', ...current(replica) })).requests).toBe(2);
  });

  it('reads only the timeline pages that are new since the last event', async () => {
    const state = world();
    const { gh, sent, current } = fakeGitHub(state);
    await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 0 });
    state.timeline.push(...comments(160).slice(150));
    const next = await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 1, headSha: 'head1', ...current(cache) });
    expect(next.requests).toBe(1);
    expect(sent.at(-1)!.variables.timeline).toBe('150');
    expect(next.events.map((event) => (event as { id?: string }).id)).toEqual(['1', ...state.timeline.slice(1).map((item) => String((item as { databaseId: number }).databaseId))]);
    expect(next.events.filter((event) => event.type === 'comment').map((event) => (event as { id: string }).id).slice(-2)).toEqual(['158', '159']);
  });

  it('reads the whole timeline again when an item before the cursor was deleted, so a deleted comment does not linger', async () => {
    const state = world();
    const { gh, current } = fakeGitHub(state);
    await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 0 });
    // The /approve (comment 3) is deleted and one comment is added: the kept 150 plus 1 new is not GitHub's 150.
    state.timeline.splice(4, 1);
    state.timeline.push(...comments(151).slice(150));
    const next = await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 1, headSha: 'head1', ...current(cache) });
    expect(next.events.some((event) => event.type === 'comment' && event.id === '3')).toBe(false);
    expect(next.events).toHaveLength(150);
    // One page after the cursor, then the two pages of the whole timeline.
    expect(next.requests).toBe(3);
  });

  it('reads the whole timeline again when a deletion and an insertion of another kind cancel out in the total', async () => {
    const state = world();
    const { gh, current } = fakeGitHub(state);
    await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 0 });
    // A comment gone and a review that appears before the cursor: the total is unchanged, the counts by kind are not.
    state.timeline.splice(4, 1, { __typename: 'PullRequestReview', id: 'R99', databaseId: 99, state: 'APPROVED', submittedAt: '2026-11-24T09:00:00Z', body: '', author: { login: 'mia' }, reviewedCommit: { oid: 'head1' } });
    const next = await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([flow]), { cache, now: 1, headSha: 'head1', ...current(cache) });
    expect(next.events.filter((event) => event.type === 'review')).toHaveLength(2);
    expect(next.events.some((event) => event.type === 'comment' && event.id === '3')).toBe(false);
  });

  it('a flow that needs nobody costs no people request', async () => {
    const { gh } = fakeGitHub({ ...world(), timeline: [] });
    const simple = compileFlow(flowOf(`name: s\non: { pull_request: {} }\nsteps:\n  - id: gate\n    approval: { from: { users: [mia] } }\n`));
    expect((await gatherFacts(gh, { owner: 'acme', name: 'widgets' }, 7, needsOf([simple]), { cache, now: 0 })).requests).toBe(2);
  });
});
