/**
 * What each kind of event costs against GitHub's rate limit, counted on the
 * sandbox with the real app: one read an event at steady state, on a typical
 * PR and on a large one (300 reviews, 1,000 comments, 3,000 files), and only the
 * writes that show a change. docs/performance.md reports these counts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { GATE_FLOW } from '../helpers.js';

let running: AppOnSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const REPO = 'acme/widgets';
const reads = (requests: readonly string[]) => requests.filter((request) => request === 'POST /graphql' || request.startsWith('GET ')).length;
const writes = (requests: readonly string[]) => requests.filter((request) => request !== 'POST /graphql' && !request.startsWith('GET ')).length;

/** Runs `act` and returns the requests it cost. */
async function cost(sandbox: Sandbox, act: () => Promise<unknown>): Promise<string[]> {
  sandbox.requests.length = 0;
  await act();
  return [...sandbox.requests];
}

async function setUp() {
  running = await startAppOnSandbox();
  const { sandbox } = running;
  sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia', 'max'] }, permissions: { mia: 'write' } });
  return sandbox;
}

/** A PR of 3,000 files with 300 reviews and 1,000 comments made while the app was not listening (as before it was installed). */
async function largePullRequest(sandbox: Sandbox) {
  const url = sandbox.webhookUrl;
  sandbox.webhookUrl = undefined;
  const changes = Object.fromEntries(Array.from({ length: 3000 }, (_, index) => [`src/module-${index % 60}/file-${index}.ts`, `export const v${index} = ${index};\n`]));
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'A large change', branch: 'dev/large', changes });
  const pull = sandbox.pullRequest(REPO, pr.number);
  for (let index = 0; index < 1300; index += 1) {
    const at = new Date(Date.parse(pull.createdAt) + (index + 1) * 1000).toISOString();
    const by = `reviewer${index % 50}`;
    if (index % 13 === 0 && index / 13 < 300) {
      pull.timeline.push({ __typename: 'PullRequestReview', at, databaseId: 500_000 + index, state: 'COMMENTED', submittedAt: at, body: 'A remark on the diff.', author: { login: by }, commit: { oid: pull.headSha } });
    } else {
      const comment = { id: 600_000 + index, body: 'A remark without a command.', user: by, created_at: at, updated_at: at };
      pull.comments.push(comment);
      pull.timeline.push({ __typename: 'IssueComment', at, databaseId: comment.id, createdAt: at, body: comment.body, author: { login: by } });
    }
  }
  await sandbox.settle();
  sandbox.webhookUrl = url;
  return pr;
}

