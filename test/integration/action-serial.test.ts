/**
 * The Action serialises every run that touches a PR: the runs in other
 * concurrency groups (the sweep, a callback sent without `pr`, a fork's
 * follow-up) write nothing to a PR; they send a repository_dispatch that GitHub
 * starts as a run in `flowgate-<pr>`, queued with that PR's own events. Played on
 * the sandbox with the bundled action; each run's group is computed from
 * examples/workflows/flowgate.yml (test/action-serial-groups.ts).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../src/sandbox/receiver.js';
import { ActionOnSandbox, type ActionRun } from '../action-harness.js';
import { groupOf } from '../action-serial-groups.js';

const HOTFIX_FLOW = readFileSync(new URL('../../examples/4-time-bound/flow.yml', import.meta.url), 'utf8');
const AGENT_FLOW = readFileSync(new URL('../../examples/3-coding-agent/flow.yml', import.meta.url), 'utf8');
const HOUR = 3600_000;

let action: ActionOnSandbox | undefined;
let receivers: Receiver[] = [];
afterEach(async () => {
  await action?.stop();
  for (const receiver of receivers) await receiver.close();
  action = undefined;
  receivers = [];
});

const repository = (fullName: string) => ({ full_name: fullName, name: fullName.split('/')[1], owner: { login: fullName.split('/')[0] } });
const writesOf = (run: ActionRun) => run.requests.filter((request) => !request.startsWith('GET ') && request !== 'POST /graphql');
const RUN_IDS = 9_000_000_000;

/** Each run's group, as GitHub computes it, and the PR writes each made: none outside a PR's group, only to that PR inside. */
function expectSerialised(runs: readonly ActionRun[]): string[] {
  return runs.map((run, index) => {
    const fullName = (run.payload.repository as { full_name: string }).full_name;
    const group = groupOf({ event_name: run.event, event: run.payload, run_id: RUN_IDS + index, repository: fullName });
    const toPrs = writesOf(run).filter((request) => request !== `POST /repos/${fullName}/dispatches`);
    const pr = /^flowgate-(\d+)$/.exec(group)?.[1];
    if (pr === undefined || Number(pr) >= RUN_IDS) expect(toPrs, `${run.event} in ${group}`).toEqual([]);
    else for (const request of toPrs) expect(request, `${run.event} in ${group}`).not.toMatch(new RegExp(`/(issues|pulls)/(?!${pr}(/|$))\\d+`));
    return group;
  });
}

async function hotfixRepo(count: number) {
  action = await new ActionOnSandbox().start();
  const { sandbox } = action;
  sandbox.createRepo('acme/service', { '.github/flows/hotfix.yml': HOTFIX_FLOW, 'src/auth.ts': 'a\n' });
  const pulls = [];
  for (let index = 0; index < count; index += 1) {
    pulls.push(await sandbox.openPullRequest('acme/service', { author: 'dev', title: `Fix ${index}`, branch: `fix/${index}`, labels: ['hotfix'], changes: { [`src/fix-${index}.ts`]: 'b\n' } }));
  }
  expect((await action.runWorkflows()).map((run) => run.exitCode)).toEqual(pulls.map(() => 0));
  const sweep = () => action!.run('schedule', { schedule: '*/5 * * * *', repository: repository('acme/service') });
  return { sandbox, pulls, sweep, action };
}

