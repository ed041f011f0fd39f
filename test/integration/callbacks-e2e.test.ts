import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { signToken, type Claims } from '../../src/github/callbacks/token.js';
import { signBody } from '../../src/github/effects/connections.js';
import { main } from '../../src/cli/main.js';
import { decodeRecord } from '../../src/github/history/record.js';
import { startReceiver } from '../../src/sandbox/receiver.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';

const AGENT_FLOW = readFileSync(new URL('../../examples/3-coding-agent/flow.yml', import.meta.url), 'utf8');
const REPO = 'acme/agents';

/** The agent's VM: keeps the job, and whether its signature was right. */
async function agentVm() {
  const receiver = await startReceiver('/jobs');
  const jobs = () => receiver.received.map(({ body, text, headers }) => ({ body: body as Record<string, string>, signed: headers['x-flowgate-signature-256'] === signBody(text, 'vm-secret') }));
  return { ...receiver, get jobs() { return jobs(); } };
}

let running: AppOnSandbox | undefined;
let vm: Awaited<ReturnType<typeof agentVm>> | undefined;
afterEach(async () => {
  await running?.stop();
  await vm?.close();
  running = undefined;
  vm = undefined;
});

async function setUp() {
  vm = await agentVm();
  const url = vm.url;
  running = await startAppOnSandbox({ connections: (name) => (name === 'agent-vm' ? { url, secret: 'vm-secret' } : undefined) });
  const { sandbox } = running;
  sandbox.createRepo(REPO, { '.github/flows/agent.yml': AGENT_FLOW, 'src/dates.ts': 'old\n' }, { permissions: { rita: 'write' } });
  const pr = await sandbox.openPullRequest(REPO, { author: 'coder-agent[bot]', title: 'Upgrade the date library', branch: 'agent/dates', changes: { 'src/dates.ts': 'new\n' } });
  return { sandbox, pr, job: vm.jobs[0]! };
}

function recordOf(sandbox: AppOnSandbox['sandbox'], sha: string) {
  const decoded = decodeRecord(sandbox.checkRunsFor(sha)[0]!.output.text ?? '');
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.record;
}

async function post(url: string, body: object) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { ok: boolean; error?: string } };
}

