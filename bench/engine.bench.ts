/**
 * npm run bench: how long evaluate() takes for a 20-step flow over a large PR,
 * and how the time grows with reviews, comments and changed files.
 * Target: p99 under 5 ms on one core, growing linearly.
 */
import { loadavg } from 'node:os';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import type { FactEvent, Facts } from '../src/engine/facts.js';

// Measure the compiled engine that ships (npm run bench builds it first), not the
// tsx-transpiled source, whose keep-names wrappers add a third to every call.
const dist = (path: string) => import(new URL(`../dist/${path}`, import.meta.url).href);
const { evaluate } = (await dist('engine/evaluate.js')) as typeof import('../src/engine/evaluate.js');
const { validateFlowText } = (await dist('flow/validate.js')) as typeof import('../src/flow/validate.js');

const FLOW = `
name: bench
on: { pull_request: {} }
steps:
  - { id: r1, if: { paths: ["src/**"] }, then: a1, else: fail }
  - id: a1
    actions: [ { comment: "Started for {{pr.title}}" }, { label: [in-review] } ]
  - { id: r2, if: { any: [ { field: amount, gt: 10000 }, { labels: ["risk:*"] } ] }, then: g1, else: g1 }
  - id: g1
    approval: { from: { teams: [org/team-a] }, count: 2, timeout: 2d, escalate: [ { after: 4h, notify: { users: [lead] }, repeat: 1h } ] }
  - { id: w1, wait: { duration: 10m } }
  - id: g2
    approval: { from: { codeowners: true }, count: 3 }
  - id: a2
    actions: [ { label: [owners-ok] } ]
  - { id: r3, if: { changed_lines: { gt: 100 } }, then: g3, else: g3 }
  - id: g3
    approval: { from: { permission: write }, count: 5, exclude: [author, committers, bots] }
  - { id: a3, actions: [ { comment: "Stage 3 passed" } ] }
  - { id: r4, if: { not: { draft: true } }, then: g4 }
  - id: g4
    parallel:
      security: { from: { teams: [org/team-b] }, count: 2 }
      legal: { from: { teams: [org/team-c] } }
  - { id: a4, actions: [ { notify: { users: [lead], message: "{{gate.waiting_on}}" } } ] }
  - { id: r5, if: { author: ["*[bot]"] }, then: g5, else: g5 }
  - id: g5
    approval: { from: { teams: [org/team-a, org/team-b] }, per_team: 2 }
  - { id: a5, actions: [ { label: [almost] } ] }
  - { id: r6, if: { base: [main] }, then: g6, else: fail }
  - id: g6
    approval: { from: { users: [u1, u2, u3], teams: [org/team-a, org/team-b, org/team-c] }, count: 330, timeout: 30d }
  - { id: a6, actions: [ { merge: {} } ] }
  - { id: done, actions: [ { comment: "done" } ], next: succeed }
`;

const validated = validateFlowText(FLOW, 'bench.yml');
if (!validated.flow) throw new Error(JSON.stringify(validated.problems, null, 2));
const flow = validated.flow;

const START = Date.parse('2026-11-24T09:00:00Z');
const HOURS = 12;
const users = Array.from({ length: 400 }, (_, index) => `u${index}`);

function facts(reviews: number, comments: number, files: number): Facts {
  const events: FactEvent[] = [];
  const total = reviews + comments;
  for (let index = 0; index < total; index += 1) {
    const at = new Date(START + ((index + 1) * HOURS * 3600_000) / (total + 1)).toISOString();
    const actor = users[(index * 7) % users.length]!;
    if (index % Math.max(1, Math.round(total / reviews)) === 0 && events.filter((event) => event.type === 'review').length < reviews) {
      events.push({ type: 'review', at, actor, id: `r${index}`, state: index % 11 === 0 ? 'commented' : 'approved', sha: 'a'.repeat(40) });
    } else {
      events.push({ type: 'comment', at, actor, id: `c${index}`, body: index % 3 === 0 ? 'Looks fine.\n/approve' : 'A remark about the diff, without a command.' });
    }
  }
  const teams = {
    'org/team-a': users.slice(0, 120),
    'org/team-b': users.slice(100, 220),
    'org/team-c': users.slice(200, 320),
  };
  const permissions = Object.fromEntries(users.map((user, index) => [user, index % 3 === 0 ? 'write' : 'read'] as const));
  const codeowners = Array.from({ length: 60 }, (_, index) => `src/module-${index}/ @u${index * 3} @org/team-a`).join('\n');
  return {
    repo: { owner: 'org', name: 'repo' },
    run: { id: 'bench', started_at: new Date(START).toISOString() },
    pr: {
      number: 1,
      title: 'Large change',
      body: 'amount: 25,000\nrisk: high',
      author: 'author',
      base: 'main',
      head: 'feature',
      head_sha: 'a'.repeat(40),
      draft: false,
      labels: ['risk:high'],
      files: Array.from({ length: files }, (_, index) => ({ path: `src/module-${index % 80}/file-${index}.ts`, additions: 5, deletions: 2 })),
      committers: ['author'],
      teams,
      permissions,
      codeowners,
    },
    events,
  };
}

