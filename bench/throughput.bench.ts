/**
 * npm run bench (after the engine bench): Flowgate's server side by side with a
 * bare Probot app whose handler does nothing.
 *
 * 1. Skipped events: both servers, each in its own process, get the same signed
 *    25 KiB deliveries (throughput-deliveries.ts) from the same keep-alive load
 *    generator, a fixed number in flight, after a warm-up. Rounds alternate
 *    which server goes first, each server fresh every round, one at a time.
 *    Targets: Flowgate's deliveries/s at least 0.5 of bare Probot's, its peak
 *    RSS at most 1.3 times.
 * 2. Relevant events: the real app on the sandbox, wall time and requests per
 *    event (throughput-relevant.ts).
 *
 * Peak RSS depends on how far V8 grows its young generation, which it does
 * after a few thousand deliveries: the default run is long enough for both.
 * Options: `--deliveries N` (8000), `--warmup N` (1000), `--concurrency N` (16),
 * `--rounds N` (3), `--pulls N` (5). Exits 1 with a message when a delivery is
 * not answered 2xx, when Flowgate does not skip one or asks GitHub anything, or
 * when the whole bench outlasts 10 minutes.
 */
import { cpus, loadavg } from 'node:os';
import { skippedDeliveries, DELIVERY_BYTES } from './throughput-deliveries.js';
import { median, quantile, wholeOption } from './throughput-load.js';
import { relevantEventCosts } from './throughput-relevant.js';
import { BENCH_SECRET, standInGitHub, type ServerKind } from './throughput-servers.js';
import { measureSkipped, type SkippedMeasurement } from './throughput-skipped.js';
import { relevance } from '../src/github/relevance.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => wholeOption(argv, name, fallback);
const count = option('deliveries', 8000);
const warmup = option('warmup', 1000);
const concurrency = option('concurrency', 16);
const rounds = option('rounds', 3);
const pulls = option('pulls', 5);
const PHASE_MS = 60_000;

const watchdog = setTimeout(() => {
  console.error('throughput bench: gave up after 10 minutes (a server stopped answering?)');
  process.exit(1);
}, 10 * 60_000);
watchdog.unref();

const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');
const MiB = (kib: number | undefined) => (kib === undefined || !Number.isFinite(kib) ? NaN : kib / 1024);
const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

const deliveries = skippedDeliveries(BENCH_SECRET);
for (const delivery of deliveries) {
  const verdict = relevance(delivery.event, JSON.parse(delivery.body.toString('utf8')), { id: 4242, login: 'flowgate-bench[bot]' });
  if (verdict.relevant) throw new Error(`${delivery.label} is relevant to Flowgate (${verdict.reason}): it cannot stand for a skipped event`);
}

console.log(`\n## Throughput: skipped events, Flowgate (npm start) against a bare Probot app`);
console.log(`${rounds} rounds alternating, each server fresh every round; ${warmup} warm-up then ${count} measured deliveries, ${concurrency} in flight, keep-alive`);
console.log(`deliveries: ${DELIVERY_BYTES.toLocaleString('en')} bytes each, signed, cycling through ${deliveries.length}: ${deliveries.map((delivery) => delivery.label).join('; ')}`);
console.log(`node ${process.version}, ${cpus().length} cores, load average ${load()} at start\n`);

const github = await standInGitHub();
const measured: Record<ServerKind, SkippedMeasurement[]> = { flowgate: [], probot: [] };
const rate = (measurement: SkippedMeasurement) => measurement.measured.sent / measurement.measured.seconds;
const cpuPerDelivery = (measurement: SkippedMeasurement) => (measurement.cpuMs === undefined ? NaN : (measurement.cpuMs * 1000) / measurement.measured.sent);
console.log('| round | server | deliveries/s | p50 ms | p99 ms | CPU µs/delivery | idle RSS MiB | peak RSS MiB | load avg |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---|');
try {
  for (let round = 1; round <= rounds; round += 1) {
    const order: ServerKind[] = round % 2 === 1 ? ['flowgate', 'probot'] : ['probot', 'flowgate'];
    for (const kind of order) {
      const measurement = await measureSkipped(kind, github, deliveries, { warmup, count, concurrency, maxMs: PHASE_MS });
      measured[kind].push(measurement);
      const { latenciesMs } = measurement.measured;
      console.log(`| ${round} | ${kind === 'flowgate' ? 'Flowgate' : 'bare Probot'} | ${fixed(rate(measurement))} | ${fixed(quantile(latenciesMs, 0.5), 1)} | ${fixed(quantile(latenciesMs, 0.99), 1)} | ${fixed(cpuPerDelivery(measurement))} | ${fixed(MiB(measurement.idle?.nowKiB))} | ${fixed(MiB(measurement.after?.peakKiB))} | ${load()} |`);
    }
  }
} finally {
  await github.stop();
}

