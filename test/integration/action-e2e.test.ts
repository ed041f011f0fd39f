import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/github/history/record.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { ACTION_SECRET, ActionOnSandbox, type ActionRun } from '../action-harness.js';
import { GATE_FLOW } from '../helpers.js';

const HOTFIX_FLOW = readFileSync(new URL('../../examples/4-time-bound/flow.yml', import.meta.url), 'utf8');
const HOUR = 3600_000;

/**
 * One scenario, played by either adapter: the server (webhooks to Probot, the
 * sweep in-process) or the bundled action (a process per workflow event).
 */
interface Driver {
  sandbox: Sandbox;
  /** What the events so far start: nothing to do for the server, a workflow run each for the action. */
  events(): Promise<ActionRun[]>;
  sweep(): Promise<ActionRun[]>;
  stop(): Promise<void>;
}

async function serverDriver(options: Parameters<typeof startAppOnSandbox>[0] = {}): Promise<Driver> {
  const app: AppOnSandbox = await startAppOnSandbox(options);
  return { sandbox: app.sandbox, events: async () => [], sweep: async () => (await app.sweep(), []), stop: () => app.stop() };
}

async function actionDriver(env: Record<string, string> = {}): Promise<Driver & { action: ActionOnSandbox }> {
  const action = await new ActionOnSandbox().start();
  const repoOf = () => [...action.sandbox.state.repos.values()][0]!;
  return {
    action,
    sandbox: action.sandbox,
    events: () => action.runWorkflows({ env }),
    sweep: async () => {
      await action.runWorkflows({ env });
      const repo = repoOf();
      const sweep = await action.run('schedule', { schedule: '*/5 * * * *', repository: { full_name: `${repo.owner}/${repo.name}`, name: repo.name, owner: { login: repo.owner } } }, { env });
      // The sweep hands each due PR to a run in its own group (a repository_dispatch), which GitHub then starts.
      return [sweep, ...(await action.runWorkflows({ env }))];
    },
    stop: () => action.stop(),
  };
}

let drivers: Driver[] = [];
let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const driver of drivers) await driver.stop();
  for (const close of closers) await close();
  drivers = [];
  closers = [];
});
const track = <T extends Driver>(driver: T): T => (drivers.push(driver), driver);

/** What a run's check run shows people: title, summary, conclusion and history, without the record. */
function shown(sandbox: Sandbox, sha: string) {
  return sandbox
    .checkRunsFor(sha)
    .filter((run) => run.name.startsWith('Flowgate'))
    .map((run) => ({ name: run.name, status: run.status, conclusion: run.conclusion, title: run.output.title, summary: run.output.summary, history: (run.output.text ?? '').replace(/\s*<!-- flowgate:record [^>]*-->\s*$/, '') }));
}
const comments = (sandbox: Sandbox, repo: string, number: number) => sandbox.pullRequest(repo, number).comments.map((comment) => comment.body.replace(/<!-- flowgate:[\s\S]*$/, '').trim());