/** Times evaluate(); `input` gives the facts for each iteration (the same object: warm; a new one: cold). */
function measure(input: Facts | ((iteration: number) => Facts), iterations: number): { p50: number; p99: number; mean: number; status: string } {
  const now = START + (HOURS + 1) * 3600_000;
  const factsFor = typeof input === 'function' ? input : () => input;
  let status = '';
  for (let index = 0; index < 20; index += 1) status = evaluate(flow, factsFor(-1 - index), now).run.status;
  const samples: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const facts = factsFor(index);
    const began = performance.now();
    evaluate(flow, facts, now);
    samples.push(performance.now() - began);
  }
  samples.sort((a, b) => a - b);
  const at = (quantile: number) => samples[Math.min(samples.length - 1, Math.floor(quantile * samples.length))]!;
  return { p50: at(0.5), p99: at(0.99), mean: samples.reduce((sum, sample) => sum + sample, 0) / samples.length, status };
}

const ms = (value: number) => `${value.toFixed(2)} ms`.padStart(9);

// Garbage collections, as Node reports them: the tail of the timings is mostly these pauses.
const collections: { kind: number; duration: number }[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) collections.push({ kind: (entry as unknown as { detail: { kind: number } }).detail.kind, duration: entry.duration });
}).observe({ entryTypes: ['gc'] });
/** The collections during `run` (the observer reports them a moment after, on a timer's turn of the event loop). */
async function withCollections<T>(run: () => T): Promise<{ result: T; gc: string }> {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
  await settle();
  collections.length = 0;
  const result = run();
  await settle();
  const minor = collections.filter((entry) => entry.kind === constants.NODE_PERFORMANCE_GC_MINOR);
  const major = collections.filter((entry) => entry.kind !== constants.NODE_PERFORMANCE_GC_MINOR);
  const max = (entries: typeof collections) => entries.reduce((longest, entry) => Math.max(longest, entry.duration), 0);
  const median = (entries: typeof collections) => entries.map((entry) => entry.duration).sort((a, b) => a - b)[entries.length >> 1] ?? 0;
  return { result, gc: `GC: ${minor.length} scavenges (median ${median(minor).toFixed(2)} ms, longest ${max(minor).toFixed(2)} ms), ${major.length} other (longest ${max(major).toFixed(2)} ms)` };
}
const BASE = { reviews: 300, comments: 1000, files: 3000 };
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 400);

console.log(`flowgate engine benchmark: node ${process.version}, ${ITERATIONS} evaluations per row, one core`);
console.log(`load average at the start: ${loadavg().map((load) => load.toFixed(2)).join(', ')} (the timings are only comparable on an idle machine)\n`);
const baseFacts = facts(BASE.reviews, BASE.comments, BASE.files);
const { result: base, gc: baseGc } = await withCollections(() => measure(baseFacts, ITERATIONS));
const heap = process.memoryUsage().heapUsed / 1024 / 1024;
console.log(`20-step flow, ${BASE.reviews} reviews, ${BASE.comments} comments, ${BASE.files} files (run ${base.status}):`);
console.log(`  p50 ${ms(base.p50)}   p99 ${ms(base.p99)}   mean ${ms(base.mean)}   heap ${heap.toFixed(0)} MiB   target p99 < 5 ms: ${base.p99 < 5 ? 'met' : 'MISSED'}`);
console.log(`  ${baseGc}\n`);

