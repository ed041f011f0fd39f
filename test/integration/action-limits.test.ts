import { readFileSync } from 'node:fs';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { GitHubCache, PEOPLE_TTL_MS } from '../../src/github/facts/cache.js';
import { handleWebhook, PullRequestQueue, type HandlerDeps } from '../../src/github/handle.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { encodeRecord, decodeRecord } from '../../src/github/history/record.js';
import { startReceiver, type Receiver } from '../../src/sandbox/receiver.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { ACTION_SECRET, ActionOnSandbox } from '../action-harness.js';
import { GATE_FLOW } from '../helpers.js';

const AGENT_FLOW = readFileSync(new URL('../../examples/3-coding-agent/flow.yml', import.meta.url), 'utf8');
const REPO = 'acme/widgets';

let action: ActionOnSandbox | undefined;
let server: AppOnSandbox | undefined;
let receivers: Receiver[] = [];
afterEach(async () => {
  await action?.stop();
  await server?.stop();
  for (const receiver of receivers) await receiver.close();
  action = undefined;
  server = undefined;
  receivers = [];
});

const repository = (fullName: string) => ({ full_name: fullName, name: fullName.split('/')[1], owner: { login: fullName.split('/')[0] } });
const writes = (requests: readonly string[]) => requests.filter((request) => !request.startsWith('GET ') && request !== 'POST /graphql');
const shown = (sandbox: ActionOnSandbox['sandbox'], sha: string) =>
  sandbox.checkRunsFor(sha).filter((run) => run.name.startsWith('Flowgate')).map((run) => ({ name: run.name, conclusion: run.conclusion, title: run.output.title, summary: run.output.summary, history: (run.output.text ?? '').replace(/\s*<!-- flowgate:record [^>]*-->\s*$/, '') }));

async function gateRepo(options: { fork?: string } = {}) {
  action = await new ActionOnSandbox().start();
  const { sandbox } = action;
  sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia'] }, permissions: { mia: 'write' } });
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' }, ...(options.fork ? { fork: options.fork } : {}) });
  const opened = await action.runWorkflows();
  expect(opened.map((run) => run.exitCode)).toEqual([0]);
  return { sandbox, pr, action };
}

