/**
 * npm run bench:memory: the heap of the real webhook handler after 10,000
 * distinct PR events (each a `pull_request.opened` that starts a run, writes
 * its check runs, the waiting label and the sticky comment) against the
 * sandbox, which runs in a child process so its own state is not counted.
 * Prints the heap after a full GC every 1,000 events, and the caches' sizes.
 * Options: `--events N` (default 10000), `--owners N` (default 100).
 */
import { Octokit } from '@octokit/rest';
import { openedPayload, sandboxChild } from './cost-sandbox.js';

const dist = (path: string) => import(new URL(`../dist/${path}`, import.meta.url).href);
const { handleWebhook, PullRequestQueue } = (await dist('github/handle.js')) as typeof import('../src/github/handle.js');
const { GitHubCache } = (await dist('github/facts/cache.js')) as typeof import('../src/github/facts/cache.js');

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(argv[at + 1]);
};
const events = option('events', 10_000);
const owners = option('owners', 100);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:memory does)');

const MiB = 1024 * 1024;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage();
};

process.stderr.write(`memory: starting a sandbox with ${events} PRs over ${owners} installations …\n`);
const child = await sandboxChild({ owners, pulls: events, soonEvery: 100 });
try {
  const gh = new Octokit({ auth: 'sandbox', baseUrl: child.url, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const cache = new GitHubCache();
  const deps = { gh, cache, queue: new PullRequestQueue(), app: { id: 4242, login: 'flowgate[bot]' }, connections: () => undefined, now: () => child.start, log: () => {} };
  const installationOf = (repo: string) => Number(repo.split('/')[0]!.slice('org-'.length)) + 1;
  const rows: string[] = [];
  const baseline = heap();
  const row = (done: number, seconds: number) => {
    const used = heap();
    const line = `| ${done.toLocaleString('en')} | ${(used.heapUsed / MiB).toFixed(1)} | ${((used.heapUsed - baseline.heapUsed) / MiB).toFixed(1)} | ${(used.rss / MiB).toFixed(0)} | ${cache.filesByHead.size} / ${(cache.filesByHead.bytes / MiB).toFixed(1)} MiB | ${cache.flowsByCommit.size} | ${cache.sticky.size} | ${seconds.toFixed(0)} |`;
    rows.push(line);
    process.stdout.write(`${line}\n`);
  };
  process.stdout.write('| events | heap used (MiB) | over baseline (MiB) | RSS (MiB) | files cache (entries / bytes) | flows cache | sticky cache | s |\n|---:|---:|---:|---:|---|---:|---:|---:|\n');
  row(0, 0);
  const started = Date.now();
  let next = 0;
  let failed = 0;
  const worker = async () => {
    for (let index = next++; index < child.pulls.length; index = next++) {
      const pull = child.pulls[index]!;
      const outcome = await handleWebhook(deps, 'pull_request', openedPayload(pull, installationOf(pull.repo))).catch((error: Error) => ({ skipped: error.message, runs: [] }));
      if (outcome.runs.length === 0) failed += 1;
      if ((index + 1) % 1_000 === 0) row(index + 1, (Date.now() - started) / 1000);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  process.stdout.write(`\n${events} events in ${((Date.now() - started) / 1000).toFixed(0)} s; ${failed} started no run\n`);
} finally {
  child.stop();
}
