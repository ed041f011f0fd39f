import { DEFAULT_FLOWS_DIR } from '../flow/flows-dir.js';
import { readFlowFiles } from './flow-files.js';
import { formatProblem } from '../flow/problem.js';
import { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';
import type { RunMode } from '../flow/action-mode.js';

export async function validateCommand(paths: readonly string[], options: { json: boolean; mode?: RunMode }, io: CliIO): Promise<number> {
  const targets = paths.length > 0 ? paths : [DEFAULT_FLOWS_DIR];
  const { files, missing } = await readFlowFiles(targets, options.mode ? { mode: options.mode } : {});
  const problems = files.flatMap((file) => file.problems);
  const errors = problems.filter((problem) => problem.severity === 'error').length;
  const warnings = problems.length - errors;
  const exitCode = missing.length > 0 ? ExitCode.usage : errors > 0 ? ExitCode.invalidFlows : ExitCode.ok;
  if (options.json) {
    io.out(
      JSON.stringify(
        {
          schema: 'flowgate.validation/v1',
          ok: exitCode === ExitCode.ok,
          files: files.map((file) => ({
            file: file.file,
            ...(file.flow ? { flow: file.flow.name } : {}),
            valid: file.flow !== undefined,
            problems: file.problems,
          })),
          missing,
          summary: { files: files.length, errors, warnings },
          ...(missing.length > 0
            ? { error: { kind: 'usage', message: `no such file or directory: ${missing.join(', ')}` } }
            : errors > 0
              ? { error: { kind: 'invalid-flows', message: `${errors} error(s) in ${files.filter((file) => !file.flow).length} of ${files.length} flow file(s)` } }
              : {}),
          exit_code: exitCode,
        },
        null,
        2,
      ),
    );
    return exitCode;
  }
  for (const path of missing) io.err(`${path}: no such file or directory`);
  for (const problem of problems) io.out(formatProblem(problem));
  if (files.length === 0 && missing.length === 0) io.err(`no flow files (*.yml, *.yaml) in ${targets.join(', ')}`);
  const valid = files.filter((file) => file.flow).length;
  io.out(`${valid} of ${files.length} flow file(s) valid; ${errors} error(s), ${warnings} warning(s)`);
  return exitCode;
}