const GATE_REPO = 'acme/widgets';
async function approvalMerges(driver: Driver) {
  const { sandbox } = driver;
  sandbox.createRepo(GATE_REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia'] }, permissions: { mia: 'write' } });
  const pr = await sandbox.openPullRequest(GATE_REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
  const opened = await driver.events();
  await sandbox.review(GATE_REPO, pr.number, 'mia', 'approved');
  const reviewed = await driver.events();
  return { pr, runs: [...opened, ...reviewed] };
}

async function ineligibleLabel(driver: Driver) {
  const { sandbox } = driver;
  sandbox.createRepo(GATE_REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia'] }, permissions: { mia: 'write' } });
  const pr = await sandbox.openPullRequest(GATE_REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
  await driver.events();
  // The author labels their own PR approved: not a manager, so it does not count, and the history says why.
  await sandbox.label(GATE_REPO, pr.number, 'dev', 'flowgate:approve');
  const runs = await driver.events();
  return { pr, runs };
}

const HOTFIX_REPO = 'acme/service';
async function timerEscalatesThenDeclines(driver: Driver) {
  const { sandbox } = driver;
  sandbox.createRepo(HOTFIX_REPO, { '.github/flows/hotfix.yml': HOTFIX_FLOW, 'src/auth.ts': 'a\n' });
  const pr = await sandbox.openPullRequest(HOTFIX_REPO, { author: 'dev', title: 'Fix the login redirect loop', branch: 'fix/login', labels: ['hotfix'], changes: { 'src/auth.ts': 'b\n' } });
  await driver.events();
  sandbox.clock.advance(4 * HOUR + 60_000);
  const escalated = await driver.sweep();
  const afterEscalation = comments(sandbox, HOTFIX_REPO, pr.number);
  sandbox.clock.advance(44 * HOUR);
  const declined = await driver.sweep();
  return { pr, afterEscalation, runs: [...escalated, ...declined] };
}

describe('the bundled action does what the server does (the same history for the same scenario)', () => {
  it('a review approval merges, with no server running', { timeout: 60_000 }, async () => {
    const action = track(await actionDriver());
    const { pr, runs } = await approvalMerges(action);
    expect(runs.map((run) => [run.event, run.exitCode, run.outputs.result])).toEqual([
      ['pull_request_target', 0, 'handled'],
      ['pull_request_review', 0, 'handled'],
    ]);
    expect(action.sandbox.pullRequest(GATE_REPO, pr.number)).toMatchObject({ state: 'closed', merged: true });
    expect(action.sandbox.truth.merges).toEqual([expect.objectContaining({ sha: pr.headSha, by: 'github-actions[bot]' })]);
    // Outputs: each run's status and the steps it waits on; the job summary holds its history.
    expect(JSON.parse(runs[0]!.outputs.runs!)).toEqual([{ flow: 'gate', id: expect.any(String), pr: 1, status: 'waiting', waiting_on: ['review'] }]);
    expect(JSON.parse(runs[1]!.outputs.runs!)).toEqual([{ flow: 'gate', id: expect.any(String), pr: 1, status: 'succeeded', waiting_on: [] }]);
    const history = shown(action.sandbox, pr.headSha).find((run) => run.name === 'Flowgate: gate')!;
    expect(runs[1]!.summary).toContain(history.history);
    expect(runs[1]!.summary).toMatch(/\d+ API request\(s\)/);
    // The record in the check run is signed with the secret input.
    const text = action.sandbox.checkRunsFor(pr.headSha).find((run) => run.name === 'Flowgate: gate')!.output.text!;
    expect(decodeRecord(text, ACTION_SECRET)).toMatchObject({ ok: true });

    const server = track(await serverDriver());
    await approvalMerges(server);
    expect(shown(action.sandbox, pr.headSha)).toEqual(shown(server.sandbox, pr.headSha));
    expect(comments(action.sandbox, GATE_REPO, pr.number)).toEqual(comments(server.sandbox, GATE_REPO, pr.number));
  });

  it('an ineligible label is refused, and the history says why, as on the server', { timeout: 60_000 }, async () => {
    const action = track(await actionDriver());
    const { pr, runs } = await ineligibleLabel(action);
    expect(runs.map((run) => [run.event, run.exitCode])).toEqual([['pull_request_target', 0]]);
    expect(action.sandbox.pullRequest(GATE_REPO, pr.number).merged).toBe(false);
    const gate = shown(action.sandbox, pr.headSha).find((run) => run.name === 'Flowgate: gate')!;
    expect(gate.history).toMatch(/ignored/i);
    expect(JSON.parse(runs[0]!.outputs.runs!)[0]).toMatchObject({ status: 'waiting', waiting_on: ['review'] });

    const server = track(await serverDriver());
    await ineligibleLabel(server);
    expect(shown(action.sandbox, pr.headSha)).toEqual(shown(server.sandbox, pr.headSha));
  });

  it('a timer sweep (schedule) escalates and then declines, as the server does', { timeout: 60_000 }, async () => {
    const action = track(await actionDriver());
    const { pr, afterEscalation, runs } = await timerEscalatesThenDeclines(action);
    expect(runs.map((run) => [run.event, run.exitCode, run.outputs.result])).toEqual([
      ['schedule', 0, 'forwarded'],
      ['repository_dispatch', 0, 'handled'],
      ['schedule', 0, 'forwarded'],
      ['repository_dispatch', 0, 'handled'],
    ]);
    expect(afterEscalation.some((body) => body.startsWith('@backup-oncall:'))).toBe(true);
    const pull = action.sandbox.pullRequest(HOTFIX_REPO, pr.number);
    expect(pull.labels).toEqual(['hotfix', 'hotfix-expired']);
    expect(shown(action.sandbox, pr.headSha).find((run) => run.name.startsWith('Flowgate: '))).toMatchObject({ conclusion: 'failure', title: 'Declined by flowgate' });

    const server = track(await serverDriver());
    await timerEscalatesThenDeclines(server);
    expect(shown(action.sandbox, pr.headSha)).toEqual(shown(server.sandbox, pr.headSha));
    expect(comments(action.sandbox, HOTFIX_REPO, pr.number)).toEqual(comments(server.sandbox, HOTFIX_REPO, pr.number));
  });
});
