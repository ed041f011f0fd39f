import { commentText } from '../../src/github/history/markers.js';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';

const HOTFIX_FLOW = readFileSync(new URL('../../examples/4-time-bound/flow.yml', import.meta.url), 'utf8');
const REPO = 'acme/service';
const HOUR = 3600_000;

let running: AppOnSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function setUp() {
  running = await startAppOnSandbox();
  const { sandbox } = running;
  sandbox.createRepo(REPO, { '.github/flows/hotfix.yml': HOTFIX_FLOW, 'src/auth.ts': 'a\n' });
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Fix the login redirect loop', branch: 'fix/login', labels: ['hotfix'], changes: { 'src/auth.ts': 'b\n' } });
  return { sandbox, pr, sweep: running.sweep };
}

const comments = (pull: { comments: { body: string }[] }) => pull.comments.map((comment) => commentText(comment.body)).filter((body) => !body.startsWith('<!--'));

describe('timers without events', () => {
  it('the primary approver is silent: the sweep notifies the backup, reminds, then declines at the deadline', async () => {
    const { sandbox, pr, sweep } = await setUp();
    expect(sandbox.pullRequest(REPO, pr.number).labels).toContain('flowgate:waiting');

    sandbox.clock.advance(3 * HOUR);
    await sweep();
    expect(comments(sandbox.pullRequest(REPO, pr.number))).toEqual([]);

    sandbox.clock.advance(1 * HOUR + 60_000);
    const report = await sweep();
    expect(report).toMatchObject({ installations: 1, pulls: 1, errors: [] });
    expect(comments(sandbox.pullRequest(REPO, pr.number))).toEqual([expect.stringMatching(/^@backup-oncall: \*\*On-call approval\*\* in flow hotfix-window has waited 4h/)]);

    sandbox.clock.advance(44 * HOUR);
    await sweep();
    const pull = sandbox.pullRequest(REPO, pr.number);
    expect(comments(pull).at(-1)).toMatch(/^⌛ No decision within 48 hours/);
    expect(pull.labels).toEqual(['hotfix', 'hotfix-expired']);
    const [run] = sandbox.checkRunsFor(pr.headSha);
    expect(run).toMatchObject({ conclusion: 'failure', output: { title: 'Declined by flowgate' } });
    expect(run!.output.summary).toContain('auto-declined at 2026-11-26 09:');
    // Three reminders in between: at 24h, 32h and 40h, each once, however often the sweep runs.
    expect(comments(pull).filter((body) => body.startsWith('@primary-oncall @backup-oncall'))).toHaveLength(3);
  });

  it('the backup, made an approver by the escalation, approves and it ships', async () => {
    const { sandbox, pr, sweep } = await setUp();
    sandbox.clock.advance(5 * HOUR);
    await sweep();
    await sandbox.comment(REPO, pr.number, 'backup-oncall', '/approve');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
    expect(sandbox.pullRequest(REPO, pr.number).labels).not.toContain('flowgate:waiting');
  });

  it('a sweep with nothing due writes nothing, and sweeping twice does nothing twice', async () => {
    const { sandbox, sweep } = await setUp();
    sandbox.clock.advance(4 * HOUR + 60_000);
    await sweep();
    sandbox.requests.length = 0;
    await sweep();
    expect(sandbox.requests.filter((request) => !request.startsWith('GET') && request !== 'POST /graphql')).toEqual([]);
  });

  it('a wait for a check run resumes when CI concludes it on the head; the app\'s own check runs do not count', async () => {
    running = await startAppOnSandbox();
    const { sandbox } = running;
    const flow = `name: ci-gate
on: { pull_request: {} }
steps:
  - id: ci
    wait: { check_run: { name: agent/e2e, conclusions: [success] }, timeout: 1d }
    on_decline: failed
  - id: done
    actions: [ { comment: "CI passed: {{steps.ci.outputs.url}}" } ]
    next: succeed
  - id: failed
    actions: [ { comment: "CI failed" } ]
    next: fail
`;
    sandbox.createRepo(REPO, { '.github/flows/ci.yml': flow });
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'c', changes: { 'a.ts': '1\n' } });
    expect(sandbox.checkRunsFor(pr.headSha).find((run) => run.name === 'Flowgate: ci-gate')!.output.title).toBe('Waiting for check run agent/e2e (ci)');
    await sandbox.completeCheckRun(REPO, pr.headSha, 'agent/other', 'failure');
    expect(comments(sandbox.pullRequest(REPO, pr.number))).toEqual([]);
    await sandbox.completeCheckRun(REPO, pr.headSha, 'agent/e2e', 'success');
    expect(comments(sandbox.pullRequest(REPO, pr.number))).toEqual([expect.stringMatching(/^CI passed: https:\/\/github\.com\/acme\/service\/runs\/\d+$/)]);
  });
});
