/**
 * Attacks on the kept timeline (gather.ts), on the sandbox's GraphQL: each scenario gathers a PR's facts after every
 * step with one cache kept throughout (a warm server), then once with an empty cache (a restarted one). What the
 * engine is given must be the same either way: a kept item GitHub no longer has, or an item GitHub has that the
 * kept timeline hides, would make a warm server judge otherwise than a cold one.
 */
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { GitHubCache } from '../../src/github/facts/cache.js';
import { gatherFacts, keptTimeline, type GatheredFacts } from '../../src/github/facts/gather.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import type { PullRequest } from '../../src/sandbox/state.js';
import { GATE_FLOW } from '../helpers.js';

const REPO = 'acme/widgets';
const NEEDS = { teams: [], permissions: false, codeowners: false };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let sandbox: Sandbox;
let gh: GitHubClient;
beforeEach(async () => {
  sandbox = new Sandbox();
  await sandbox.start();
  sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'a.ts': 'a\n' }, { teams: { 'acme/managers': ['mia'] } });
  gh = new Octokit({ auth: 'sandbox', baseUrl: sandbox.url, log: quiet }) as unknown as GitHubClient;
});
afterEach(async () => {
  await sandbox.stop();
});

const gather = (cache: GitHubCache, number = 1, repo = REPO) => {
  const [owner, name] = repo.split('/') as [string, string];
  return gatherFacts(gh, { owner, name }, number, NEEDS, { cache, appId: sandbox.appId, appLogin: sandbox.appLogin, now: sandbox.clock.now() });
};

/** What the engine and the shell are given from the timeline. */
const view = (facts: GatheredFacts) => ({
  events: facts.events,
  forced: facts.forced,
  commits: facts.commits,
  committers: [...facts.pr.committers].sort(),
  appComments: facts.appComments,
  reopens: facts.reopens,
});

/** The warm cache's facts after the scenario, and a cold cache's. */
async function warmAndCold(warm: GitHubCache, number = 1, repo = REPO) {
  return { warm: view(await gather(warm, number, repo)), cold: view(await gather(new GitHubCache(), number, repo)) };
}

const pull = (number = 1, repo = REPO): PullRequest => sandbox.pullRequest(repo, number);
const open = (branch = 'dev/change', repo = REPO) => sandbox.openPullRequest(repo, { author: 'dev', title: branch, branch, changes: { 'a.ts': `${branch}\n` } });
const lastComment = (number = 1) => pull(number).comments.at(-1)!;

/** A timeline item GitHub writes itself, at the sandbox's clock. */
function append(number: number, item: Record<string, unknown> & { __typename: string }) {
  const at = sandbox.clock.tick();
  pull(number).timeline.push({ at, createdAt: at, ...item });
}