describe('the sweep (group sweep) hands each due PR to a run in its own group', () => {
  it('with nothing waiting: one search, no write, and no run started', { timeout: 60_000 }, async () => {
    action = await new ActionOnSandbox().start();
    action.sandbox.createRepo('acme/service', { '.github/flows/hotfix.yml': HOTFIX_FLOW, 'src/auth.ts': 'a\n' });
    const swept = await action.run('schedule', { schedule: '*/5 * * * *', repository: repository('acme/service') });
    expect(swept).toMatchObject({ exitCode: 0, outputs: { result: 'skipped', requests: '1' } });
    expect(writesOf(swept)).toEqual([]);
    expect(await action.runWorkflows()).toEqual([]);
  });

  it('with a PR waiting on a timer that is not due: it reads, writes nothing, and starts no run', { timeout: 60_000 }, async () => {
    const { sandbox, sweep } = await hotfixRepo(1);
    sandbox.clock.advance(60_000);
    const swept = await sweep();
    expect(swept).toMatchObject({ exitCode: 0, outputs: { result: 'handled' } });
    expect(writesOf(swept)).toEqual([]);
    expect(await action!.runWorkflows()).toEqual([]);
  });

  it('with k PRs due: k dispatches and no other write; each PR escalates in a run of its own group, once', { timeout: 90_000 }, async () => {
    const { sandbox, pulls, sweep } = await hotfixRepo(2);
    sandbox.clock.advance(4 * HOUR + 60_000);
    const swept = await sweep();
    expect(swept).toMatchObject({ exitCode: 0, outputs: { result: 'forwarded' } });
    expect(swept.stdout).toContain('::notice title=Flowgate::handed to a run in each pull request');
    expect(writesOf(swept)).toEqual(['POST /repos/acme/service/dispatches', 'POST /repos/acme/service/dispatches']);
    // Nothing was escalated by the sweep itself.
    for (const pull of pulls) expect(sandbox.pullRequest('acme/service', pull.number).comments.filter((comment) => comment.body.startsWith('@backup-oncall'))).toEqual([]);

    const handled = await action!.runWorkflows();
    expect(handled.map((run) => [run.event, run.exitCode, run.outputs.result])).toEqual([
      ['repository_dispatch', 0, 'handled'],
      ['repository_dispatch', 0, 'handled'],
    ]);
    expect(expectSerialised([swept, ...handled])).toEqual(['flowgate-sweep', ...pulls.map((pull) => `flowgate-${pull.number}`)]);
    for (const pull of pulls) expect(sandbox.pullRequest('acme/service', pull.number).comments.filter((comment) => comment.body.startsWith('@backup-oncall'))).toHaveLength(1);

    // The next sweep finds nothing due: the escalations are in the record.
    const again = await sweep();
    expect(writesOf(again)).toEqual([]);
    expect(await action!.runWorkflows()).toEqual([]);
  });
});

describe('the sweep looks without acting (attack: an effect sent from outside the PR\'s group)', () => {
  const TIMED_HOOK = `name: timed-hook
on:
  pull_request: {}
connections:
  vm: { type: webhook, description: A runner told when the wait times out }
steps:
  - id: remote
    wait:
      callback:
        message: Waiting for the runner.
      timeout: 1h
    on_timeout: tell
  - id: tell
    actions:
      - webhook:
          connection: vm
          body:
            event: timed-out
            pr: "{{pr.number}}"
    next: fail
`;

  it('a connection webhook that comes due is not sent by the sweep, and is sent once by the run in the PR\'s group', { timeout: 90_000 }, async () => {
    const vm = await startReceiver('/hooks');
    receivers.push(vm);
    action = await new ActionOnSandbox().start();
    const { sandbox } = action;
    const env = { FLOWGATE_CONNECTION_VM_URL: vm.url, FLOWGATE_CONNECTION_VM_SECRET: 'vm-secret' };
    sandbox.createRepo('acme/hooks', { '.github/flows/timed.yml': TIMED_HOOK, 'a.ts': '1\n' });
    const pr = await sandbox.openPullRequest('acme/hooks', { author: 'dev', title: 'Change', branch: 'dev/a', changes: { 'a.ts': '2\n' } });
    expect((await action.runWorkflows({ env })).map((run) => run.exitCode)).toEqual([0]);
    expect(sandbox.pullRequest('acme/hooks', pr.number).labels).toContain('flowgate:waiting');
    sandbox.clock.advance(HOUR + 60_000);
    const swept = await action.run('schedule', { schedule: '*/5 * * * *', repository: repository('acme/hooks') }, { env });
    expect(swept).toMatchObject({ exitCode: 0, outputs: { result: 'forwarded' } });
    expect(writesOf(swept)).toEqual(['POST /repos/acme/hooks/dispatches']);
    expect(vm.received).toEqual([]);
    const handled = await action.runWorkflows({ env });
    expect(handled.map((run) => [run.event, run.exitCode])).toEqual([['repository_dispatch', 0]]);
    expect(expectSerialised([swept, ...handled])).toEqual(['flowgate-sweep', `flowgate-${pr.number}`]);
    expect(vm.received.map((hook) => hook.body)).toEqual([{ event: 'timed-out', pr: String(pr.number) }]);
  });
});

