/**
 * `flowgate diff <ref-a> <ref-b>`: the semantic diff between the flows at two
 * refs of the local git repository, offline. Exits 0 when no flow does
 * anything differently, 9 when one does, 3 when a file of either version is
 * invalid (the diff is still printed), 2 for an unknown ref or no repository.
 */
import { DEFAULT_FLOWS_DIR } from '../flow/flows-dir.js';
import { diffFlowVersions, renderDiffText } from '../release/diff.js';
import type { FlowSetDiff } from '../release/contract.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { flowsAtRef, gitTop } from './git-flows.js';
import type { CliIO } from './io.js';

export interface DiffOptions {
  refs: readonly string[];
  dir?: string;
  json: boolean;
  cwd?: string;
}

/** 3 when a version cannot be read whole; else 9 when something changed; else 0. */
export function diffExitCode(diff: FlowSetDiff): number {
  if (diff.invalid.length > 0) return ExitCode.invalidFlows;
  return diff.flows.some((entry) => entry.kind !== 'unchanged') ? ExitCode.changed : ExitCode.ok;
}

export async function diffCommand(options: DiffOptions, io: CliIO): Promise<number> {
  if (options.refs.length !== 2) throw new UsageError(`diff needs two refs, <ref-a> <ref-b>; got ${options.refs.length}`);
  const top = await gitTop(options.cwd ?? process.cwd());
  const dir = options.dir ?? DEFAULT_FLOWS_DIR;
  const from = await flowsAtRef(top, options.refs[0]!, dir);
  const to = await flowsAtRef(top, options.refs[1]!, dir);
  const diff = diffFlowVersions(from, to);
  const exitCode = diffExitCode(diff);
  if (options.json) {
    const count = (kind: string) => diff.flows.filter((entry) => entry.kind === kind).length;
    io.out(
      JSON.stringify(
        {
          schema: 'flowgate.diff/v1',
          ...diff,
          summary: { added: count('added'), removed: count('removed'), changed: count('changed'), unchanged: count('unchanged'), invalid: diff.invalid.length },
          exit_code: exitCode,
        },
        null,
        2,
      ),
    );
  } else io.out(renderDiffText(diff));
  return exitCode;
}