describe('the kept timeline against a cold read', () => {
  it('an /approve seen, then deleted: warm and cold both drop it', async () => {
    const warm = new GitHubCache();
    await open();
    await sandbox.comment(REPO, 1, 'mia', '/approve');
    await gather(warm);
    await sandbox.deleteComment(REPO, 1, lastComment().id, 'mia');
    const { warm: w, cold: c } = await warmAndCold(warm);
    expect(w.events.filter((event) => event.type === 'comment')).toEqual([]);
    expect(w).toEqual(c);
  });

  it('an /approve seen, deleted, and another comment posted so every count stays equal: warm sees the new one and not the old', async () => {
    const warm = new GitHubCache();
    await open();
    await sandbox.comment(REPO, 1, 'rob', 'first');
    await sandbox.comment(REPO, 1, 'mia', '/approve');
    await gather(warm);
    await sandbox.deleteComment(REPO, 1, lastComment().id, 'mia');
    await sandbox.comment(REPO, 1, 'mia', '/decline not like this');
    const { warm: w, cold: c } = await warmAndCold(warm);
    expect(w.events.filter((event) => event.type === 'comment').map((event) => (event as { body: string }).body)).toEqual(['first', '/decline not like this']);
    expect(w).toEqual(c);
  });

  it('an earlier comment deleted and another posted, the last kept item untouched: warm equals cold', async () => {
    const warm = new GitHubCache();
    await open();
    await sandbox.comment(REPO, 1, 'rob', '/approve');
    const early = lastComment().id;
    await sandbox.label(REPO, 1, 'dev', 'docs');
    await gather(warm);
    await sandbox.deleteComment(REPO, 1, early, 'rob');
    await sandbox.comment(REPO, 1, 'rob', 'second thoughts');
    const { warm: w, cold: c } = await warmAndCold(warm);
    expect(w.events.filter((event) => event.type === 'comment').map((event) => (event as { body: string }).body)).toEqual(['second thoughts']);
    expect(w).toEqual(c);
  });

  it('a comment posted and deleted between two reads, with other items around it, is never seen warm or cold', async () => {
    const warm = new GitHubCache();
    await open();
    await gather(warm);
    await sandbox.label(REPO, 1, 'dev', 'docs');
    await sandbox.comment(REPO, 1, 'mia', '/approve');
    const gone = lastComment().id;
    await sandbox.review(REPO, 1, 'rob', 'commented');
    await sandbox.deleteComment(REPO, 1, gone, 'mia');
    const { warm: w, cold: c } = await warmAndCold(warm);
    expect(w.events.some((event) => event.type === 'comment')).toBe(false);
    expect(w).toEqual(c);
  });

  it('an approval dismissed after it was kept: warm replays it as approved then dismissed, as cold does from the DISMISSED review', async () => {
    const warm = new GitHubCache();
    await open();
    await sandbox.review(REPO, 1, 'mia', 'approved');
    await gather(warm);
    // GitHub changes the review's state in place and adds the dismissal to the timeline.
    const review = pull().timeline.find((item) => item.__typename === 'PullRequestReview')!;
    review.state = 'DISMISSED';
    append(1, { __typename: 'ReviewDismissedEvent', actor: { login: 'admin' }, previousReviewState: 'APPROVED', review: { databaseId: review.databaseId } });
    const { warm: w, cold: c } = await warmAndCold(warm);
    expect(w.events.map((event) => event.type)).toEqual(['review', 'review_dismissed']);
    expect(w).toEqual(c);
  });

  it('a kept approval edited (its body, in place) keeps its first-read body warm; its decision is the same warm and cold', async () => {
    const warm = new GitHubCache();
    await open();
    await sandbox.review(REPO, 1, 'mia', 'approved', 'ship it');
    await gather(warm);
    pull().timeline.find((item) => item.__typename === 'PullRequestReview')!.body = 'on second thought, no';
    const { warm: w, cold: c } = await warmAndCold(warm);
    const decision = (events: typeof w.events) => events.map((event) => (event.type === 'review' ? { id: event.id, state: event.state, sha: event.sha, actor: event.actor } : event));
    expect(decision(w.events)).toEqual(decision(c.events));
  });

  it('a force push that drops a kept commit: the dropped commit and its committer leave the warm facts as the cold ones', async () => {
    const warm = new GitHubCache();
    await open();
    const dropped = await sandbox.push(REPO, 1, 'mallory', { 'a.ts': 'mallory\n' });
    await gather(warm);
    expect((await gather(warm)).pr.committers).toContain('mallory');
    const after = await sandbox.push(REPO, 1, 'dev', { 'a.ts': 'clean\n' });
    // A force push: the commit pushed by mallory is no longer the PR's; GitHub notes the push.
    const pr = pull();
    pr.timeline.splice(pr.timeline.findIndex((item) => item.__typename === 'PullRequestCommit' && (item.commit as { oid: string }).oid === dropped), 1);
    pr.commits = pr.commits.filter((oid) => oid !== dropped);
    append(1, { __typename: 'HeadRefForcePushedEvent', actor: { login: 'dev' }, beforeCommit: { oid: dropped }, afterCommit: { oid: after } });
    const { warm: w, cold: c } = await warmAndCold(warm);
    expect(w.committers).not.toContain('mallory');
    expect(w.commits).not.toContain(dropped);
    expect(w).toEqual(c);
  });

  it('a push after an approval is read on: the new commit is the newest, warm as cold', async () => {
    const warm = new GitHubCache();
    await open();
    await sandbox.review(REPO, 1, 'mia', 'approved');
    await gather(warm);
    const pushed = await sandbox.push(REPO, 1, 'dev', { 'a.ts': 'later\n' });
    const facts = await gather(warm);
    expect(facts.pr.head_sha).toBe(pushed);
    expect(facts.commits[0]).toBe(pushed);
    // The approval stays bound to the commit it was made on.
    expect(facts.events.find((event) => event.type === 'review')).toMatchObject({ sha: pull().commits[0] });
    const { warm: w, cold: c } = await warmAndCold(warm);
    expect(w).toEqual(c);
  });

  it('two repositories with the same PR number keep two timelines', async () => {
    sandbox.createRepo('acme/other', { '.github/flows/gate.yml': GATE_FLOW, 'a.ts': 'a\n' }, { teams: { 'acme/managers': ['mia'] } });
    const warm = new GitHubCache();
    await open();
    await open('dev/other', 'acme/other');
    await sandbox.comment(REPO, 1, 'mia', '/approve');
    await gather(warm, 1, REPO);
    await gather(warm, 1, 'acme/other');
    await sandbox.comment('acme/other', 1, 'rob', 'hello');
    const other = await warmAndCold(warm, 1, 'acme/other');
    expect(other.warm.events.map((event) => (event as { body?: string }).body)).toEqual(['hello']);
    expect(other.warm).toEqual(other.cold);
    const mine = await warmAndCold(warm, 1, REPO);
    expect(mine.warm).toEqual(mine.cold);
  });

  it('a timeline evicted mid-sequence (a cache of one PR) is read whole again and agrees', async () => {
    const warm = new GitHubCache({ timelines: { entries: 1 } });
    await open();
    await open('dev/second');
    await sandbox.comment(REPO, 1, 'mia', '/approve');
    await gather(warm, 1);
    await gather(warm, 2);
    expect(keptTimeline(warm, { owner: 'acme', name: 'widgets' }, 1)).toEqual([]);
    await sandbox.deleteComment(REPO, 1, lastComment().id, 'mia');
    await sandbox.comment(REPO, 1, 'rob', 'after');
    const { warm: w, cold: c } = await warmAndCold(warm, 1);
    expect(w).toEqual(c);
  });

  it('a 500 on a page read on from the cursor fails the gather and keeps nothing half-read: the next read agrees with a cold one', async () => {
    const warm = new GitHubCache();
    await open();
    // Past a page: 150 items the app has not read yet.
    await gather(warm);
    const pr = pull();
    for (let index = 0; index < 150; index += 1) {
      const comment = { id: 900_000 + index, body: `note ${index}`, user: 'rob', created_at: sandbox.clock.tick(), updated_at: '' };
      comment.updated_at = comment.created_at;
      pr.comments.push(comment);
      pr.timeline.push({ __typename: 'IssueComment', at: comment.created_at, databaseId: comment.id, createdAt: comment.created_at, body: comment.body, author: { login: 'rob' } });
    }
    sandbox.faults.add({ match: { method: 'POST', path: /^\/graphql$/ }, fault: 'error-before', nth: 2 });
    await expect(gather(warm)).rejects.toThrow();
    const { warm: w, cold: c } = await warmAndCold(warm);
    expect(w.events).toHaveLength(150);
    expect(w).toEqual(c);
  });
});
