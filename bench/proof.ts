/**
 * `npm run proof`: the real app against the sandbox under faults, kills,
 * duplicate deliveries, races, two replicas and fuzz; prints a table and writes
 * the figures to docs/reliability.md. Bounded in count and time (a few minutes
 * on two cores). Options: `--seed N`, `--only <name part>`, `--no-write`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { processFaults, SCENARIOS, type ScenarioResult, type Sizes } from './proof-scenarios.js';

const argv = process.argv.slice(2);
const option = (name: string) => {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? undefined : argv[at + 1];
};
const sizes: Sizes = { pulls: 12, copiesMax: 5, killPoints: 8, fuzz: 120, seed: Number(option('seed') ?? 20261124) };
const only = option('only');
/** No scenario may run longer than this; one that does is reported as such and the run goes on. */
const SCENARIO_LIMIT_MS = 150_000;

process.on('unhandledRejection', () => (processFaults.count += 1));
process.on('uncaughtException', () => (processFaults.count += 1));

const pct = (part: number, whole: number) => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 1)}%`);

async function main(): Promise<void> {
  const rows: (ScenarioResult & { seconds: number; what: string })[] = [];
  for (const scenario of SCENARIOS.filter((candidate) => !only || candidate.name.includes(only))) {
    process.stderr.write(`proof: ${scenario.name} …\n`);
    const started = Date.now();
    let result: ScenarioResult;
    try {
      let timer: NodeJS.Timeout | undefined;
      result = await Promise.race([
        scenario.run(sizes),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`did not finish in ${SCENARIO_LIMIT_MS / 1000} s`)), SCENARIO_LIMIT_MS))),
      ]).finally(() => clearTimeout(timer));
    } catch (error) {
      result = { name: scenario.name, tally: { runs: 0, correct: 0, duplicated: 0, lost: 0, unapproved: 0, crashes: 1, notes: [`the scenario failed: ${(error as Error).message}`] }, injected: 0 };
    }
    rows.push({ ...result, seconds: (Date.now() - started) / 1000, what: scenario.what });
  }
  const table = [
    '| scenario | runs | correct final state | effects duplicated | decisions lost | unapproved merges | crashes | faults injected | time |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map(({ name, tally, injected, skipped, seconds }) =>
      skipped ? `| ${name} | ${skipped} | | | | | | | |` : `| ${name} | ${tally.runs} | ${tally.correct} (${pct(tally.correct, tally.runs)}) | ${tally.duplicated} | ${tally.lost} | ${tally.unapproved} | ${tally.crashes} | ${injected} | ${seconds.toFixed(0)} s |`,
    ),
  ].join('\n');
  console.log(`\n${table}\n`);
  for (const row of rows) {
    if (row.tally.notes.length === 0) continue;
    console.log(`${row.name}:`);
    for (const note of row.tally.notes.slice(0, 12)) console.log(`  - ${note}`);
    if (row.tally.notes.length > 12) console.log(`  - … and ${row.tally.notes.length - 12} more`);
  }
  if (!argv.includes('--no-write') && !only) writeDoc(table, rows);
  process.exit(0);
}

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const FIGURES_START = '<!-- proof:figures -->';
const FIGURES_END = '<!-- /proof:figures -->';

/** Replaces the figures between the markers in docs/reliability.md; the text around them is written by hand. */
function writeDoc(table: string, rows: (ScenarioResult & { what: string })[]): void {
  const path = fileURLToPath(new URL('../docs/reliability.md', import.meta.url));
  const dirty = git('status', '--porcelain', '--untracked-files=no') ? ' (with uncommitted changes)' : '';
  const figures = [
    FIGURES_START,
    `Measured ${new Date().toISOString().slice(0, 10)} on commit \`${git('rev-parse', '--short', 'HEAD')}\`${dirty}, Node ${process.version}, seed ${sizes.seed}, ${sizes.pulls} PRs per scenario, ${sizes.fuzz} fuzzed inputs of each kind.`,
    '',
    table,
    '',
    ...rows.flatMap((row) => [
      `- **${row.name}**: ${row.what}`,
      ...row.tally.notes.slice(0, 8).map((note) => `  - ${note}`),
      ...(row.tally.notes.length > 8 ? [`  - … and ${row.tally.notes.length - 8} more`] : []),
    ]),
    FIGURES_END,
  ].join('\n');
  const current = readFileSync(path, 'utf8');
  const start = current.indexOf(FIGURES_START);
  const end = current.indexOf(FIGURES_END);
  const next = start === -1 || end === -1 ? `${current.trimEnd()}\n\n${figures}\n` : `${current.slice(0, start)}${figures}${current.slice(end + FIGURES_END.length)}`;
  writeFileSync(path, next);
  process.stderr.write(`proof: figures written to ${path}\n`);
}

await main();