// Cold: a new snapshot each time, as when a PR's head moves. Each snapshot is built just
// before its evaluation (untimed) and dropped after it, as a server builds one per event:
// building all of them first kept 100 snapshots of 3,000 files alive through the timed loop,
// and every scavenge copied them, a pause no server has. Its file list is parsed from JSON,
// as a server reads it from GitHub's answer: new objects and new path strings, never hashed.
// The code owners of a list of paths under one CODEOWNERS are remembered across snapshots
// (they cannot change), so this is a new snapshot of a file list seen before, as every event
// on a head and a push touching the same files are; `first sight` gives every snapshot paths
// never seen, the cost of a PR's first evaluation or of a push that touches another file.
let sights = 0;
function measureCold(template: Facts, iterations: number, unseen = false) {
  const fresh = () => {
    sights += 1;
    const listed = unseen ? template.pr.files.map((file) => ({ ...file, path: file.path.replace('.ts', `-${sights}.ts`) })) : template.pr.files;
    const files = JSON.parse(JSON.stringify(listed)) as Facts['pr']['files'];
    return { ...template, pr: { ...template.pr, files } };
  };
  return measure(fresh, iterations);
}
const coldFacts = facts(BASE.reviews, BASE.comments, BASE.files);
const { result: cold, gc: coldGc } = await withCollections(() => measureCold(coldFacts, ITERATIONS));
console.log(`cold (a new snapshot of the same ${BASE.files} files, their code owners under this CODEOWNERS remembered):`);
console.log(`  p50 ${ms(cold.p50)}   p99 ${ms(cold.p99)}   mean ${ms(cold.mean)}   target p99 < 5 ms: ${cold.p99 < 5 ? 'met' : 'MISSED'}`);
console.log(`  ${coldGc}, counting the building of each new snapshot (untimed, just before its evaluation)\n`);
const { result: firstSight, gc: firstSightGc } = await withCollections(() => measureCold(coldFacts, ITERATIONS, true));
console.log(`first sight (a new snapshot of ${BASE.files} files never seen: CODEOWNERS matched against every one):`);
console.log(`  p50 ${ms(firstSight.p50)}   p99 ${ms(firstSight.p99)}   mean ${ms(firstSight.mean)}`);
console.log(`  ${firstSightGc}, counting the building of each new snapshot\n`);

// The steady state: each event of a PR re-evaluates it with the verdicts already given, so most decisions are replayed, not judged.
const judgedFacts = { ...baseFacts, verdicts: evaluate(flow, baseFacts, START + (HOURS + 1) * 3600_000).verdicts };
const { result: replayed, gc: replayedGc } = await withCollections(() => measure(judgedFacts, ITERATIONS));
console.log(`replayed (every decision judged before, its verdict stored: an event's usual evaluation):`);
console.log(`  p50 ${ms(replayed.p50)}   p99 ${ms(replayed.p99)}   mean ${ms(replayed.mean)}`);
console.log(`  ${replayedGc}\n`);

console.log('growth (others held at the base size; files measured at first sight, since warm or cold they cost little):');
console.log(`  ${'dimension'.padEnd(10)} ${'size'.padStart(6)} ${'p50'.padStart(9)} ${'p99'.padStart(9)}   p50 per unit vs. base size`);
for (const dimension of ['reviews', 'comments', 'files'] as const) {
  for (const factor of [0.25, 0.5, 1, 2, 4]) {
    const sizes = { ...BASE, [dimension]: Math.round(BASE[dimension] * factor) };
    const input = facts(sizes.reviews, sizes.comments, sizes.files);
    const iterations = Math.max(50, Math.round(ITERATIONS / 4));
    const result = dimension === 'files' ? (factor === 1 ? firstSight : measureCold(input, iterations, true)) : factor === 1 ? base : measure(input, iterations);
    const events = sizes.reviews + sizes.comments;
    const unit = dimension === 'files' ? sizes.files : events;
    const baseUnit = dimension === 'files' ? BASE.files : BASE.reviews + BASE.comments;
    const reference = dimension === 'files' ? firstSight : base;
    console.log(`  ${dimension.padEnd(10)} ${String(sizes[dimension]).padStart(6)} ${ms(result.p50)} ${ms(result.p99)}   ${((result.p50 / unit) / (reference.p50 / baseUnit)).toFixed(2)}x`);
  }
}
