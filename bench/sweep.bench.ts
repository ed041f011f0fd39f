/**
 * npm run bench:sweep: requests and time per sweep for 100, 1,000 and 10,000
 * waiting runs with 1% due, through the real handler and sweep against the
 * sandbox (in this process), with the due index in memory.
 *
 * How it is measured, so that it finishes in minutes on two shared cores:
 * the due PRs (1%) are real PRs whose runs the handler started; so are up to
 * 99 of the PRs due later; the rest of the waiting runs are index entries due
 * later (4 hours on), which a due pass must skip without a request. The due
 * pass is measured whole. The full pass (what every sweep cost before the
 * index) is measured over the real PRs and scaled to N by its reads per PR.
 * Options: `--sizes 100,1000,10000`.
 */
import { Octokit } from '@octokit/rest';
import { FLOWS } from './cost-sandbox.js';

const dist = (path: string) => import(new URL(`../dist/${path}`, import.meta.url).href);
const { handleWebhook, PullRequestQueue } = (await dist('github/handle.js')) as typeof import('../src/github/handle.js');
const { sweep } = (await dist('github/sweep.js')) as typeof import('../src/github/sweep.js');
const { memorySweepIndex } = (await dist('github/sweep-index.js')) as typeof import('../src/github/sweep-index.js');
const { GitHubCache } = (await dist('github/facts/cache.js')) as typeof import('../src/github/facts/cache.js');
const { Sandbox } = (await dist('sandbox/sandbox.js')) as typeof import('../src/sandbox/sandbox.js');

const argv = process.argv.slice(2);
const at = argv.indexOf('--sizes');
const sizes = (at === -1 ? '100,1000,10000' : argv[at + 1]!).split(',').map(Number);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const REPO = 'acme/service';

interface Row {
  waiting: number;
  due: number;
  real: number;
  dueRequests: number;
  dueWrites: number;
  dueSeconds: number;
  idleRequests: number;
  fullReadsPerPull: number;
  fullSecondsPerPull: number;
}

const writesOf = (requests: readonly string[]) => requests.filter((request) => !request.startsWith('GET') && request !== 'POST /graphql').length;

async function measure(waiting: number): Promise<Row> {
  const due = Math.max(1, Math.round(waiting / 100));
  const later = Math.min(waiting - due, 99);
  const sandbox = new Sandbox();
  await sandbox.start();
  try {
    sandbox.createRepo(REPO, { ...FLOWS, 'src/a.ts': 'a\n' });
    const gh = new Octokit({ auth: 'sandbox', baseUrl: sandbox.url, log: { debug() {}, info() {}, warn() {}, error() {} } });
    const index = memorySweepIndex();
    const deps = { gh, cache: new GitHubCache(), queue: new PullRequestQueue(), app: { id: sandbox.appId, login: sandbox.appLogin }, connections: () => undefined, now: () => sandbox.clock.now(), log: () => {}, dueIndex: index };
    const sweepDeps = { ...deps, appClient: async () => gh, clientFor: async () => gh, fullPassEveryMs: 24 * HOUR };
    for (let index = 0; index < due + later; index += 1) {
      await sandbox.openPullRequest(REPO, { author: 'dev', title: `Change ${index}`, branch: `b${index}`, labels: [index < due ? 'soon' : 'later'], changes: { [`src/f${index}.ts`]: `${index}\n` } });
    }
    const opened = sandbox.deliveries.filter((delivery) => delivery.name === 'pull_request');
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let index = next++; index < opened.length; index = next++) await handleWebhook(deps, 'pull_request', opened[index]!.payload);
    }));
    // The rest of the waiting runs: entries due in 4 hours, on PRs a due pass never reads.
    const installation = sandbox.state.repo(REPO).installationId;
    const dueLater = sandbox.clock.now() + 4 * HOUR;
    for (let number = 100_000; number < 100_000 + waiting - due - later; number += 1) await index.record({ installation, owner: 'acme', name: 'service', number }, dueLater);
    // As a process that made its full pass at start-up.
    await index.takeFullPass(sandbox.clock.now(), 24 * HOUR);

    sandbox.clock.advance(10 * MINUTE);
    sandbox.requests.length = 0;
    await sweep(sweepDeps);
    const idleRequests = sandbox.requests.length;

    sandbox.clock.advance(51 * MINUTE);
    sandbox.requests.length = 0;
    let started = performance.now();
    const report = await sweep(sweepDeps);
    const dueSeconds = (performance.now() - started) / 1000;
    if (report.pulls !== due || report.errors.length > 0) throw new Error(`the due pass handled ${report.pulls} of ${due}: ${report.errors.join('; ')}`);
    const dueRequests = sandbox.requests.length;
    const dueWrites = writesOf(sandbox.requests);

    // The full pass over the real PRs, as every sweep was before the index.
    sandbox.clock.advance(25 * HOUR);
    sandbox.requests.length = 0;
    started = performance.now();
    const full = await sweep(sweepDeps);
    const fullSeconds = (performance.now() - started) / 1000;
    const fullReads = sandbox.requests.length - writesOf(sandbox.requests);
    return { waiting, due, real: due + later, dueRequests, dueWrites, dueSeconds, idleRequests, fullReadsPerPull: fullReads / full.pulls, fullSecondsPerPull: fullSeconds / full.pulls };
  } finally {
    await sandbox.stop();
  }
}

process.stdout.write('| waiting runs | due | due pass: requests (writes) | due pass: s | sweep with nothing due: requests | full pass: reads (≈) | full pass: s (≈) |\n|---:|---:|---:|---:|---:|---:|---:|\n');
for (const waiting of sizes) {
  process.stderr.write(`sweep: ${waiting} waiting runs …\n`);
  const row = await measure(waiting);
  const scaled = row.real < row.waiting ? ' (scaled)' : '';
  process.stdout.write(
    `| ${waiting.toLocaleString('en')} | ${row.due} | ${row.dueRequests} (${row.dueWrites}) | ${row.dueSeconds.toFixed(2)} | ${row.idleRequests} | ${Math.round(row.fullReadsPerPull * waiting).toLocaleString('en')}${scaled} | ${(row.fullSecondsPerPull * waiting).toFixed(0)}${scaled} |\n`,
  );
}
