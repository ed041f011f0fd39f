/**
 * The README's Security section, claim by claim, as attacks on the real app
 * running against the sandbox. Each test names the claim it pins; each was
 * written against the code before the trust work and seen failing there (or,
 * for claims that already held, pins them so they keep holding).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { commentText } from '../../src/github/history/markers.js';
import { decodeRecord } from '../../src/github/history/record.js';
import { signToken } from '../../src/github/callbacks/token.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

let running: AppOnSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const REPO = 'acme/widgets';
const STICKY = '<!-- flowgate:sticky -->';

async function setUp(flow = GATE_FLOW, options: { title?: string; managers?: string[] } = {}) {
  running = await startAppOnSandbox();
  const { sandbox } = running;
  sandbox.createRepo(
    REPO,
    { '.github/flows/gate.yml': flow, 'billing/x.ts': 'export const x = 1;\n' },
    { teams: { 'acme/managers': options.managers ?? ['mia', 'max'] }, permissions: { mia: 'write', max: 'write', dev: 'write' } },
  );
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: options.title ?? 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
  return { sandbox, pr, app: running };
}

const gateRun = (sandbox: AppOnSandbox['sandbox'], sha: string) => sandbox.checkRunsFor(sha).filter((run) => run.name === 'Flowgate: gate');
const recordOf = (text: string | null) => {
  const decoded = decodeRecord(text ?? '');
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.record;
};
/** While the app handles the next webhook (at its first GraphQL read), `act` happens on GitHub. */
const duringNextEvent = (sandbox: AppOnSandbox['sandbox'], act: () => Promise<unknown>) =>
  sandbox.faults.add({ match: { method: 'POST', path: /^\/graphql$/ }, times: 1, before: async () => void (await act()) });

const DECLINE_FAILS = GATE_FLOW.replace('    on_approve: ship', '    on_approve: ship\n    on_decline: fail');