describe('callbacks from agents', () => {
  it('the agent gets a signed job with a callback link; its result resumes the run, then a human approves and it merges', async () => {
    const { sandbox, pr, job } = await setUp();
    expect(job.signed).toBe(true);
    expect(job.body).toMatchObject({ task: 'remote-checks', pr: String(pr.number), sha: pr.headSha, repo: REPO });
    expect(job.body.callback).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/flowgate\/callback\?token=fgc1\./);
    expect(sandbox.checkRunsFor(pr.headSha)[0]!.output.title).toBe('Waiting for a callback (remote-checks)');

    const done = await post(job.body.callback!, { result: 'success', summary: 'All 412 tests pass.', outputs: { report: 'https://ci.example.com/runs/981' }, links: [{ title: 'Full report', url: 'https://ci.example.com/runs/981' }] });
    expect(done).toMatchObject({ status: 202, body: { ok: true } });
    const pull = sandbox.pullRequest(REPO, pr.number);
    expect(pull.comments.map((comment) => comment.body).join('\n')).toContain('### Agent summary\nAll 412 tests pass.');
    expect(sandbox.checkRunsFor(pr.headSha)[0]!.output.summary).toContain('- [Full report](https://ci.example.com/runs/981)');

    await sandbox.review(REPO, pr.number, 'rita', 'approved');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
  });

  it('a replayed, forged or malformed callback is refused with a clear error and changes nothing; a replay is kept in the record', async () => {
    const { sandbox, pr, job } = await setUp();
    expect(await post(job.body.callback!, { result: 'success', summary: 'first' })).toMatchObject({ status: 202 });
    const recordAfterFirst = recordOf(sandbox, pr.headSha);

    const replay = await post(job.body.callback!, { result: 'failure', summary: 'second' });
    expect(replay).toMatchObject({ status: 409, body: { ok: false, error: expect.stringMatching(/^this token was already used, at /) } });
    const [base, token] = job.body.callback!.split('?token=') as [string, string];
    const [prefix, claims] = token.split('.') as [string, string];
    expect(await post(`${base}?token=${prefix}.${claims}.AAAA`, { result: 'success' })).toMatchObject({ status: 401, body: { error: 'the token is forged or altered: its signature does not match' } });
    expect(await post(base, { result: 'success' })).toMatchObject({ status: 400, body: { error: 'invalid callback: token: Invalid input: expected string, received undefined' } });
    expect(await post(job.body.callback!, { result: 'maybe' })).toMatchObject({ status: 400 });
    const after = recordOf(sandbox, pr.headSha);
    expect(after.callbacks).toEqual([...recordAfterFirst.callbacks, expect.objectContaining({ token: recordAfterFirst.callbacks[0]!.token, refused: `409: ${replay.body.error}` })]);
    expect(after.callbacks.at(-1)).not.toHaveProperty('summary');
    expect({ ...after, callbacks: [], written: '' }).toEqual({ ...recordAfterFirst, callbacks: [], written: '' });
    expect(sandbox.pullRequest(REPO, pr.number).comments.map((comment) => comment.body).join('\n')).not.toContain('second');
  });

  it('a flood of replays leaves a bounded trace', async () => {
    const { sandbox, pr, job } = await setUp();
    expect(await post(job.body.callback!, { result: 'success' })).toMatchObject({ status: 202 });
    for (let replay = 0; replay < 8; replay += 1) expect(await post(job.body.callback!, { result: 'success' })).toMatchObject({ status: 409 });
    expect(recordOf(sandbox, pr.headSha).callbacks.filter((entry) => entry.refused)).toHaveLength(3);
  });

  it('a token for another run, step or attempt is refused and changes nothing', async () => {
    const { sandbox, pr, job } = await setUp();
    const url = new URL(job.body.callback!);
    const claims = JSON.parse(Buffer.from(url.searchParams.get('token')!.split('.')[1]!, 'base64url').toString()) as Claims;
    const withClaims = (changes: Partial<Claims>) => `${url.origin}${url.pathname}?token=${signToken({ ...claims, ...changes }, 'sandbox-callback-secret')}`;
    const before = recordOf(sandbox, pr.headSha);
    const wrongStep = await post(withClaims({ step: 'human-review' }), { result: 'success' });
    expect(wrongStep).toMatchObject({ status: 409, body: { error: expect.stringMatching(/is not waiting at human-review \(attempt 1\): it waits at remote-checks/) } });
    const wrongAttempt = await post(withClaims({ attempt: 2 }), { result: 'success' });
    expect(wrongAttempt).toMatchObject({ status: 409, body: { error: expect.stringMatching(/is not waiting at remote-checks \(attempt 2\)/) } });
    expect(await post(withClaims({ run: 'someone-elses-run' }), { result: 'success' })).toMatchObject({ status: 404, body: { error: `there is no run someone-elses-run on ${REPO}#${pr.number}` } });
    const after = recordOf(sandbox, pr.headSha);
    // The refusals are kept for the history, with the answer given; nothing else changed.
    expect(after.callbacks.map((entry) => [entry.step, entry.attempt, entry.refused])).toEqual([
      ['human-review', 1, `409: ${wrongStep.body.error}`],
      ['remote-checks', 2, `409: ${wrongAttempt.body.error}`],
    ]);
    expect({ ...after, callbacks: [], written: '' }).toEqual({ ...before, callbacks: [], written: '' });
    expect(sandbox.checkRunsFor(pr.headSha)[0]!.output.title).toBe('Waiting for a callback (remote-checks)');
  });

  it('a validly signed token for a PR or repository that is gone gets 404, not a crash', async () => {
    const { sandbox, job } = await setUp();
    const url = new URL(job.body.callback!);
    const claims = JSON.parse(Buffer.from(url.searchParams.get('token')!.split('.')[1]!, 'base64url').toString()) as Claims;
    const withClaims = (changes: Partial<Claims>) => `${url.origin}${url.pathname}?token=${signToken({ ...claims, ...changes }, 'sandbox-callback-secret')}`;
    expect(await post(withClaims({ pr: 99 }), { result: 'success' })).toMatchObject({ status: 404, body: { error: `pull request ${REPO}#99 not found` } });
    expect(await post(withClaims({ repo: 'acme/gone' }), { result: 'success' })).toMatchObject({ status: 404, body: { error: 'pull request acme/gone#1 not found' } });
    expect(sandbox.deliveries.length).toBeGreaterThan(0);
  });

  it('a callback after the wait timed out is refused, and the timeout is what happens: exactly one outcome', async () => {
    const { sandbox, pr, job } = await setUp();
    sandbox.clock.advance(2 * 3600_000 + 60_000);
    const late = await post(job.body.callback!, { result: 'success' });
    expect(late).toMatchObject({ status: 409, body: { error: expect.stringMatching(/is not waiting at remote-checks \(attempt 1\): it has failed/) } });
    const pull = sandbox.pullRequest(REPO, pr.number);
    expect(pull.state).toBe('closed');
    expect(pull.comments.at(-1)!.body).toMatch(/^Remote checks did not pass/);
  });

  it('an expired token is refused', async () => {
    const { sandbox, job } = await setUp();
    sandbox.clock.advance(27 * 3600_000);
    expect(await post(job.body.callback!, { result: 'success' })).toMatchObject({ status: 401, body: { error: expect.stringMatching(/^the token expired at /) } });
  });

  it('a restart between the job and its callback loses nothing', async () => {
    const { sandbox, pr, job } = await setUp();
    await running!.stopApp();
    const url = vm!.url;
    running = await startAppOnSandbox({ sandbox, connections: (name) => (name === 'agent-vm' ? { url, secret: 'vm-secret' } : undefined) });
    const callback = job.body.callback!.replace(/^http:\/\/127\.0\.0\.1:\d+/, running.appUrl);
    expect(await post(callback, { result: 'success', summary: 'after the restart' })).toMatchObject({ status: 202 });
    expect(sandbox.pullRequest(REPO, pr.number).comments.map((comment) => comment.body).join('\n')).toContain('after the restart');
  });

  it('a sender with only a GitHub token completes it with a repository_dispatch from the same repository', async () => {
    const { sandbox, pr, job } = await setUp();
    const token = new URL(job.body.callback!).searchParams.get('token');
    sandbox.createRepo('acme/elsewhere', {});
    await sandbox.dispatch('acme/elsewhere', 'ci-bot', 'flowgate-callback', { token, result: 'success', summary: 'From the wrong repository.' });
    expect(sandbox.checkRunsFor(pr.headSha)[0]!.output.title).toBe('Waiting for a callback (remote-checks)');
    await sandbox.dispatch(REPO, 'ci-bot', 'flowgate-callback', { token, result: 'success', summary: 'Reported through CI.' });
    expect(sandbox.pullRequest(REPO, pr.number).comments.map((comment) => comment.body).join('\n')).toContain('Reported through CI.');
  });

  it('opening the link in a browser resumes nothing: it asks for confirmation, and the form posts', async () => {
    const { sandbox, pr, job } = await setUp();
    const page = await fetch(job.body.callback!);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('This will <b>complete remote-checks with result success</b>');
    expect(html).toContain('<form method="post" action="/flowgate/callback">');
    expect(sandbox.checkRunsFor(pr.headSha)[0]!.output.title).toBe('Waiting for a callback (remote-checks)');
    const token = new URL(job.body.callback!).searchParams.get('token')!;
    const form = await fetch(job.body.callback!.split('?')[0]!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, result: 'success' }) });
    expect(form.status).toBe(202);
    expect(await form.text()).toContain('Flowgate took it.');
  });

  it('flowgate callback: the agent reports with one command, and can tell taken from refused by the exit code', async () => {
    const { sandbox, pr, job } = await setUp();
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (text: string) => void out.push(text), err: (text: string) => void err.push(text) };
    const args = ['callback', '--url', job.body.callback!, '--result', 'ok', '--summary', 'Green.', '--output', 'tests=412', '--output', 'flaky=false', '--link', 'report=https://ci.example.com/1', '--json'];
    expect(await main(args, io)).toBe(0);
    expect(JSON.parse(out[0]!)).toEqual({ schema: 'flowgate.callback/v1', accepted: true, status: 202, exit_code: 0 });
    const record = decodeRecord(sandbox.checkRunsFor(pr.headSha)[0]!.output.text ?? '');
    expect(record.ok && record.record.callbacks[0]).toMatchObject({ result: 'success', summary: 'Green.', outputs: { tests: 412, flaky: false }, links: [{ title: 'report', url: 'https://ci.example.com/1' }] });
    expect(await main(args.slice(0, -1), io)).toBe(8);
    expect(err.at(-1)).toMatch(/^flowgate: the callback was refused \(HTTP 409\): this token was already used/);
    expect(await main(['callback', '--result', 'ok'], io)).toBe(2);
    expect(await main(['callback', '--url', job.body.callback!, '--output', 'no-equals'], io)).toBe(2);
  });
});
