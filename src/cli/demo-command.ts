/**
 * `flowgate demo`: plays every example scenario in examples/ and prints what
 * happened. No credentials, no network.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateCommand } from './simulate-command.js';
import { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';

/** Relative to where the user is when the examples are below it (a clone); else absolute (an installed package). */
const shown = (path: string): string => {
  const near = relative(process.cwd(), path);
  return near.startsWith('..') || isAbsolute(near) ? path : near;
};

export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples', import.meta.url));

export async function demoCommand(io: CliIO): Promise<number> {
  // A flow example is a folder with a flow.yml (examples/workflows holds the Action's workflow, not a flow).
  const examples = (await readdir(EXAMPLES_DIR, { withFileTypes: true })).filter((entry) => entry.isDirectory() && existsSync(join(EXAMPLES_DIR, entry.name, 'flow.yml'))).map((entry) => entry.name).sort();
  const results: { scenario: string; code: number }[] = [];
  for (const example of examples) {
    const dir = join(EXAMPLES_DIR, example);
    const scenarios = (await readdir(join(dir, 'scenarios'))).filter((name) => name.endsWith('.yml')).sort();
    for (const scenario of scenarios) {
      const file = join(dir, 'scenarios', scenario);
      io.out(`\n${'='.repeat(100)}`);
      const code = await simulateCommand({ flows: shown(join(dir, 'flow.yml')), scenario: shown(file), json: false }, io);
      results.push({ scenario: `${example}/${scenario}`, code });
    }
  }
  const names: Record<number, string> = { 0: 'succeeded', 5: 'declined', 6: 'failed', 7: 'waiting' };
  const outcomes = results.map((result) => names[result.code] ?? `exit ${result.code}`);
  io.out(`\n${'='.repeat(100)}\nPlayed ${results.length} scenarios from examples/:`);
  results.forEach((result, index) => io.out(`  ${outcomes[index]!.padEnd(10)} ${result.scenario}`));
  // Every scenario is counted once: the counts add up to the scenarios played.
  const counts = [...new Set(outcomes)].map((outcome) => `${outcomes.filter((candidate) => candidate === outcome).length} ${outcome}`);
  io.out(`${counts.join(' + ')} = ${results.length} scenarios.`);
  io.out('These ran through the simulator (the engine alone). To watch the real app on a local GitHub sandbox, run `npm run demo` in a clone.');
  const broken = results.filter((result) => ![0, 5, 6, 7].includes(result.code));
  return broken.length > 0 ? ExitCode.internal : ExitCode.ok;
}