describe('a callback sent without pr (a group of its own)', () => {
  async function agentRepo(prs = 1, inputs: Record<string, string> = {}) {
    const vm = await startReceiver('/jobs');
    receivers.push(vm);
    action = await new ActionOnSandbox().start();
    const { sandbox } = action;
    const env = { FLOWGATE_CONNECTION_AGENT_VM_URL: vm.url, FLOWGATE_CONNECTION_AGENT_VM_SECRET: 'vm-secret', ...inputs };
    sandbox.createRepo('acme/agents', { '.github/flows/agent.yml': AGENT_FLOW, 'src/dates.ts': 'old\n' }, { permissions: { rita: 'write' } });
    const pulls = [];
    for (let index = 0; index < prs; index += 1) {
      pulls.push(await sandbox.openPullRequest('acme/agents', { author: 'coder-agent[bot]', title: `Upgrade ${index}`, branch: `agent/${index}`, changes: { [`src/dates-${index}.ts`]: 'new\n' } }));
    }
    const opened = await action.runWorkflows({ env });
    expect(opened.map((run) => run.exitCode)).toEqual(pulls.map(() => 0));
    const jobs = vm.received.map((job) => (job.body as { callback: string }).callback);
    const tokens = jobs.map((callback) => /fgc1\.[\w-]+\.[\w-]+/.exec(callback)![0]);
    const summaries = (number: number) => sandbox.pullRequest('acme/agents', number).comments.filter((comment) => comment.body.includes('### Agent summary'));
    return { sandbox, pulls, tokens, jobs, env, summaries, action };
  }

  /** What `gh api repos/O/R/dispatches -f event_type=... -F 'client_payload[k]=v' ...` sends: -F makes a number of digits. */
  function ghApiDispatch(line: string): { repo: string; eventType: string; clientPayload: Record<string, unknown> } {
    const match = /^gh api repos\/([^/]+\/[^/]+)\/dispatches -f event_type=(\S+)((?: -[fF] '[^']*')+)$/.exec(line);
    if (!match) throw new Error(`not a gh api dispatch line: ${line}`);
    const clientPayload: Record<string, unknown> = {};
    for (const [, flag, key, value] of match[3]!.matchAll(/ -([fF]) 'client_payload\[(\w+)\]=([^']*)'/g)) clientPayload[key!] = flag === 'F' && /^\d+$/.test(value!) ? Number(value) : value;
    return { repo: match[1]!, eventType: match[2]!, clientPayload };
  }

  it('without callback-url, the agent is given no link but the gh api line; sent as it says, it completes in one run, in the PR\'s group', { timeout: 90_000 }, async () => {
    const { sandbox, pulls, jobs, env, summaries } = await agentRepo();
    expect(jobs[0]).not.toMatch(/https?:\/\//);
    const sent = ghApiDispatch(jobs[0]!);
    expect(sent).toMatchObject({ repo: 'acme/agents', eventType: 'flowgate-callback', clientPayload: { pr: pulls[0]!.number, result: 'success' } });
    await sandbox.dispatch(sent.repo, 'ci-bot', sent.eventType, { ...sent.clientPayload, summary: 'Sent as the line says.' });
    const runs = await action!.runWorkflows({ env });
    expect(runs.map((run) => [run.event, run.exitCode, run.outputs.result])).toEqual([['repository_dispatch', 0, 'handled']]);
    expect(expectSerialised(runs)).toEqual([`flowgate-${pulls[0]!.number}`]);
    expect(summaries(pulls[0]!.number)).toHaveLength(1);
  });

  it('with callback-url, the agent is given a link to it, as before', { timeout: 90_000 }, async () => {
    const { jobs, tokens } = await agentRepo(1, { 'INPUT_CALLBACK-URL': 'https://relay.example.com/' });
    expect(jobs[0]).toBe(`https://relay.example.com/flowgate/callback?token=${tokens[0]}`);
  });

  it('is verified, then sent again with the token\'s pr, and completed once by the run in that PR\'s group', { timeout: 90_000 }, async () => {
    const { sandbox, pulls, tokens, env, summaries } = await agentRepo();
    await sandbox.dispatch('acme/agents', 'ci-bot', 'flowgate-callback', { token: tokens[0], result: 'success', summary: 'All 412 tests pass.' });
    const runs = await action!.runWorkflows({ env });
    expect(runs.map((run) => [run.event, run.exitCode, run.outputs.result])).toEqual([
      ['repository_dispatch', 0, 'forwarded'],
      ['repository_dispatch', 0, 'handled'],
    ]);
    // The copy carries the same token and result, and the PR the token is for.
    expect(runs[1]!.payload).toMatchObject({ action: 'flowgate-callback', client_payload: { token: tokens[0], result: 'success', summary: 'All 412 tests pass.', pr: pulls[0]!.number } });
    expect(expectSerialised(runs)).toEqual([`flowgate-${RUN_IDS}`, `flowgate-${pulls[0]!.number}`]);
    expect(writesOf(runs[0]!)).toEqual(['POST /repos/acme/agents/dispatches']);
    expect(summaries(pulls[0]!.number)).toHaveLength(1);
  });

  it('replayed, it is sent on again and refused in the PR\'s group as already used (409): the token is taken once', { timeout: 90_000 }, async () => {
    const { sandbox, pulls, tokens, env, summaries } = await agentRepo();
    await sandbox.dispatch('acme/agents', 'ci-bot', 'flowgate-callback', { token: tokens[0], result: 'success', summary: 'First.' });
    await action!.runWorkflows({ env });
    await sandbox.dispatch('acme/agents', 'ci-bot', 'flowgate-callback', { token: tokens[0], result: 'failure', summary: 'Replayed.' });
    const replayed = await action!.runWorkflows({ env });
    expect(replayed.map((run) => [run.exitCode, run.outputs.result])).toEqual([
      [0, 'forwarded'],
      [1, 'failed'],
    ]);
    expect(replayed[1]!.stdout).toContain('callback refused (409): this token was already used');
    expect(expectSerialised(replayed)).toEqual([`flowgate-${RUN_IDS}`, `flowgate-${pulls[0]!.number}`]);
    expect(summaries(pulls[0]!.number).map((comment) => comment.body)).toEqual([expect.stringContaining('First.')]);
  });

  it('forged, it is refused where it arrives and nothing is sent on', { timeout: 90_000 }, async () => {
    const { sandbox, tokens, env } = await agentRepo();
    const [prefix, claims] = tokens[0]!.split('.') as [string, string];
    await sandbox.dispatch('acme/agents', 'ci-bot', 'flowgate-callback', { token: `${prefix}.${claims}.AAAA`, result: 'success' });
    const forged = await action!.runWorkflows({ env });
    expect(forged).toHaveLength(1);
    expect(forged[0]).toMatchObject({ exitCode: 1, outputs: { result: 'failed' } });
    expect(forged[0]!.stdout).toContain('callback refused (401): the token is forged or altered');
    expect(writesOf(forged[0]!)).toEqual([]);
  });

  it('attack: a callback whose pr is another PR than its token\'s is refused, changes nothing, and the token still works once', { timeout: 90_000 }, async () => {
    const { sandbox, pulls, tokens, env, summaries } = await agentRepo(2);
    const [first, second] = pulls as [(typeof pulls)[0], (typeof pulls)[0]];
    // tokens[0] is #first's; the sender names #second, so the run is in flowgate-<second> while the token resumes #first.
    await sandbox.dispatch('acme/agents', 'ci-bot', 'flowgate-callback', { token: tokens[0], result: 'success', summary: 'Wrong group.', pr: second.number });
    const [refused] = await action!.runWorkflows({ env });
    expect(refused).toMatchObject({ exitCode: 1, outputs: { result: 'failed' } });
    expect(refused!.stdout).toContain(`callback refused (403): client_payload.pr is ${second.number}, but the token is for #${first.number}`);
    expect(writesOf(refused!)).toEqual([]);
    expect(summaries(first.number)).toEqual([]);

    await sandbox.dispatch('acme/agents', 'ci-bot', 'flowgate-callback', { token: tokens[0], result: 'success', summary: 'Right group.', pr: first.number });
    const [accepted] = await action!.runWorkflows({ env });
    expect(accepted).toMatchObject({ exitCode: 0, outputs: { result: 'handled' } });
    expect(expectSerialised([refused!, accepted!])).toEqual([`flowgate-${second.number}`, `flowgate-${first.number}`]);
    expect(summaries(first.number).map((comment) => comment.body)).toEqual([expect.stringContaining('Right group.')]);
  });
});

describe('a flowgate-pr dispatch (attack: anyone with contents: write may send one)', () => {
  it.each([['a string', '1'], ['zero', 0], ['none', undefined]])('with %s as pr fails the step with the field and what was expected, having made no request', { timeout: 60_000 }, async (_, pr) => {
    const { sandbox, action } = await hotfixRepo(1);
    await sandbox.dispatch('acme/service', 'mallory', 'flowgate-pr', pr === undefined ? {} : { pr });
    const [run] = await action.runWorkflows();
    expect(run).toMatchObject({ exitCode: 1, outputs: { result: 'failed', requests: '0' } });
    expect(run!.stdout).toContain("::error title=Flowgate::repository_dispatch flowgate-pr: client_payload.pr: expected the pull request's number");
    expect(run!.requests).toEqual([]);
  });

  it('with a real PR only makes the run look again: nothing due, nothing written', { timeout: 60_000 }, async () => {
    const { sandbox, pulls, action } = await hotfixRepo(1);
    await sandbox.dispatch('acme/service', 'mallory', 'flowgate-pr', { pr: pulls[0]!.number, approve: true });
    const [run] = await action.runWorkflows();
    expect(run).toMatchObject({ exitCode: 0, outputs: { result: 'handled' } });
    expect(writesOf(run!)).toEqual([]);
    expect(sandbox.pullRequest('acme/service', pulls[0]!.number).merged).toBe(false);
  });
});

describe('the sandbox takes a repository_dispatch as GitHub does', () => {
  const send = (sandbox: ActionOnSandbox['sandbox'], body: unknown) =>
    fetch(`${sandbox.url}/repos/acme/service/dispatches`, { method: 'POST', headers: { authorization: `token ${sandbox.workflowTokens.mint()}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('refuses an event_type outside 1 to 100 characters and a client_payload of more than 10 keys (422), and delivers a valid one', { timeout: 30_000 }, async () => {
    action = await new ActionOnSandbox().start();
    const { sandbox } = action;
    sandbox.createRepo('acme/service', { 'a.ts': '1\n' });
    const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, index]));
    expect((await send(sandbox, { event_type: 'x'.repeat(101) })).status).toBe(422);
    expect((await send(sandbox, { event_type: '' })).status).toBe(422);
    expect((await send(sandbox, { client_payload: {} })).status).toBe(422);
    expect((await send(sandbox, { event_type: 'flowgate-pr', client_payload: keys(11) })).status).toBe(422);
    expect((await send(sandbox, { event_type: 'flowgate-pr', client_payload: [1] })).status).toBe(422);
    expect(sandbox.deliveries.filter((delivery) => delivery.name === 'repository_dispatch')).toEqual([]);
    expect((await send(sandbox, { event_type: 'x'.repeat(100), client_payload: keys(10) })).status).toBe(204);
    await sandbox.settle();
    expect(sandbox.deliveries.filter((delivery) => delivery.name === 'repository_dispatch').map((delivery) => delivery.payload)).toEqual([
      expect.objectContaining({ action: 'x'.repeat(100), branch: 'main', client_payload: keys(10), sender: expect.objectContaining({ login: 'github-actions[bot]' }) }),
    ]);
    // A type the workflow does not take starts no run.
    expect(await action.runWorkflows()).toEqual([]);
  });
});