describe('Security: decisions bind to the commit that was the head when they were made', () => {
  it('a /approve racing a push (the push lands while the app handles the comment) does not merge the pushed commit', async () => {
    const { sandbox, pr } = await setUp();
    let pushed = '';
    duringNextEvent(sandbox, async () => (pushed = await sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': 'export const x = 666;\n' })));
    await sandbox.comment(REPO, pr.number, 'mia', '/approve');
    const pull = sandbox.pullRequest(REPO, pr.number);
    expect(pushed).not.toBe('');
    expect(pull.merged).toBe(false);
    // mia's approval is for the commit she saw: the app asks to merge that one, GitHub refuses it, and the
    // run goes back to the gate for the new commit, which nobody has approved.
    const runs = gateRun(sandbox, pushed);
    expect(runs.map((run) => run.output.title)).toEqual(['Waiting for 1 more approval(s) from @acme/managers']);
    expect(sandbox.requests.filter((request) => request.endsWith('/merge'))).toHaveLength(1);
    // The required Flowgate check was never green on the pushed commit, not even for a moment.
    const greenOnPushed = sandbox.responses.filter((answer) => {
      const body = answer.body as { name?: string; head_sha?: string; conclusion?: string | null } | undefined;
      return answer.path.includes('/check-runs') && body?.name === 'Flowgate' && body.head_sha === pushed && body.conclusion === 'success';
    });
    expect(greenOnPushed).toEqual([]);
    await sandbox.comment(REPO, pr.number, 'max', '/approve');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
    expect(sandbox.truth.merges.map((merge) => merge.sha)).toEqual([pushed]);
  });

  it('an approval label racing a push does not merge the pushed commit', async () => {
    const { sandbox, pr } = await setUp();
    duringNextEvent(sandbox, () => sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': 'export const x = 666;\n' }));
    await sandbox.label(REPO, pr.number, 'mia', 'flowgate:approve');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
  });

  it('an Approve click racing a push approves the commit of the check run clicked, not the pushed one', async () => {
    const { sandbox, pr } = await setUp();
    const clicked = gateRun(sandbox, pr.headSha)[0]!;
    let pushed = '';
    duringNextEvent(sandbox, async () => (pushed = await sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': 'export const x = 666;\n' })));
    await sandbox.clickButton(REPO, clicked.id, 'mia', 'approve');
    expect(sandbox.truth.merges.map((merge) => merge.sha)).not.toContain(pushed);
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
  });

  it('a merge passes only the approved SHA: a push while the app merges makes GitHub refuse it', async () => {
    const { sandbox, pr } = await setUp();
    sandbox.faults.add({ match: { method: 'PUT', path: /\/merge$/ }, times: 1, before: async () => void (await sandbox.push(REPO, pr.number, 'dev', { 'billing/x.ts': 'export const x = 666;\n' })) });
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    const pull = sandbox.pullRequest(REPO, pr.number);
    expect(pull.merged).toBe(false);
    expect(sandbox.truth.merges).toEqual([]);
  });
});

describe('Security: a command counts only as first posted', () => {
  it("an /approve added by editing an approver's comment does not count", async () => {
    const { sandbox, pr } = await setUp();
    await sandbox.comment(REPO, pr.number, 'mia', 'Looking at it.');
    const comment = sandbox.pullRequest(REPO, pr.number).comments.find((candidate) => candidate.user === 'mia')!;
    await sandbox.editComment(REPO, pr.number, comment.id, 'dev', 'Looking at it.\n/approve');
    await sandbox.label(REPO, pr.number, 'dev', 'unrelated'); // any later event
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    expect(gateRun(sandbox, pr.headSha)[0]!.output.text).toContain('edited');
  });

  it('a declined run does not come back when its decline is edited to /approve: a finished run is final', async () => {
    const { sandbox, pr } = await setUp(DECLINE_FAILS);
    await sandbox.comment(REPO, pr.number, 'mia', '/decline not like this');
    const decline = sandbox.pullRequest(REPO, pr.number).comments.find((candidate) => candidate.user === 'mia')!;
    await sandbox.editComment(REPO, pr.number, decline.id, 'dev', '/approve');
    await sandbox.label(REPO, pr.number, 'dev', 'unrelated');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    expect(gateRun(sandbox, pr.headSha)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });
});

describe('Security: a verdict is fixed when first judged', () => {
  it('an ignored /approve from someone not yet on the team stays ignored after they join it', async () => {
    const { sandbox, pr } = await setUp();
    await sandbox.comment(REPO, pr.number, 'rob', '/approve');
    sandbox.state.teams.set('acme/managers', ['mia', 'max', 'rob']);
    sandbox.clock.advance(10 * 60_000); // past the app's people cache
    await sandbox.label(REPO, pr.number, 'dev', 'unrelated');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    const record = recordOf(gateRun(sandbox, pr.headSha)[0]!.output.text);
    expect(record.verdicts).toEqual([expect.objectContaining({ decision: 'approve', counted: false })]);
  });
});

describe('Security: effects happen once', () => {
  it('the same approval delivered five times at once merges once and comments once', async () => {
    const flow = GATE_FLOW.replace('      - merge: {}', '      - comment: "Shipping."\n      - merge: {}');
    const { sandbox, pr } = await setUp(flow);
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    const review = sandbox.deliveries.find((delivery) => delivery.name === 'pull_request_review')!;
    await Promise.all([1, 2, 3, 4, 5].map(() => sandbox.redeliver(review)));
    const comments = sandbox.pullRequest(REPO, pr.number).comments.filter((comment) => commentText(comment.body) === 'Shipping.');
    expect(comments).toHaveLength(1);
    expect(sandbox.requests.filter((request) => request.endsWith('/merge'))).toHaveLength(1);
  });

  it('a merge whose answer is lost (500 after GitHub merged) is not asked again, and the run succeeds', async () => {
    const { sandbox, pr } = await setUp();
    sandbox.faults.add({ match: { method: 'PUT', path: /\/merge$/ }, fault: 'error-after', times: 1 });
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    await running!.sweep(); // redelivers the failed webhook
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
    expect(sandbox.requests.filter((request) => request.endsWith('/merge'))).toHaveLength(1);
    expect(gateRun(sandbox, pr.headSha).map((run) => run.conclusion)).toEqual(['success']);
  });

  it('a comment whose answer is lost is not posted twice when the event comes again', async () => {
    const flow = GATE_FLOW.replace('      - merge: {}', '      - comment: "Shipping."\n      - merge: {}');
    const { sandbox, pr } = await setUp(flow);
    sandbox.faults.add({ match: (request) => request.method === 'POST' && /\/comments$/.test(request.path) && String(request.body.body).startsWith('Shipping.'), fault: 'error-after', times: 1 });
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    await running!.sweep();
    const pull = sandbox.pullRequest(REPO, pr.number);
    expect(pull.comments.filter((comment) => commentText(comment.body) === 'Shipping.')).toHaveLength(1);
    expect(pull.merged).toBe(true);
    // The lost answer is not a failed effect: the run succeeds.
    expect(gateRun(sandbox, pr.headSha).map((run) => run.conclusion)).toEqual(['success']);
  });

  it('a check run whose creation answer is lost leaves one run on the commit, not two', async () => {
    running = await startAppOnSandbox();
    const { sandbox } = running;
    sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': '1\n' }, { teams: { 'acme/managers': ['mia'] } });
    sandbox.faults.add({ match: { method: 'POST', path: /\/check-runs$/ }, fault: 'error-after', times: 1 });
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'dev/x', changes: { 'billing/x.ts': '2\n' } });
    // GitHub redelivers the failed opened (the sweep asks it to), and it may be redelivered by hand as well.
    await running.sweep();
    await sandbox.redeliver(sandbox.deliveries.find((delivery) => delivery.name === 'pull_request' && delivery.payload.action === 'opened')!);
    const live = gateRun(sandbox, pr.headSha).filter((run) => run.status !== 'completed');
    expect(live).toHaveLength(1);
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
  });

  it('a redelivered opened does not restart a finished run', async () => {
    const { sandbox, pr } = await setUp(DECLINE_FAILS);
    await sandbox.comment(REPO, pr.number, 'mia', '/decline no');
    await sandbox.redeliver(sandbox.deliveries.find((delivery) => delivery.name === 'pull_request' && delivery.payload.action === 'opened')!);
    expect(gateRun(sandbox, pr.headSha).map((run) => run.conclusion)).toEqual(['failure']);
  });
});

describe('Security: the sticky comment is found by the app and its marker', () => {
  it('a PR title that starts with the marker cannot make the app overwrite its own gate message', async () => {
    const flow = GATE_FLOW.replace('      from: { teams: [acme/managers] }', '      from: { teams: [acme/managers] }\n      message: "{{pr.title}} needs a manager."');
    const { sandbox, pr } = await setUp(flow, { title: `${STICKY} fake` });
    await sandbox.comment(REPO, pr.number, 'rob', 'hello /approve'); // any event that rewrites the sticky
    await sandbox.label(REPO, pr.number, 'dev', 'unrelated');
    const bodies = sandbox.pullRequest(REPO, pr.number).comments.filter((comment) => comment.user === sandbox.appLogin).map((comment) => comment.body);
    expect(bodies.filter((body) => body.startsWith(`${STICKY}\n`))).toHaveLength(1);
    expect(bodies.some((body) => commentText(body).endsWith('needs a manager.'))).toBe(true);
  });
});

describe('Security: a wait for a check run can trust one app only', () => {
  it("a check run of the right name from another app (a workflow the PR adds) does not satisfy a pinned wait", async () => {
    const flow = `
name: ci-gate
on: { pull_request: {} }
steps:
  - id: ci
    wait: { check_run: { name: build, app: real-ci } }
    next: ship
  - id: ship
    actions:
      - label: [ci-passed]
`;
    running = await startAppOnSandbox();
    const { sandbox } = running;
    sandbox.createRepo(REPO, { '.github/flows/ci.yml': flow, 'a.ts': '1\n' });
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'dev/x', changes: { 'a.ts': '2\n' } });
    sandbox.state.appSlugs.set(777, 'real-ci');
    await sandbox.completeCheckRun(REPO, pr.headSha, 'build', 'success', 15368); // GitHub Actions, not real-ci
    expect(sandbox.pullRequest(REPO, pr.number).labels).not.toContain('ci-passed');
    await sandbox.completeCheckRun(REPO, pr.headSha, 'build', 'success', 777);
    expect(sandbox.pullRequest(REPO, pr.number).labels).toContain('ci-passed');
  });
});

describe('Security: callbacks', () => {
  it('a validly signed token for a PR that does not exist gets 404, not a crash', async () => {
    const { app } = await setUp();
    const token = signToken({ v: 1, repo: REPO, pr: 999, installation: app.sandbox.state.repo(REPO).installationId, run: 'nope', step: 'x', attempt: 1, exp: Math.floor(app.sandbox.clock.now() / 1000) + 3600 }, 'sandbox-callback-secret');
    const answer = await fetch(`${app.appUrl}/flowgate/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, result: 'success' }) });
    expect(answer.status).toBe(404);
  });
});

describe('Security: webhooks', () => {
  it('an unsigned webhook changes nothing, and a body over 25 MB is refused before it is read', async () => {
    const { app, sandbox, pr } = await setUp();
    const body = JSON.stringify({ action: 'created', comment: { body: '/approve' } });
    const unsigned = await fetch(`${app.appUrl}/api/github/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': 'x' }, body });
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    const huge = await fetch(`${app.appUrl}/api/github/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(300 * 1024 * 1024), 'x-github-event': 'issue_comment', 'x-github-delivery': 'y', 'x-hub-signature-256': 'sha256=00' }, body: 'x' }).catch((error: Error) => error);
    expect(huge instanceof Error ? 'refused' : huge.status).toSatisfy((value: unknown) => value === 'refused' || value === 413);
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
  });
});
