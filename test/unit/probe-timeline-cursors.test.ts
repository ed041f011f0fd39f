/**
 * The kept timeline (gather.ts) against GitHub's cursor semantics, not the sandbox's: GitHub documents `endCursor` as
 * the cursor of the last item of a page, and a connection's `before: c` as the items before c, without c (Relay's
 * cursor connections). So `timelineItems(last: 1, before: endCursor)` is the item before the last one read. Whether
 * GitHub's timeline cursors name a position or an item (a key that outlives the item) is not documented: both are
 * modelled here. Each scenario gathers with a cache kept throughout (warm) and with an empty one (cold); the facts
 * must be the same, at one request an event when nothing before the cursor changed.
 */
import { validate } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { GitHubCache } from '../../src/github/facts/cache.js';
import { firstPagePlan, gatherFacts, type GatheredFacts } from '../../src/github/facts/gather.js';
import { FACTS_QUERY, type AppCommentNode, type FactsPage, type TimelineItem } from '../../src/github/facts/pull-request-query.js';

type Mode = 'position' | 'key';
type Item = TimelineItem & { id: string; key: number };

const REPO = { owner: 'acme', name: 'widgets' };
const NEEDS = { teams: [], permissions: false, codeowners: false };
const APP = { id: 4242, login: 'flowgate[bot]' };

/** Node ids are unique across GitHub: each fake world names its own. */
let worlds = 0;

/** GitHub's timeline as Flowgate's facts query sees it, with Relay's `after`/`before` over position or key cursors. */
function fakeGitHub(mode: Mode) {
  const worldNumber = (worlds += 1);
  const items: Item[] = [];
  let requests = 0;
  let clock = 0;
  const cursorOf = (item: Item) => (mode === 'position' ? `p${items.indexOf(item) + 1}` : `k${item.key}`);
  /** The items strictly after (or before) a cursor: a position counts places; a key outlives its item. */
  const after = (cursor: string | null) => (cursor === null ? items : mode === 'position' ? items.slice(Number(cursor.slice(1))) : items.filter((item) => item.key > Number(cursor.slice(1))));
  const before = (cursor: string) => (mode === 'position' ? items.slice(0, Math.max(0, Number(cursor.slice(1)) - 1)) : items.filter((item) => item.key < Number(cursor.slice(1))));
  const gh: GitHubClient = {
    async graphql<T>(query: string, variables: Record<string, unknown> = {}) {
      const errors = validate(query);
      if (errors.length > 0) throw new Error(`invalid query: ${errors.map((error) => error.message).join('; ')}`);
      requests += 1;
      const head = [...items].reverse().find((item) => item.__typename === 'PullRequestCommit') as Extract<TimelineItem, { __typename: 'PullRequestCommit' }> | undefined;
      const pr = variables.withPr
        ? { number: 7, title: 't', body: '', url: 'u', isDraft: false, state: 'OPEN', author: { login: 'dev', __typename: 'User' }, baseRefName: 'main', baseRefOid: 'base1', headRefName: 'f', headRefOid: head?.commit.oid ?? 'none', labels: { nodes: [] } }
        : {};
      const rest = after((variables.timeline as string | null) ?? null);
      const nodes = rest.slice(0, 100);
      const end = nodes.at(-1);
      const strip = ({ key: _key, ...item }: Item) => item;
      const count = (type: string) => ({ totalCount: items.filter((item) => item.__typename === type).length });
      const anchor = variables.withAnchor ? { anchor: { nodes: before(variables.timeline as string).slice(-1).map((item) => ({ id: item.id })) } } : {};
      const files = variables.withFiles ? { files: { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } } } : {};
      return {
        repository: {
          pullRequest: { ...pr, ...files, timelineItems: { totalCount: items.length, nodes: nodes.map(strip), pageInfo: { hasNextPage: rest.length > nodes.length, endCursor: end ? cursorOf(end) : null } }, ...anchor, reviewCount: count('PullRequestReview'), commentCount: count('IssueComment') },
        },
      } as T;
    },
    request: () => Promise.reject(new Error('REST is not used for facts')),
  };
  let nextId = 0;
  const world = {
    gh,
    items,
    requests: () => requests,
    /** An item made now, or at an earlier key (a commit whose date its author set). */
    add(item: TimelineItem, key?: number): Item {
      clock += 10;
      const made = { ...item, id: `N${worldNumber}_${(nextId += 1)}`, key: key ?? clock } as Item;
      items.push(made);
      items.sort((a, b) => a.key - b.key);
      return made;
    },
    remove(item: Item) {
      items.splice(items.indexOf(item), 1);
    },
    comment(by: string, body: string, author: { login: string; __typename?: string } = { login: by, __typename: 'User' }) {
      return world.add({ __typename: 'IssueComment', databaseId: nextId + 1000, createdAt: `2026-11-24T10:00:${String(clock % 60).padStart(2, '0')}Z`, body, author });
    },
    commit(oid: string, by: string, key?: number) {
      return world.add({ __typename: 'PullRequestCommit', commit: { oid, author: { user: { login: by } }, committer: { user: { login: by } } } }, key);
    },
    /** The nodes the event's one query reads again by id (read-event.ts): what GitHub answers for each, or null when gone. */
    current(cache: GitHubCache): Map<string, AppCommentNode> {
      const ids = firstPagePlan(REPO, 7, { cache, appId: APP.id, appLogin: APP.login }).appComments;
      return new Map(
        ids.map((id) => {
          const item = items.find((candidate) => candidate.id === id);
          if (!item) return [id, null];
          // A node that is not a comment answers `... on IssueComment` with no fields.
          return [id, (item.__typename === 'IssueComment' ? { id, databaseId: item.databaseId, body: item.body, lastEditedAt: item.lastEditedAt ?? null } : {}) as AppCommentNode];
        }),
      );
    },
  };
  return world;
}

