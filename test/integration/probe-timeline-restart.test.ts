/**
 * The real app on the sandbox, warm against cold: each scenario is played twice on two sandboxes in the same
 * order, once by one app throughout (its kept timeline warm) and once with the app restarted (an empty cache) before
 * the last step. The verdict (merged or not, each check run's conclusion and title) and the record must be the same.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/github/history/record.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

const REPO = 'acme/widgets';
/** Two managers must approve. */
const TWO_APPROVALS = GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      count: 2');

const started: AppOnSandbox[] = [];
afterEach(async () => {
  for (const app of started.splice(0).reverse()) await app.stop().catch(() => undefined);
});

type Step = (sandbox: Sandbox) => Promise<unknown>;

/** What the app concluded: merged or not, and each of its check runs on each commit with its record. */
function outcome(sandbox: Sandbox) {
  const pull = sandbox.pullRequest(REPO, 1);
  return {
    merged: pull.merged,
    // Webhooks the app answered with an error: a NOT_FOUND inside the event's query must not fail it.
    failed: sandbox.deliveries.filter((delivery) => delivery.status !== undefined && delivery.status >= 400).map((delivery) => delivery.name),
    runs: pull.commits.flatMap((sha) =>
      sandbox.checkRunsFor(sha).map((run) => ({ sha: sha.slice(0, 7), name: run.name, status: run.status, conclusion: run.conclusion, title: run.output.title, record: decodeRecord(run.output.text ?? '') })),
    ),
  };
}

/** Plays the steps with one app; with `restart`, a new app (empty cache) takes over before the last step. */
async function play(steps: Step[], restart: boolean) {
  const first = await startAppOnSandbox();
  started.push(first);
  const { sandbox } = first;
  sandbox.createRepo(REPO, { '.github/flows/gate.yml': TWO_APPROVALS, 'a.ts': 'a\n' }, { teams: { 'acme/managers': ['mia', 'max', 'mo'] } });
  await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'dev/change', changes: { 'a.ts': 'b\n' } });
  for (const [index, step] of steps.entries()) {
    if (restart && index === steps.length - 1) {
      await first.stopApp();
      started.push(await startAppOnSandbox({ sandbox }));
    }
    await step(sandbox);
    await sandbox.settle();
  }
  return outcome(sandbox);
}

async function warmAndCold(steps: Step[]) {
  const warm = await play(steps, false);
  const cold = await play(steps, true);
  return { warm, cold };
}

const lastCommentId = (sandbox: Sandbox) => sandbox.pullRequest(REPO, 1).comments.filter((comment) => !comment.body.startsWith('<!--')).at(-1)!.id;

