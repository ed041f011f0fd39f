/**
 * The sticky comment: found by the app's login and the marker on its own line,
 * never confused with another comment of the app, and safe to write again.
 */
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/flow/compile.js';
import { GitHubCache } from '../../src/github/facts/cache.js';
import { STICKY_MARKER, stickyComment } from '../../src/github/history/render.js';
import { requestsFor } from '../../src/github/effects/requests.js';
import { upsertSticky } from '../../src/github/history/sticky.js';
import { flowOf, GATE_FLOW, run } from '../helpers.js';
import { APP, FakeGitHub, pending, REPO } from './effects-fake-github.js';

const flow = flowOf(GATE_FLOW);
const runs = [{ flow: compileFlow(flow), evaluation: run(flow) }];

/** The gate message a flow renders with `{{pr.title}}` first, as the app posts it. */
function gateMessageFor(title: string): string {
  const [request] = requestsFor(pending('run1:review:1:message', { type: 'comment', body: `${title} needs a manager's approval` }, 'gate'), { owner: 'acme', repo: 'widgets', number: 7 });
  return (request as unknown as { params: { body: string } }).params.body;
}

describe('the sticky comment', () => {
  it('is not the gate message of a PR whose title starts with the marker', async () => {
    const gh = new FakeGitHub();
    gh.comments.push({ id: 1, login: APP, body: gateMessageFor(`${STICKY_MARKER} Fix billing`) });
    await upsertSticky(gh, REPO, 7, APP, runs, new GitHubCache());
    expect(gh.comments).toHaveLength(2);
    expect(gh.comments[0]!.body).toContain("needs a manager's approval");
    expect(gh.comments[1]!.body.startsWith(`${STICKY_MARKER}\n`)).toBe(true);
  });

  it('is not an older comment of the app that merely starts with the marker', async () => {
    const gh = new FakeGitHub();
    // Posted by a version before effect comments were marked: the title was the comment's first words.
    gh.comments.push({ id: 1, login: APP, body: `${STICKY_MARKER} Fix billing needs a manager's approval` });
    await upsertSticky(gh, REPO, 7, APP, runs, new GitHubCache(), gh.observed().appComments);
    expect(gh.comments.map((comment) => comment.id)).toHaveLength(2);
    expect(gh.comments[0]!.body).toBe(`${STICKY_MARKER} Fix billing needs a manager's approval`);
  });

  it("is never someone else's comment, however it starts", async () => {
    const gh = new FakeGitHub();
    gh.comments.push({ id: 1, login: 'mallory', body: stickyComment(runs).replace('Flowgate', 'Flowgate (forged)') });
    await upsertSticky(gh, REPO, 7, APP, runs, new GitHubCache());
    expect(gh.comments[0]!.body).toContain('(forged)');
    expect(gh.comments.filter((comment) => comment.login === APP)).toHaveLength(1);
  });

  it("is found among the app's comments read with the facts, without listing the PR's comments", async () => {
    const gh = new FakeGitHub();
    gh.comments.push({ id: 5, login: APP, body: `${STICKY_MARKER}\n\n## Flowgate\n\nold` });
    await upsertSticky(gh, REPO, 7, APP, runs, new GitHubCache(), gh.observed().appComments);
    expect(gh.sent.map((request) => request.route)).toEqual(['PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}']);
    expect(gh.comments[0]!.body).toBe(stickyComment(runs));
  });

  it('when a lost answer left two, the oldest is kept and the other deleted', async () => {
    const gh = new FakeGitHub();
    gh.comments.push({ id: 9, login: APP, body: stickyComment([]) }, { id: 4, login: APP, body: stickyComment([]) });
    await upsertSticky(gh, REPO, 7, APP, runs, new GitHubCache(), gh.observed().appComments);
    expect(gh.comments).toEqual([{ id: 4, login: APP, body: stickyComment(runs) }]);
  });

  it('two stickies are collapsed on the listing path too', async () => {
    const gh = new FakeGitHub();
    gh.comments.push({ id: 4, login: APP, body: stickyComment(runs) }, { id: 9, login: APP, body: stickyComment(runs) });
    await upsertSticky(gh, REPO, 7, APP, runs, new GitHubCache());
    expect(gh.comments.map((comment) => comment.id)).toEqual([4]);
    expect(gh.writes()).toEqual(['DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}']);
  });

  it('is created without automatic retries, so a lost answer cannot make a second one at once', async () => {
    const gh = new FakeGitHub();
    await upsertSticky(gh, REPO, 7, APP, runs, new GitHubCache(), []);
    expect(gh.sent[0]).toMatchObject({ route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', params: { request: { retries: 0 } } });
  });

  it('a created sticky whose answer was lost is found on the next event and not created again', async () => {
    const gh = new FakeGitHub();
    gh.faults.push({ route: 'POST', when: 'after', kind: 500 });
    await expect(upsertSticky(gh, REPO, 7, APP, runs, new GitHubCache(), [])).rejects.toMatchObject({ status: 500 });
    await upsertSticky(gh, REPO, 7, APP, runs, new GitHubCache(), gh.observed().appComments);
    expect(gh.comments).toHaveLength(1);
  });

  it('text rendered into it cannot make a marker', () => {
    const evaluation = run(flow);
    evaluation.decisions.push({ ...evaluation.decisions[0]!, step: 'review', gate: 'review', attempt: 1, actor: 'mallory', decision: 'decline', source: 'comment', sha: 'a', at: evaluation.run.started_at, counted: false, status: 'ignored', rule: `ignored: ${STICKY_MARKER}` });
    const body = stickyComment([{ flow: compileFlow(flow), evaluation }]);
    expect(body.split(STICKY_MARKER)).toHaveLength(2);
  });
});
