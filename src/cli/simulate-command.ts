import { readFile } from 'node:fs/promises';
import { readFlowFiles } from './flow-files.js';
import { formatProblem, type Problem } from '../flow/problem.js';
import { CliFailure, reporting } from './failure.js';
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
  return reporting('simulate', options.json, io, () => runSimulateCommand(options, io));
}

async function runSimulateCommand(options: SimulateOptions, io: CliIO): Promise<number> {
  const { files, missing } = await readFlowFiles([options.flows]);
  if (missing.length > 0) throw new UsageError(`--flows ${options.flows}: no such file or directory`);
  const flowProblems = files.flatMap((file) => file.problems).filter((problem) => problem.severity === 'error');
  if (files.length === 0) throw new CliFailure(ExitCode.invalidFlows, { kind: 'invalid-flows', message: `no flow files in ${options.flows}`, problems: [] });
  if (flowProblems.length > 0) {
    const message = `${flowProblems.length} error(s) in the flows; nothing was simulated`;
    throw new CliFailure(ExitCode.invalidFlows, { kind: 'invalid-flows', message, problems: flowProblems }, flowProblems.map(formatProblem));
  }
  const text = await readFile(options.scenario, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--scenario ${options.scenario}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  const parsed = parseScenario(text, options.scenario);
  if (!parsed.ok) throw invalidScenario(parsed.problems);
  const names = files.map((file) => file.flow!.name);
  if (parsed.scenario.flow !== undefined && !names.includes(parsed.scenario.flow)) {
    throw invalidScenario([parsed.problemAt(['flow'], `no flow named "${parsed.scenario.flow}" in ${options.flows}`, { expected: `one of ${names.join(', ')}` })]);
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

function invalidScenario(problems: Problem[]): CliFailure {
  const errors = problems.filter((problem) => problem.severity === 'error').length;
  return new CliFailure(ExitCode.invalidScenario, { kind: 'invalid-scenario', message: `${errors} error(s) in the scenario; nothing was simulated`, problems }, problems.map(formatProblem));
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