const view = (facts: GatheredFacts) => ({ events: facts.events, commits: facts.commits, committers: [...facts.pr.committers].sort(), appComments: facts.appComments });

/** Gathers as an event does; returns the facts and the requests they cost. */
async function gather(world: ReturnType<typeof fakeGitHub>, cache: GitHubCache, withCurrent = true) {
  const start = world.requests();
  const facts = await gatherFacts(world.gh, REPO, 7, NEEDS, { cache, appId: APP.id, appLogin: APP.login, now: 0, ...(withCurrent ? { current: world.current(cache) } : {}) });
  return { facts, requests: world.requests() - start };
}

async function warmAndCold(world: ReturnType<typeof fakeGitHub>, warm: GitHubCache) {
  const hot = await gather(world, warm);
  const cold = await gather(world, new GitHubCache());
  return { warm: view(hot.facts), cold: view(cold.facts), requests: hot.requests };
}

describe.each(['position', 'key'] as const)('the kept timeline on GitHub-like cursors (%s)', (mode) => {
  it('an event with nothing changed before the cursor reads on in one request', async () => {
    const world = fakeGitHub(mode);
    const warm = new GitHubCache();
    world.commit('c1', 'dev');
    world.comment('rob', 'hello');
    world.comment('mia', 'looks fine');
    await gather(world, warm);
    world.comment('mia', '/approve');
    const { warm: w, cold: c, requests } = await warmAndCold(world, warm);
    expect(requests).toBe(1);
    expect(w).toEqual(c);
  });

  it('the last kept comment deleted and another posted, so every count stays equal: the new one is seen, the deleted one is not', async () => {
    const world = fakeGitHub(mode);
    const warm = new GitHubCache();
    world.commit('c1', 'dev');
    world.comment('rob', 'hello');
    const approve = world.comment('mia', '/approve');
    await gather(world, warm);
    world.remove(approve);
    world.comment('mia', '/decline not like this');
    const { warm: w, cold: c } = await warmAndCold(world, warm);
    expect(w.events.map((event) => (event as { body?: string }).body)).toEqual(['hello', '/decline not like this']);
    expect(w).toEqual(c);
  });

  it('the last kept comment deleted with nothing new: the deleted one is not kept', async () => {
    const world = fakeGitHub(mode);
    const warm = new GitHubCache();
    world.commit('c1', 'dev');
    const approve = world.comment('mia', '/approve');
    await gather(world, warm);
    world.remove(approve);
    const { warm: w, cold: c } = await warmAndCold(world, warm);
    expect(w.events).toEqual([]);
    expect(w).toEqual(c);
  });

  it('an earlier comment deleted and another posted: warm equals cold', async () => {
    const world = fakeGitHub(mode);
    const warm = new GitHubCache();
    world.commit('c1', 'dev');
    const early = world.comment('rob', '/approve');
    world.comment('mia', 'noted');
    world.comment('ann', 'noted too');
    await gather(world, warm);
    world.remove(early);
    world.comment('rob', 'second thoughts');
    const { warm: w, cold: c } = await warmAndCold(world, warm);
    expect(w).toEqual(c);
  });

  it("another user's kept comment, edited, keeps its first-read body even as the last kept item", async () => {
    const world = fakeGitHub(mode);
    const warm = new GitHubCache();
    world.commit('c1', 'dev');
    const command = world.comment('mia', '/approve');
    await gather(world, warm);
    Object.assign(command, { body: '/decline', lastEditedAt: '2026-11-24T11:00:00Z' });
    const { facts } = await gather(world, warm);
    expect(facts.events).toMatchObject([{ type: 'comment', body: '/approve' }]);
    expect(facts.events[0]).not.toHaveProperty('edited');
  });

  it("the app's own comment as the last kept item is read as it is now", async () => {
    const world = fakeGitHub(mode);
    const warm = new GitHubCache();
    world.commit('c1', 'dev');
    const sticky = world.comment('flowgate', '<!-- flowgate:sticky -->\nwaiting', { login: 'flowgate', __typename: 'Bot' });
    await gather(world, warm);
    Object.assign(sticky, { body: '<!-- flowgate:sticky -->\nedited by a maintainer', lastEditedAt: '2026-11-24T11:00:00Z' });
    const { facts, requests } = await gather(world, warm);
    expect(facts.appComments).toEqual([{ id: (sticky as { databaseId: number }).databaseId, body: '<!-- flowgate:sticky -->\nedited by a maintainer' }]);
    expect(requests).toBe(1);
  });

  it('a force push that drops a kept commit and brings one dated before the cursor: its committer is known warm as cold', async () => {
    const world = fakeGitHub(mode);
    const warm = new GitHubCache();
    world.commit('c1', 'dev');
    const dropped = world.commit('c2', 'alice');
    world.comment('rob', 'hello');
    world.comment('ann', 'hi');
    await gather(world, warm);
    // mallory's commit carries a date she chose, before the comments; GitHub notes the force push now.
    world.remove(dropped);
    world.commit('c3', 'mallory', 15);
    world.add({ __typename: 'HeadRefForcePushedEvent', createdAt: '2026-11-24T12:00:00Z', actor: { login: 'mallory' }, beforeCommit: { oid: 'c2' }, afterCommit: { oid: 'c3' } });
    const { warm: w, cold: c } = await warmAndCold(world, warm);
    expect(c.committers).toContain('mallory');
    expect(w).toEqual(c);
  });

  it('a caller without the one query (no re-read of the last kept item) still gets the cold facts', async () => {
    const world = fakeGitHub(mode);
    const warm = new GitHubCache();
    world.commit('c1', 'dev');
    world.comment('rob', 'hello');
    const approve = world.comment('mia', '/approve');
    await gather(world, warm, false);
    world.remove(approve);
    world.comment('mia', '/decline no');
    const hot = await gather(world, warm, false);
    const cold = await gather(world, new GitHubCache(), false);
    expect(view(hot.facts)).toEqual(view(cold.facts));
  });

  it("a kept timeline evicted while the event's query was in flight: the page read on from its cursor is not taken for the whole timeline", async () => {
    const world = fakeGitHub(mode);
    const warm = new GitHubCache();
    world.commit('c1', 'alice');
    world.comment('max', '/decline not like this');
    await gather(world, warm);
    world.comment('mia', '/approve');
    // The event's one query is planned and sent with the kept cursor (read-event.ts) ...
    const plan = firstPagePlan(REPO, 7, { cache: warm, appId: APP.id, appLogin: APP.login });
    const current = world.current(warm);
    const first = await world.gh.graphql<FactsPage>(FACTS_QUERY, { owner: 'acme', name: 'widgets', number: 7, timeline: plan.timeline, files: null, withPr: true, withFiles: plan.withFiles, withAnchor: plan.withAnchor, appId: APP.id, withSuites: plan.withSuites });
    // ... and while it is in flight, other PRs' events fill the bounded cache and this PR's timeline is evicted.
    warm.timelines.clear();
    const facts = await gatherFacts(world.gh, REPO, 7, NEEDS, { cache: warm, appId: APP.id, appLogin: APP.login, now: 0, first, current });
    const cold = await gather(world, new GitHubCache());
    expect(view(facts)).toEqual(view(cold.facts));
    expect(facts.pr.committers).toContain('alice');
  });

  it('a review started before the cursor and submitted after it (placed where it was started): it is read, warm as cold', async () => {
    const world = fakeGitHub(mode);
    const warm = new GitHubCache();
    world.commit('c1', 'dev');
    world.comment('rob', 'hello');
    world.comment('ann', 'hi');
    await gather(world, warm);
    world.add({ __typename: 'PullRequestReview', databaseId: 42, state: 'CHANGES_REQUESTED', submittedAt: '2026-11-24T12:00:00Z', body: 'no', author: { login: 'mia' }, reviewedCommit: { oid: 'c1' } }, 15);
    const { warm: w, cold: c } = await warmAndCold(world, warm);
    expect(w.events.some((event) => event.type === 'review' && event.state === 'changes_requested')).toBe(true);
    expect(w).toEqual(c);
  });

  it('a repository made again under the same name, its PR #7 another PR with as many items: nothing kept is believed', async () => {
    const before = fakeGitHub(mode);
    const warm = new GitHubCache();
    before.commit('c1', 'dev');
    before.comment('mia', '/approve');
    await gather(before, warm);
    const after = fakeGitHub(mode);
    after.commit('d1', 'mallory');
    after.comment('rob', 'hello');
    const { warm: w, cold: c } = await warmAndCold(after, warm);
    expect(w.committers).toEqual(['mallory']);
    expect(w).toEqual(c);
  });
});