const summary = (kind: ServerKind) => ({
  rate: median(measured[kind].map(rate)),
  p50: median(measured[kind].map((measurement) => quantile(measurement.measured.latenciesMs, 0.5))),
  p99: median(measured[kind].map((measurement) => quantile(measurement.measured.latenciesMs, 0.99))),
  cpu: median(measured[kind].map(cpuPerDelivery)),
  idle: median(measured[kind].map((measurement) => MiB(measurement.idle?.nowKiB))),
  peak: median(measured[kind].map((measurement) => MiB(measurement.after?.peakKiB))),
  growth: median(measured[kind].map((measurement) => MiB(measurement.after?.peakKiB) - MiB(measurement.idle?.nowKiB))),
});
const flowgate = summary('flowgate');
const probot = summary('probot');
const throughputRatio = flowgate.rate / probot.rate;
const rssRatio = flowgate.peak / probot.peak;
const perRound = measured.flowgate.map((measurement, index) => (rate(measurement) / rate(measured.probot[index]!)).toFixed(2)).join(', ');
console.log(`\nmedians of ${rounds} rounds:`);
console.log(`  Flowgate:    ${fixed(flowgate.rate)} deliveries/s, p50 ${fixed(flowgate.p50, 1)} ms, p99 ${fixed(flowgate.p99, 1)} ms, ${fixed(flowgate.cpu)} µs CPU per delivery, idle RSS ${fixed(flowgate.idle)} MiB, peak RSS ${fixed(flowgate.peak)} MiB`);
console.log(`  bare Probot: ${fixed(probot.rate)} deliveries/s, p50 ${fixed(probot.p50, 1)} ms, p99 ${fixed(probot.p99, 1)} ms, ${fixed(probot.cpu)} µs CPU per delivery, idle RSS ${fixed(probot.idle)} MiB, peak RSS ${fixed(probot.peak)} MiB`);
console.log(`  throughput ratio ${fixed(throughputRatio, 2)} (per round ${perRound}; target >= 0.5: ${throughputRatio >= 0.5 ? 'met' : 'MISSED'})`);
// The load generator shares the machine's cores: CPU per delivery is the servers' cost whatever it manages to send.
console.log(`  capacity ratio by CPU per delivery ${fixed(probot.cpu / flowgate.cpu, 2)} (bare Probot's CPU per delivery over Flowgate's)`);
console.log(`  peak RSS ratio ${fixed(rssRatio, 2)} (target <= 1.3: ${Number.isFinite(rssRatio) ? (rssRatio <= 1.3 ? 'met' : 'MISSED') : 'not measured: /proc is Linux only'}; idle RSS ratio ${fixed(flowgate.idle / probot.idle, 2)})`);
// What load adds, apart from what the process holds before any delivery (its code): where a leak or a per-event cost would show.
console.log(`  peak RSS over idle, under load: Flowgate ${fixed(flowgate.growth)} MiB, bare Probot ${fixed(probot.growth)} MiB (medians)`);
console.log(`  every delivery answered 2xx; Flowgate skipped all ${(warmup + count) * rounds} of its deliveries and asked GitHub nothing, not even who it is`);

console.log(`\n## Relevant events against the sandbox: the real app, ${pulls} PRs, each through the same events (load average ${load()})\n`);
const report = await relevantEventCosts(pulls);
const failed = report.costs.flatMap((cost) => cost.statuses.filter((status) => status < 200 || status >= 300).map((status) => `${cost.event}: ${status}`));
if (failed.length > 0) throw new Error(`webhooks the app did not answer 2xx: ${failed.join('; ')}`);
if (report.conclusions.some((conclusion) => conclusion !== 'success')) throw new Error(`runs that did not succeed: ${JSON.stringify(report.conclusions)}`);
const spread = (values: number[]) => (Math.min(...values) === Math.max(...values) ? String(values[0]) : `${Math.min(...values)}–${Math.max(...values)}`);
console.log('| event | wall ms (median) | wall ms (max) | reads | writes | requests |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const cost of report.costs) {
  const total = cost.reads.map((reads, index) => reads + cost.writes[index]!);
  console.log(`| ${cost.event} | ${fixed(median(cost.ms))} | ${fixed(Math.max(...cost.ms))} | ${spread(cost.reads)} | ${spread(cost.writes)} | ${spread(total)} |`);
}
console.log(`\nreads: GET and GraphQL; writes: the rest; installation tokens are not counted (Probot caches one per installation for an hour). Every run succeeded.`);