describe('a warm app and a restarted one reach the same verdict', () => {
  it('an /approve judged, then deleted, then a second approval: the deleted one no longer counts, warm as cold', async () => {
    let command = 0;
    const { warm, cold } = await warmAndCold([
      (sandbox) => sandbox.comment(REPO, 1, 'mia', '/approve'),
      async (sandbox) => {
        command = lastCommentId(sandbox);
        await sandbox.deleteComment(REPO, 1, command, 'mia');
      },
      (sandbox) => sandbox.review(REPO, 1, 'max', 'approved'),
    ]);
    // A command deleted is withdrawn: GitHub no longer has it, so it does not count, warm or cold.
    expect(warm.merged).toBe(false);
    expect(warm.runs.find((run) => run.name === 'Flowgate: gate')).toMatchObject({ title: 'Waiting for 1 more approval(s) from @acme/managers' });
    // The deleted command was the last item kept: GitHub answers NOT_FOUND for it inside the event's query.
    expect(warm.failed).toEqual([]);
    expect(warm).toEqual(cold);
  });

  it('an earlier comment deleted as an approver posts a /decline: the decline is seen warm as cold, and a later approval does not merge', async () => {
    const { warm, cold } = await warmAndCold([
      (sandbox) => sandbox.comment(REPO, 1, 'rob', 'a remark'),
      (sandbox) => sandbox.comment(REPO, 1, 'mia', '/approve'),
      (sandbox) => sandbox.label(REPO, 1, 'dev', 'docs'),
      async (sandbox) => {
        const remark = sandbox.pullRequest(REPO, 1).comments.find((comment) => comment.body === 'a remark')!;
        await sandbox.deleteComment(REPO, 1, remark.id, 'rob');
        await sandbox.comment(REPO, 1, 'max', '/decline not this way');
      },
      // A second approval after the decline must not merge: the run was declined.
      (sandbox) => sandbox.review(REPO, 1, 'mo', 'approved'),
    ]);
    expect(warm.merged).toBe(false);
    expect(warm.runs.find((run) => run.name === 'Flowgate: gate')).toMatchObject({ conclusion: 'failure' });
    expect(warm).toEqual(cold);
  });

  it('an approval dismissed after the app kept it does not count, warm as cold', async () => {
    const { warm, cold } = await warmAndCold([
      (sandbox) => sandbox.review(REPO, 1, 'mia', 'approved'),
      async (sandbox) => {
        // GitHub changes the review's state in place and adds the dismissal; the app hears of it by a later event.
        const pull = sandbox.pullRequest(REPO, 1);
        const review = pull.timeline.find((item) => item.__typename === 'PullRequestReview')!;
        review.state = 'DISMISSED';
        const at = sandbox.clock.iso();
        pull.timeline.push({ __typename: 'ReviewDismissedEvent', at, createdAt: at, actor: { login: 'admin' }, previousReviewState: 'APPROVED', review: { databaseId: review.databaseId } });
        await sandbox.label(REPO, 1, 'dev', 'docs');
      },
      (sandbox) => sandbox.review(REPO, 1, 'max', 'approved'),
    ]);
    expect(warm.merged).toBe(false);
    expect(warm).toEqual(cold);
  });

  it('a push after an approval: the approval does not carry to the new head, warm as cold', async () => {
    const { warm, cold } = await warmAndCold([
      (sandbox) => sandbox.review(REPO, 1, 'mia', 'approved'),
      (sandbox) => sandbox.push(REPO, 1, 'dev', { 'a.ts': 'c\n' }),
      (sandbox) => sandbox.review(REPO, 1, 'max', 'approved'),
    ]);
    expect(warm.merged).toBe(false);
    expect(warm).toEqual(cold);
  });

  it('a review submitted on a commit older than the head does not count for the head, warm as cold', async () => {
    const { warm, cold } = await warmAndCold([
      (sandbox) => sandbox.review(REPO, 1, 'mia', 'approved'),
      (sandbox) => sandbox.push(REPO, 1, 'dev', { 'a.ts': 'c\n' }),
      async (sandbox) => {
        // max started his review before the push and submitted it after: GitHub binds it to the commit he reviewed.
        const pull = sandbox.pullRequest(REPO, 1);
        const at = sandbox.clock.tick();
        pull.timeline.push({ __typename: 'PullRequestReview', at, databaseId: 777_001, state: 'APPROVED', submittedAt: at, body: '', author: { login: 'max' }, commit: { oid: pull.commits[0] } });
        await sandbox.label(REPO, 1, 'dev', 'docs');
      },
      (sandbox) => sandbox.review(REPO, 1, 'mo', 'approved'),
    ]);
    expect(warm.merged).toBe(false);
    expect(warm).toEqual(cold);
  });

  it('two approvals whose webhooks arrive at once, twice each: one merge, warm as cold', async () => {
    const { warm, cold } = await warmAndCold([
      (sandbox) => sandbox.label(REPO, 1, 'dev', 'docs'),
      async (sandbox) => {
        sandbox.faults.loseDeliveries((delivery) => delivery.name === 'pull_request_review', 2);
        await sandbox.review(REPO, 1, 'mia', 'approved');
        await sandbox.review(REPO, 1, 'max', 'approved');
        const [one, two] = sandbox.deliveries.filter((delivery) => delivery.name === 'pull_request_review').slice(-2);
        await Promise.all([sandbox.redeliverAtOnce(one!, 2), sandbox.redeliverAtOnce(two!, 2)]);
      },
    ]);
    expect(warm.merged).toBe(true);
    expect(warm).toEqual(cold);
  });

  it.each([
    ['/decline changed my mind'],
    ['looks good'],
  ])('an /approve judged, then edited to %j: its first judgement stands, warm as cold', async (edited) => {
    const { warm, cold } = await warmAndCold([
      (sandbox) => sandbox.comment(REPO, 1, 'mia', '/approve'),
      (sandbox) => sandbox.editComment(REPO, 1, lastCommentId(sandbox), 'mia', edited),
      (sandbox) => sandbox.review(REPO, 1, 'max', 'approved'),
    ]);
    // The edit is no decision either way: mia's approval, judged as first posted, counts with max's.
    expect(warm.merged).toBe(true);
    expect(warm).toEqual(cold);
  });
});
