/**
 * npm run bench:action: what the GitHub Action costs.
 * - The bundle: its size on disk and gzipped (what a runner downloads with the repository).
 * - Cold start: from spawning `node action/dist/index.js` to its first API request,
 *   measured at a loopback server. Target: under 1 s.
 * - Requests per event, on the sandbox, against GITHUB_TOKEN's 1,000 an hour per repository.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { ACTION_ENTRY, ActionOnSandbox } from '../test/action-harness.js';

const HOUR = 3600_000;
const GATE_FLOW = `name: gate
on: { pull_request: {} }
steps:
  - id: review
    approval:
      from: { users: [mia] }
    on_approve: ship
  - id: ship
    actions:
      - merge: {}
`;
const HOTFIX_FLOW = readFileSync(new URL('../examples/4-time-bound/flow.yml', import.meta.url), 'utf8');

// ---------------------------------------------------------------- the bundle
const bytes = statSync(ACTION_ENTRY).size;
const gzipped = gzipSync(readFileSync(ACTION_ENTRY)).length;
console.log(`bundle: ${(bytes / 1024).toFixed(0)} KiB (${(gzipped / 1024).toFixed(0)} KiB gzipped), action/dist/index.js`);

// ---------------------------------------------------------------- cold start
async function coldStart(): Promise<number> {
  let firstRequest = 0;
  let child: ReturnType<typeof spawn> | undefined;
  const server = createServer((request, response) => {
    firstRequest ||= performance.now();
    // The first request is all this measures: the process ends there.
    child?.kill('SIGKILL');
    response.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"bench"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-bench-'));
  const event = join(dir, 'event.json');
  writeFileSync(event, JSON.stringify({ action: 'opened', number: 1, pull_request: { number: 1, head: { sha: 'a'.repeat(40) } }, repository: { full_name: 'acme/widgets', name: 'widgets', owner: { login: 'acme' }, default_branch: 'main' }, sender: { login: 'dev' } }));
  const started = performance.now();
  child = spawn(process.execPath, [ACTION_ENTRY], {
    env: { PATH: process.env.PATH ?? '', GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'acme/widgets', GITHUB_API_URL: url, INPUT_TOKEN: 'ghs_bench', INPUT_SECRET: 'bench-secret', FLOWGATE_SANDBOX_NOW: String(Date.now()) },
    stdio: 'ignore',
  });
  await new Promise((resolve) => child.once('close', resolve));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!firstRequest) throw new Error('the action made no request');
  return firstRequest - started;
}
/** Node itself, starting and exiting with nothing to load: what no bundle can go below on this machine now. */
async function bareNode(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('close', resolve));
  return performance.now() - started;
}
const bare: number[] = [];
for (let round = 0; round < 10; round += 1) bare.push(await bareNode());
bare.sort((a, b) => a - b);
const starts: number[] = [];
for (let round = 0; round < 10; round += 1) starts.push(await coldStart());
starts.sort((a, b) => a - b);
console.log(`node -e 0 (start and exit), 10 runs: p50 ${bare[5]!.toFixed(0)} ms`);
console.log(`cold start (spawn to first API request), 10 runs: p50 ${starts[5]!.toFixed(0)} ms, max ${starts.at(-1)!.toFixed(0)} ms (target < 1000 ms; load average ${loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).cpus().length} cores)`);

// ---------------------------------------------------------------- requests per event
/** What an event cost: its requests, and the workflow runs it took (a sweep starts one per due PR, in that PR's group). */
const rows: [string, number, number][] = [];
const cost = (runs: { outputs: Record<string, string> }[]) => runs.reduce((sum, run) => sum + Number(run.outputs.requests ?? 0), 0);
const row = (event: string, runs: { outputs: Record<string, string> }[]): [string, number, number] => [event, cost(runs), runs.length];
{
  const action = await new ActionOnSandbox().start();
  const { sandbox } = action;
  sandbox.createRepo('acme/widgets', { '.github/flows/gate.yml': GATE_FLOW, 'x.ts': '1\n' }, { permissions: { mia: 'write' } });
  const pr = await sandbox.openPullRequest('acme/widgets', { author: 'dev', title: 'Change', branch: 'dev/x', changes: { 'x.ts': '2\n' } });
  rows.push(row('a PR opened that starts a run', await action.runWorkflows()));
  await sandbox.comment('acme/widgets', pr.number, 'mia', 'Looks fine so far.');
  rows.push(row('a comment without a command', await action.runWorkflows()));
  await sandbox.label('acme/widgets', pr.number, 'dev', 'unrelated');
  rows.push(row('an event that changes nothing (a label)', await action.runWorkflows()));
  await sandbox.review('acme/widgets', pr.number, 'mia', 'approved');
  rows.push(row('an approval that merges', await action.runWorkflows()));
  const sweep = () => action.run('schedule', { schedule: '*/5 * * * *', repository: { full_name: 'acme/widgets', name: 'widgets', owner: { login: 'acme' } } });
  rows.push(row('a sweep with no timer pending', [await sweep(), ...(await action.runWorkflows())]));
  await action.stop();
}
{
  const action = await new ActionOnSandbox().start();
  const { sandbox } = action;
  sandbox.createRepo('acme/service', { '.github/flows/hotfix.yml': HOTFIX_FLOW, 'src/auth.ts': 'a\n' });
  await sandbox.openPullRequest('acme/service', { author: 'dev', title: 'Fix', branch: 'fix/x', labels: ['hotfix'], changes: { 'src/auth.ts': 'b\n' } });
  await action.runWorkflows();
  const sweep = () => action.run('schedule', { schedule: '*/5 * * * *', repository: { full_name: 'acme/service', name: 'service', owner: { login: 'acme' } } });
  sandbox.clock.advance(60_000);
  rows.push(row('a sweep, one PR waiting, nothing due', [await sweep(), ...(await action.runWorkflows())]));
  sandbox.clock.advance(4 * HOUR);
  const escalating = await sweep();
  rows.push(row('a sweep that escalates: the sweep (search, look, dispatch)', [escalating]));
  rows.push(row('  and the run it starts in the PR\'s group (a comment)', await action.runWorkflows()));
  await action.stop();
}
console.log('\nrequests and workflow runs per event (GITHUB_TOKEN: 1,000 requests an hour per repository)');
for (const [event, requests, runs] of rows) console.log(`  ${String(requests).padStart(3)} requests  ${String(runs).padStart(2)} run(s)  ${event}`);
const idle = rows.find(([event]) => event === 'a sweep with no timer pending')![1];
const waiting = rows.find(([event]) => event === 'a sweep, one PR waiting, nothing due')![1];
console.log(`\nthe sweep every 5 minutes: ${idle * 12} requests an hour with nothing waiting, ${waiting * 12} with one PR waiting on a timer (+${(waiting - idle) * 12} per further PR)`);
