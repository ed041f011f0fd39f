/**
 * Where the throughput bench's peak RSS goes (docs/performance.md, Throughput):
 * a diagnostic beside `npm run bench`, not a target. The same skipped
 * deliveries as the throughput bench, to servers started with `--trace-gc` (to
 * read the heap left live after each major GC), each fresh and alone:
 * - bare Probot, the throughput bench's baseline;
 * - bare Probot that asks GitHub its identity once with Node's fetch, as Flowgate
 *   did at its first delivery until skipped deliveries stopped asking anything, and
 *   as any app does at its first request (fetch loads undici, Node's HTTP client);
 * - bare Probot that imports every module dist/server.js imports (Flowgate's
 *   code, loaded and never called);
 * - bare Probot with both;
 * - Flowgate as `npm start` runs it.
 * Each variant's idle RSS, live heap after major GCs, what scavenges leave in
 * the old generation per 1,000 deliveries (promoted objects, which fill it up to
 * its next major GC), and peak RSS (VmHWM);
 * medians over the rounds. `npm run build` first.
 * Options: `--deliveries N` (8000), `--warmup N` (1000), `--concurrency N` (16), `--rounds N` (2).
 */
import { loadavg } from 'node:os';
import { skippedDeliveries } from './throughput-deliveries.js';
import { median, wholeOption } from './throughput-load.js';
import { BENCH_SECRET, standInGitHub, type ServerKind } from './throughput-servers.js';
import { measureSkipped, type SkippedMeasurement } from './throughput-skipped.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => wholeOption(argv, name, fallback);
const count = option('deliveries', 8000);
const warmup = option('warmup', 1000);
const concurrency = option('concurrency', 16);
const rounds = option('rounds', 2);

const watchdog = setTimeout(() => {
  console.error('throughput memory bench: gave up after 15 minutes (a server stopped answering?)');
  process.exit(1);
}, 15 * 60_000);
watchdog.unref();

interface Variant {
  label: string;
  kind: ServerKind;
  bare?: string;
}
const VARIANTS: Variant[] = [
  { label: 'bare Probot', kind: 'probot' },
  { label: 'bare + one fetch', kind: 'probot', bare: 'fetch' },
  { label: "bare + Flowgate's modules", kind: 'probot', bare: 'imports' },
  { label: 'bare + modules + fetch', kind: 'probot', bare: 'imports,fetch' },
  { label: 'Flowgate (npm start)', kind: 'flowgate' },
];

const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');
const MiB = (kib: number | undefined) => (kib === undefined ? NaN : kib / 1024);
const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const spread = (values: number[]) => (values.length === 0 ? 'none' : `${fixed(Math.min(...values), 1)}–${fixed(Math.max(...values), 1)}`);
const underLoad = (measurement: SkippedMeasurement) => measurement.liveAfterMajorGcs ?? [];
// Promoted objects, mostly: what fills the old generation up to its next major GC.
const growthPerThousand = (measurement: SkippedMeasurement) => ((measurement.oldGenerationGrowth ?? NaN) * 1000) / (measurement.warmup.sent + measurement.measured.sent);

console.log(`\n## Throughput memory: where peak RSS goes (node ${process.version}, load average ${load()} at start)`);
console.log(`${rounds} rounds, each variant fresh and alone with --trace-gc; ${warmup} warm-up then ${count} measured skipped deliveries, ${concurrency} in flight\n`);
const github = await standInGitHub();
const measured = new Map<Variant, SkippedMeasurement[]>(VARIANTS.map((variant) => [variant, []]));
console.log('| round | server | idle RSS MiB | live heap after major GCs, MB | old generation growth, MB per 1,000 deliveries | peak RSS MiB | load avg |');
console.log('|---:|---|---:|---|---:|---:|---|');
try {
  for (let round = 1; round <= rounds; round += 1) {
    for (const variant of VARIANTS) {
      const measurement = await measureSkipped(variant.kind, github, skippedDeliveries(BENCH_SECRET), {
        warmup,
        count,
        concurrency,
        maxMs: 60_000,
        nodeOptions: ['--trace-gc'],
        ...(variant.bare ? { env: { FLOWGATE_BENCH_BARE: variant.bare } } : {}),
      });
      measured.get(variant)!.push(measurement);
      console.log(`| ${round} | ${variant.label} | ${fixed(MiB(measurement.idle?.nowKiB))} | ${spread(underLoad(measurement))} | ${fixed(growthPerThousand(measurement), 1)} | ${fixed(MiB(measurement.after?.peakKiB))} | ${load()} |`);
    }
  }
} finally {
  await github.stop();
}

const baseline = median(measured.get(VARIANTS[0]!)!.map((measurement) => MiB(measurement.after?.peakKiB)));
console.log(`\nmedians of ${rounds} rounds:\n`);
console.log('| server | idle RSS MiB | live heap after major GCs (median), MB | old generation growth, MB per 1,000 deliveries | peak RSS MiB | peak over bare Probot |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const variant of VARIANTS) {
  const runs = measured.get(variant)!;
  const peak = median(runs.map((measurement) => MiB(measurement.after?.peakKiB)));
  console.log(`| ${variant.label} | ${fixed(median(runs.map((measurement) => MiB(measurement.idle?.nowKiB))))} | ${fixed(median(runs.flatMap(underLoad)), 1)} | ${fixed(median(runs.map(growthPerThousand)), 1)} | ${fixed(peak)} | ${fixed(peak / baseline, 2)} |`);
}