describe('a callback through repository_dispatch', () => {
  async function agentScenario(kind: 'action' | 'server') {
    const vm = await startReceiver('/jobs');
    receivers.push(vm);
    const connection = { url: vm.url, secret: 'vm-secret' };
    let sandbox;
    let runEvents = async () => {};
    if (kind === 'action') {
      action = await new ActionOnSandbox().start();
      sandbox = action.sandbox;
      const env = { FLOWGATE_CONNECTION_AGENT_VM_URL: connection.url, FLOWGATE_CONNECTION_AGENT_VM_SECRET: connection.secret };
      runEvents = async () => {
        const runs = await action!.runWorkflows({ env });
        expect(runs.map((run) => [run.event, run.exitCode, run.stdout])).toEqual(runs.map((run) => [run.event, 0, run.stdout]));
      };
    } else {
      server = await startAppOnSandbox({ connections: (name) => (name === 'agent-vm' ? connection : undefined) });
      sandbox = server.sandbox;
    }
    sandbox.createRepo('acme/agents', { '.github/flows/agent.yml': AGENT_FLOW, 'src/dates.ts': 'old\n' }, { permissions: { rita: 'write' } });
    const pr = await sandbox.openPullRequest('acme/agents', { author: 'coder-agent[bot]', title: 'Upgrade the date library', branch: 'agent/dates', changes: { 'src/dates.ts': 'new\n' } });
    await runEvents();
    const job = vm.received[0]!.body as { callback: string };
    // The server's link is a URL; the Action's (no callback-url) is the gh api line that dispatches the token back.
    const token = /fgc1\.[\w-]+\.[\w-]+/.exec(job.callback)![0];
    await sandbox.dispatch('acme/agents', 'ci-bot', 'flowgate-callback', { token, result: 'success', summary: 'All 412 tests pass.' });
    await runEvents();
    return { sandbox, pr, job };
  }

  it('the agent is sent a signed job whose token, dispatched back, resumes the run: the same history as the server', { timeout: 60_000 }, async () => {
    const { sandbox, pr, job } = await agentScenario('action');
    expect(job.callback).toMatch(/^gh api repos\/acme\/agents\/dispatches -f event_type=flowgate-callback -F 'client_payload\[pr\]=1' -f 'client_payload\[token\]=fgc1\./);
    expect(sandbox.pullRequest('acme/agents', pr.number).comments.map((comment) => comment.body).join('\n')).toContain('### Agent summary\nAll 412 tests pass.');
    expect(action!.runs.at(-1)).toMatchObject({ event: 'repository_dispatch', exitCode: 0, outputs: { result: 'handled' } });
    const fromServer = await agentScenario('server');
    expect(shown(sandbox, pr.headSha)).toEqual(shown(fromServer.sandbox, pr.headSha));
  });

  it('a dispatched token replayed, or forged, is refused and the step fails saying why', { timeout: 60_000 }, async () => {
    const { sandbox, job } = await agentScenario('action');
    const token = /fgc1\.[\w-]+\.[\w-]+/.exec(job.callback)![0];
    await sandbox.dispatch('acme/agents', 'ci-bot', 'flowgate-callback', { token, result: 'failure', summary: 'replayed' });
    // Sent without pr, it is handed to a run in the PR's group, where the token is refused as already used.
    const [forwarded, replayed] = await action!.runWorkflows();
    expect(forwarded).toMatchObject({ exitCode: 0, outputs: { result: 'forwarded' } });
    expect(replayed).toMatchObject({ exitCode: 1, outputs: { result: 'failed' } });
    expect(replayed!.stdout).toMatch(/::error title=Flowgate::callback refused \(409\): this token was already used/);
    const [prefix, claims] = token.split('.') as [string, string];
    await sandbox.dispatch('acme/agents', 'ci-bot', 'flowgate-callback', { token: `${prefix}.${claims}.AAAA`, result: 'success' });
    const forged = await action!.runWorkflows();
    expect(forged).toHaveLength(1);
    expect(forged[0]!.stdout).toContain('callback refused (401): the token is forged or altered');
  });
});

describe("a fork's pull request", () => {
  it("a review on a fork's PR runs read-only: the action defers without a write, and the workflow_run follow-up merges at the reviewed commit", { timeout: 60_000 }, async () => {
    const { sandbox, pr, action } = await gateRepo({ fork: 'outsider' });
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    sandbox.requests.length = 0;
    // GitHub gives a fork's pull_request_review a read-only token and no secrets.
    const [review] = await action.runWorkflows({ readOnly: true, secret: undefined });
    expect(review).toMatchObject({ event: 'pull_request_review', exitCode: 0, outputs: { result: 'deferred' } });
    expect(review!.stdout).toContain('::notice title=Flowgate::a pull_request_review on a fork');
    expect(writes(sandbox.requests)).toEqual([]);
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);

    // Shaped like @octokit/webhooks-examples' workflow_run.completed: pull_requests is empty for a fork.
    const followUp = await action.run('workflow_run', {
      action: 'completed',
      workflow: { name: 'Flowgate', path: '.github/workflows/flowgate.yml' },
      workflow_run: { name: 'Flowgate', event: 'pull_request_review', status: 'completed', conclusion: 'success', head_branch: 'dev/billing', head_sha: pr.headSha, pull_requests: [], head_repository: repository('outsider/widgets'), repository: repository(REPO) },
      repository: repository(REPO),
      sender: { login: 'mia' },
    });
    // The follow-up is in a group of its own: it hands the PR to a run in flowgate-<pr>, which merges.
    expect(followUp).toMatchObject({ exitCode: 0, outputs: { result: 'forwarded' } });
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    const [inGroup] = await action.runWorkflows();
    expect(inGroup).toMatchObject({ event: 'repository_dispatch', exitCode: 0, outputs: { result: 'handled' }, payload: { action: 'flowgate-pr', client_payload: { pr: pr.number, reason: 'fork-review' } } });
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
    expect(sandbox.truth.merges.map((merge) => merge.sha)).toEqual([pr.headSha]);
  });

  it('a read-only token where the action must write fails the step with what to fix, and changes nothing', { timeout: 60_000 }, async () => {
    action = await new ActionOnSandbox().start();
    const { sandbox } = action;
    sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW }, { teams: { 'acme/managers': ['mia'] } });
    await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'dev/x', changes: { 'x.ts': '1\n' } });
    const [opened] = await action.runWorkflows({ readOnly: true });
    expect(opened).toMatchObject({ exitCode: 1, outputs: { result: 'failed' } });
    expect(opened!.stdout).toContain('GitHub refused a write with this token (403 Resource not accessible by integration)');
    expect([...sandbox.state.checkRuns.values()]).toEqual([]);
  });
});

