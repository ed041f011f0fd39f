import { readFile } from 'node:fs/promises';
import { readFlowFiles } from './flow-files.js';
import { formatProblem } from '../flow/problem.js';
import { parseScenario } from '../simulate/scenario.js';
import { renderSimulation } from '../simulate/render.js';
import { simulate, type Simulation } from '../simulate/simulate.js';
import { ExitCode, UsageError } from './exit-codes.js';
import type { CliIO } from './io.js';

export interface SimulateOptions {
  flows: string;
  scenario: string;
  json: boolean;
}

export async function simulateCommand(options: SimulateOptions, io: CliIO): Promise<number> {
  const { files, missing } = await readFlowFiles([options.flows]);
  if (missing.length > 0) throw new UsageError(`--flows ${options.flows}: no such file or directory`);
  const flowProblems = files.flatMap((file) => file.problems).filter((problem) => problem.severity === 'error');
  if (flowProblems.length > 0 || files.length === 0) {
    for (const problem of flowProblems) io.err(formatProblem(problem));
    if (files.length === 0) io.err(`no flow files in ${options.flows}`);
    return ExitCode.invalidFlows;
  }
  const text = await readFile(options.scenario, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--scenario ${options.scenario}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  const parsed = parseScenario(text, options.scenario);
  if (!parsed.ok) {
    for (const problem of parsed.problems) io.err(formatProblem(problem));
    return ExitCode.invalidScenario;
  }
  const names = files.map((file) => file.flow!.name);
  if (parsed.scenario.flow !== undefined && !names.includes(parsed.scenario.flow)) {
    io.err(formatProblem(parsed.problemAt(['flow'], `no flow named "${parsed.scenario.flow}" in ${options.flows}`, { expected: `one of ${names.join(', ')}` })));
    return ExitCode.invalidScenario;
  }
  const simulation = simulate(
    files.map((file) => ({ file: file.file, flow: file.flow! })),
    parsed.scenario,
    parsed.times,
  );
  const exitCode = exitCodeOf(simulation);
  if (options.json) io.out(JSON.stringify(simulationDocument(simulation, options.scenario, exitCode), null, 2));
  else io.out(renderSimulation(simulation, options.scenario));
  return exitCode;
}

export function exitCodeOf(simulation: Simulation): number {
  switch (simulation.outcome) {
    case 'declined':
      return ExitCode.declined;
    case 'failed':
    case 'cancelled':
      return ExitCode.failed;
    case 'waiting':
      return ExitCode.waiting;
    default:
      return ExitCode.ok;
  }
}

export function simulationDocument(simulation: Simulation, scenarioFile: string, exitCode: number) {
  return {
    schema: 'flowgate.simulation/v1',
    scenario: { name: simulation.scenario, file: scenarioFile },
    now: simulation.now,
    flows: simulation.flows,
    inputs: simulation.inputs,
    runs: simulation.runs.map((run) => ({ flow: run.flow, file: run.file, ...run.evaluation })),
    outcome: simulation.outcome,
    exit_code: exitCode,
  };
}