describe('reads per event', () => {
  it('a typical PR: one read an event once the repository is known; a decision adds only the writes that show it', async () => {
    const sandbox = await setUp();
    const first = await cost(sandbox, () => sandbox.openPullRequest(REPO, { author: 'dev', title: 'First', branch: 'dev/first', changes: { 'billing/x.ts': 'export const x = 2;\n' } }));
    // The first event of a repository cannot foresee the people its flows need: one read more.
    expect(reads(first)).toBe(2);
    const opened = await cost(sandbox, () => sandbox.openPullRequest(REPO, { author: 'dev', title: 'Second', branch: 'dev/second', changes: { 'billing/x.ts': 'export const x = 3;\n' } }));
    expect(reads(opened)).toBe(1);
    // The run's check run, the `Flowgate` check and the sticky comment.
    expect(writes(opened)).toBe(3);

    expect(await cost(sandbox, () => sandbox.comment(REPO, 2, 'mia', 'Looks fine so far.'))).toEqual([]);
    expect(await cost(sandbox, () => sandbox.review(REPO, 2, 'rob', 'commented'))).toEqual([]);
    expect(await cost(sandbox, () => sandbox.label(REPO, 2, 'dev', 'docs'))).toEqual(['POST /graphql']);
    // A review that changes nothing: GitHub delivers a review again (one the app has already judged).
    await sandbox.review(REPO, 2, 'rob', 'approved');
    const review = sandbox.deliveries.findLast((delivery) => delivery.name === 'pull_request_review')!;
    expect(await cost(sandbox, () => sandbox.redeliver(review))).toEqual(['POST /graphql']);

    // `/decline` by an approver: one read, then the run's check run and the sticky comment (the `Flowgate` check turns red too).
    const declined = await cost(sandbox, () => sandbox.comment(REPO, 2, 'mia', '/decline not yet'));
    expect(reads(declined)).toBe(1);
    expect(declined.filter((request) => request.startsWith('PATCH /repos/acme/widgets/check-runs/')).length).toBeLessThanOrEqual(2);
    expect(declined.filter((request) => request.includes('/issues/comments/')).length).toBe(1);
  });

  it('a large PR (300 reviews, 1,000 comments, 3,000 files): pages once, then one read an event', async () => {
    const sandbox = await setUp();
    const pr = await largePullRequest(sandbox);
    const first = await cost(sandbox, () => sandbox.label(REPO, pr.number, 'dev', 'ready'));
    // 30 pages of files and 14 of timeline, the first of each in the event's query; people once.
    expect(reads(first)).toBe(31);
    const next = await cost(sandbox, () => sandbox.label(REPO, pr.number, 'dev', 'docs'));
    expect(next).toEqual(['POST /graphql']);
    // A decision: one read (the new timeline item, the known files and people), then its writes; and one read for the
    // `closed` webhook the merge causes.
    const approved = await cost(sandbox, () => sandbox.review(REPO, pr.number, 'mia', 'approved'));
    expect(reads(approved)).toBe(2);
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
  });

  it('a comment deleted after the app read it is not kept: the whole timeline is read again', async () => {
    const sandbox = await setUp();
    const pr = await largePullRequest(sandbox);
    await sandbox.label(REPO, pr.number, 'dev', 'ready');
    // rob may not approve; the app reads his command and records it as ignored. Then he deletes it (a webhook the app skips).
    await sandbox.comment(REPO, pr.number, 'rob', '/approve');
    const command = sandbox.pullRequest(REPO, pr.number).comments.at(-1)!;
    await sandbox.deleteComment(REPO, pr.number, command.id, 'rob');
    const next = await cost(sandbox, () => sandbox.label(REPO, pr.number, 'dev', 'docs'));
    // The read after the cursor found GitHub's timeline changed before it, so all 14 pages were read again.
    expect(reads(next)).toBe(15);
    const after = await cost(sandbox, () => sandbox.label(REPO, pr.number, 'dev', 'later'));
    expect(after).toEqual(['POST /graphql']);
  });

  it("the app's own comments are read as they are now: an edited sticky comment is written back", async () => {
    const sandbox = await setUp();
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'dev/change', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
    const stickyComment = sandbox.pullRequest(REPO, pr.number).comments.find((comment) => comment.body.startsWith('<!-- flowgate:sticky -->'))!;
    const written = stickyComment.body;
    // An event reads the sticky comment into the timeline the app keeps.
    await sandbox.label(REPO, pr.number, 'dev', 'ready');
    // A maintainer edits the app's comment; no webhook the app acts on says so.
    await sandbox.editComment(REPO, pr.number, stickyComment.id, 'admin', '<!-- flowgate:sticky -->\nAll approved, merge away.');
    const next = await cost(sandbox, () => sandbox.label(REPO, pr.number, 'dev', 'docs'));
    expect(reads(next)).toBe(1);
    expect(next).toContain(`PATCH /repos/acme/widgets/issues/comments/${stickyComment.id}`);
    expect(sandbox.pullRequest(REPO, pr.number).comments.find((comment) => comment.id === stickyComment.id)!.body).toBe(written);
  });
});

describe("the app's own comments, deleted", () => {
  it('a sticky comment deleted after the app kept it is answered NOT_FOUND by GitHub inside the one query; the event goes on and writes it again', async () => {
    const sandbox = await setUp();
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'dev/change', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
    await sandbox.label(REPO, pr.number, 'dev', 'ready');
    const stickyComment = sandbox.pullRequest(REPO, pr.number).comments.find((comment) => comment.body.startsWith('<!-- flowgate:sticky -->'))!;
    await sandbox.deleteComment(REPO, pr.number, stickyComment.id, 'admin');
    await sandbox.label(REPO, pr.number, 'dev', 'docs');
    expect(sandbox.deliveries.findLast((delivery) => delivery.name === 'pull_request')).toMatchObject({ payload: { action: 'labeled', label: { name: 'docs' } }, status: 200 });
    const stickies = sandbox.pullRequest(REPO, pr.number).comments.filter((comment) => comment.body.startsWith('<!-- flowgate:sticky -->'));
    expect(stickies).toHaveLength(1);
    expect(stickies[0]!.id).not.toBe(stickyComment.id);
  });
});