describe('the record in Action mode (attack: another workflow with checks: write)', () => {
  it('a record rewritten by another workflow is refused: the run fails closed, nothing merges, and the step says why', { timeout: 60_000 }, async () => {
    const { sandbox, pr, action } = await gateRepo();
    const gate = sandbox.checkRunsFor(pr.headSha).find((run) => run.name === 'Flowgate: gate')!;
    const decoded = decodeRecord(gate.output.text!, ACTION_SECRET);
    if (!decoded.ok) throw new Error(decoded.error);
    // Another workflow's GITHUB_TOKEN is the same app's: it may PATCH the check run, here with a record claiming a counted approval.
    const forged = { ...decoded.record, verdicts: [{ ref: 'review:999', step: 'review', gate: 'g0', attempt: 1, decision: 'approve' as const, counted: true, rule: 'forged', at: '2026-11-24T09:00:00Z' }] };
    const token = sandbox.workflowTokens.mint();
    const patched = await fetch(`${sandbox.url}/repos/${REPO}/check-runs/${gate.id}`, { method: 'PATCH', headers: { authorization: `token ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ output: { title: gate.output.title, summary: gate.output.summary, text: `history\n\n${encodeRecord(forged)}` } }) });
    expect(patched.status).toBe(200);
    await sandbox.label(REPO, pr.number, 'dev', 'unrelated');
    const [event] = await action.runWorkflows();
    expect(event).toMatchObject({ exitCode: 1, outputs: { result: 'failed' } });
    expect(event!.stdout).toMatch(/::error title=Flowgate::check run \d+ \(Flowgate: gate\) on [0-9a-f]{7}: its record is not signed with this workflow's secret \(the record is not signed\)/);
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    const [review] = await action.runWorkflows();
    expect(review!.exitCode).toBe(1);
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
  });

  it('without the secret input the action refuses to act, before any request', { timeout: 60_000 }, async () => {
    action = await new ActionOnSandbox().start();
    const { sandbox } = action;
    sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW });
    await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'dev/x', changes: { 'x.ts': '1\n' } });
    sandbox.requests.length = 0;
    const [opened] = await action.runWorkflows({ secret: undefined });
    expect(opened).toMatchObject({ exitCode: 1, outputs: { result: 'failed', requests: '0' } });
    expect(opened!.stdout).toContain('the input `secret` is empty');
    expect(sandbox.requests).toEqual([]);
  });
});

describe('events the workflow subscribes to', () => {
  it('a push of a flows/v* tag promotes nothing in Action mode: skipped with why, no write', { timeout: 60_000 }, async () => {
    const { sandbox, action } = await gateRepo();
    sandbox.requests.length = 0;
    const head = [...sandbox.state.repos.values()][0]!.branches.main!;
    const tag = await action.run('push', { ref: 'refs/tags/flows/v1.0.0', before: '0'.repeat(40), after: head, created: true, deleted: false, repository: { ...repository(REPO), default_branch: 'main' }, sender: { login: 'mia' } });
    expect(tag).toMatchObject({ exitCode: 0, outputs: { result: 'skipped', runs: '[]' } });
    expect(tag.stdout).toContain('releases are not promoted here');
    expect(writes(sandbox.requests)).toEqual([]);
  });

  it('a deployment to flowgate-live made with the workflow token does not make an unmerged flow live: the default branch stays live', { timeout: 60_000 }, async () => {
    const { sandbox, action } = await gateRepo();
    // Any workflow with `deployments: write` deploys as github-actions[bot], the identity the Action acts as.
    const loose = 'name: gate\non: { pull_request: {} }\nsteps:\n  - id: ship\n    actions:\n      - merge: {}\n';
    const evil = await sandbox.openPullRequest(REPO, { author: 'mallory', title: 'Loosen', branch: 'mallory/loose', changes: { '.github/flows/gate.yml': loose } });
    await action.runWorkflows();
    sandbox.deployAs(REPO, 'github-actions[bot]', { ref: evil.headSha, environment: 'flowgate-live', auto_merge: false, required_contexts: [], payload: { tag: 'flows/v9.0.0', sha: evil.headSha, previous: 'default branch' } });
    const victim = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Another change', branch: 'dev/other', changes: { 'billing/x.ts': 'export const x = 3;\n' } });
    await action.runWorkflows();
    expect(sandbox.pullRequest(REPO, victim.number).merged).toBe(false);
    const run = sandbox.checkRunsFor(victim.headSha).find((candidate) => candidate.name === 'Flowgate: gate');
    expect(run?.output.summary).toContain('default branch');
    expect(run?.output.summary).not.toContain('flows/v9.0.0');
  });

  it('a workflow on pull_request (not pull_request_target) is refused with how to fix it', { timeout: 60_000 }, async () => {
    const { sandbox, pr, action } = await gateRepo();
    sandbox.requests.length = 0;
    const run = await action.run('pull_request', { action: 'synchronize', number: pr.number, pull_request: { number: pr.number }, repository: repository(REPO) });
    expect(run).toMatchObject({ exitCode: 1, outputs: { result: 'failed' } });
    expect(run.stdout).toContain('use `pull_request_target`');
    expect(sandbox.requests).toEqual([]);
  });

  it("the app's own label and comment effects start no workflow (GITHUB_TOKEN events), and the action needs none", { timeout: 60_000 }, async () => {
    const { sandbox, pr, action } = await gateRepo();
    // The action labelled and commented as github-actions[bot]; GitHub started nothing for those.
    const byAction = sandbox.deliveries.filter((delivery) => (delivery.payload.sender as { login: string }).login === 'github-actions[bot]');
    expect(byAction.length).toBeGreaterThan(0);
    expect(action.runs.map((run) => run.event)).toEqual(['pull_request_target']);
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    expect((await action.runWorkflows()).map((run) => run.event)).toEqual(['pull_request_review']);
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
  });
});

describe("the Action's token and people", () => {
  // GITHUB_TOKEN cannot read teams or permissions: in the Action they go in a query of their own (FlowgatePeople),
  // which the app token sends. A server, whose token can, asks for them inside the event's query when it foresees them.
  it.each([
    ['the Action', false, 0],
    ['the server', undefined, 1],
  ] as const)('%s: people are asked in the event query only where its token may read them', async (_, peopleInEventQuery, inline) => {
    const sandbox = new Sandbox();
    await sandbox.start();
    try {
      sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'a.ts': 'a\n' }, { teams: { 'acme/managers': ['mia'] } });
      const gh = new Octokit({ auth: 'sandbox', baseUrl: sandbox.url, log: { debug() {}, info() {}, warn() {}, error() {} } }) as unknown as GitHubClient;
      const deps: HandlerDeps = { gh, cache: new GitHubCache(), queue: new PullRequestQueue(), app: { id: sandbox.appId, login: sandbox.appLogin }, connections: () => undefined, now: () => sandbox.clock.now(), log: () => {}, ...(peopleInEventQuery === false ? { peopleInEventQuery } : {}) };
      const opened = async (branch: string) => {
        await sandbox.openPullRequest(REPO, { author: 'dev', title: branch, branch, changes: { 'a.ts': `${branch}\n` } });
        const delivery = sandbox.deliveries.at(-1)!;
        await handleWebhook(deps, delivery.name, delivery.payload);
      };
      await opened('one');
      // The team is known now; past its time it is unknown again, and the flows that need it are known.
      sandbox.clock.advance(PEOPLE_TTL_MS + 60_000);
      sandbox.queries.length = 0;
      await opened('two');
      const events = sandbox.queries.filter((query) => query.name === 'FlowgateEvent');
      expect(events).toHaveLength(1);
      expect(events.filter((query) => query.query.includes('organization(')).length).toBe(inline);
      expect(sandbox.queries.filter((query) => query.name === 'FlowgatePeople').length).toBe(1 - inline);
    } finally {
      await sandbox.stop();
    }
  });
});

describe('without an app token', () => {
  it("a gate of a team fails the step, saying GITHUB_TOKEN cannot read teams and what to give: nobody's approval counts unjudged", { timeout: 60_000 }, async () => {
    action = await new ActionOnSandbox().start();
    const { sandbox } = action;
    sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia'] } });
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
    const [opened] = await action.runWorkflows({ appToken: false });
    expect(opened!.exitCode).not.toBe(0);
    expect(opened!.stdout + opened!.stderr).toContain("GITHUB_TOKEN cannot read (GitHub: Resource not accessible by integration). Give the action an `app-token`");
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    await action.runWorkflows({ appToken: false });
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    // With the app token, the same events go through.
    const [again] = await action.runWorkflows();
    expect(again).toBeUndefined();
    await sandbox.comment(REPO, pr.number, 'mia', '/approve');
    await action.runWorkflows();
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
  });
});
