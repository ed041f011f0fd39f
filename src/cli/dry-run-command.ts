/**
 * `flowgate dry-run --flows <dir> --prs <file|github>`: the draft flows in a
 * directory and the live ones (a directory, or a git ref: HEAD by default),
 * each evaluated with the engine against recorded pull requests (a
 * `flowgate.dry-run-prs/v1` file) or the last closed PRs on GitHub. Exits 0
 * when no PR's outcome would differ, 9 when one would, 3 when a draft file is
 * invalid, 2 for bad arguments or an unreadable facts file, 8 when GitHub
 * refused or could not be reached.
 */
import { readFile, stat } from 'node:fs/promises';
import { Octokit } from '@octokit/rest';
import { compileFlow } from '../flow/compile.js';
import { DEFAULT_FLOWS_DIR } from '../flow/flows-dir.js';
import { formatProblem } from '../flow/problem.js';
import type { DryRunCase, FlowVersion } from '../release/contract.js';
import { dryRun, renderDryRunText } from '../release/dry-run.js';
import { dryRunCounts } from '../release/dry-run-render.js';
import { parseRecordedFacts } from '../release/facts-file.js';
import { MAX_DRY_RUN_PRS } from '../release/config.js';
import { statusOf, type GitHubClient } from '../github/client.js';
import { GitHubCache } from '../github/facts/cache.js';
import { needsOf } from '../github/facts/gather.js';
import { closedCases } from '../github/releases/draft-cases.js';
import { requestTimeoutFromEnv, timedFetch } from '../github/transport/timeout.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { causeOf, CliFailure, isUnanswered, reporting } from './failure.js';
import { readFlowFiles } from './flow-files.js';
import { flowsAtRef, gitTop } from './git-flows.js';
import type { CliIO } from './io.js';

export interface DryRunOptions {
  flows: string;
  prs: string;
  live?: string;
  dir?: string;
  repo?: string;
  limit?: string;
  json: boolean;
  token?: string | undefined;
  apiUrl: string;
  cwd?: string;
  now?: number;
}

export async function dryRunCommand(options: DryRunOptions, io: CliIO): Promise<number> {
  return reporting('dry-run', options.json, io, () => runDryRun(options, io));
}

async function runDryRun(options: DryRunOptions, io: CliIO): Promise<number> {
  const draft = await directoryVersion(options.flows, 'draft');
  const live = await liveVersion(options);
  const source = options.prs === 'github' ? await fromGitHub(options, [live, draft]) : { cases: await fromFile(options.prs), requests: undefined };
  const rows = dryRun(live, draft, source.cases);
  const counts = dryRunCounts(rows);
  const invalid = [...invalidOf('live', live), ...invalidOf('draft', draft)];
  const exitCode = invalid.some((entry) => entry.side === 'draft') ? ExitCode.invalidFlows : counts.differing > 0 ? ExitCode.changed : ExitCode.ok;
  if (options.json) {
    io.out(
      JSON.stringify(
        {
          schema: 'flowgate.dry-run/v1',
          live: { label: live.label, sha: live.sha },
          draft: { label: draft.label, sha: draft.sha },
          rows,
          summary: counts,
          invalid,
          source: { kind: options.prs === 'github' ? 'github' : 'file', ...(source.requests !== undefined ? { requests: source.requests } : {}) },
          exit_code: exitCode,
        },
        null,
        2,
      ),
    );
    return exitCode;
  }
  io.out(`Dry run: ${draft.label} against ${live.label}${source.requests !== undefined ? ` (${source.requests} request(s) to GitHub)` : ''}`);
  for (const entry of invalid) io.out(`${entry.side} ${entry.file} is invalid, its flow does not run: ${entry.errors[0] ?? ''}`);
  io.out(renderDryRunText(rows));
  return exitCode;
}

const invalidOf = (side: 'live' | 'draft', version: FlowVersion) =>
  version.files.filter((file) => !file.flow).map((file) => ({ side, file: file.file, errors: file.problems.filter((problem) => problem.severity === 'error').map(formatProblem) }));

async function directoryVersion(path: string, label: string): Promise<FlowVersion> {
  const { files, missing } = await readFlowFiles([path]);
  if (missing.length > 0) throw new UsageError(`${path} does not exist`);
  return { label: `${label} (${path})`, sha: 'working tree', files };
}

/** --live: a directory when one is there, else a git ref (HEAD when not given). */
async function liveVersion(options: DryRunOptions): Promise<FlowVersion> {
  const live = options.live ?? 'HEAD';
  const info = options.live !== undefined ? await stat(live).catch(() => undefined) : undefined;
  if (info?.isDirectory()) return directoryVersion(live, 'live');
  const top = await gitTop(options.cwd ?? process.cwd()).catch((error: unknown) => {
    throw new UsageError(`${(error as Error).message}; give the live flows with --live <dir>`);
  });
  return flowsAtRef(top, live, options.dir ?? DEFAULT_FLOWS_DIR);
}

async function fromFile(path: string): Promise<DryRunCase[]> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(`${path} does not exist or cannot be read`);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
  const parsed = parseRecordedFacts(value, path);
  if (!parsed.ok) throw new UsageError(`${path} is not a flowgate.dry-run-prs/v1 document (schemas/dry-run-prs.schema.json): ${parsed.problems.map((problem) => `${problem.path || '(root)'}: ${problem.message}`).join('; ')}`);
  return parsed.cases;
}

async function fromGitHub(options: DryRunOptions, versions: readonly FlowVersion[]): Promise<{ cases: DryRunCase[]; requests: number }> {
  const match = /^([\w.-]+)\/([\w.-]+)$/.exec(options.repo ?? '');
  if (!match) throw new UsageError(options.repo === undefined ? 'dry-run --prs github needs --repo <owner/name>' : `--repo ${options.repo}: expected owner/name`);
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DRY_RUN_PRS) throw new UsageError(`--limit ${options.limit}: expected a whole number from 1 to ${MAX_DRY_RUN_PRS}`);
  if (!options.token) throw new UsageError('dry-run --prs github needs a token: set GITHUB_TOKEN');
  let timeoutMs: number;
  try {
    timeoutMs = requestTimeoutFromEnv();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const quiet = () => {};
  const octokit = new Octokit({ log: { debug: quiet, info: quiet, warn: quiet, error: quiet }, auth: options.token, baseUrl: options.apiUrl, userAgent: 'flowgate-cli', request: { fetch: timedFetch(timeoutMs) } });
  const flows = versions.flatMap((version) => version.files.flatMap((file) => (file.flow ? [compileFlow(file.flow)] : [])));
  try {
    const found = await closedCases(octokit as unknown as GitHubClient, { owner: match[1]!, name: match[2]! }, limit, 0, needsOf(flows), { cache: new GitHubCache(), now: options.now ?? Date.now() });
    return { cases: found.past, requests: found.requests };
  } catch (error) {
    const url = new URL(options.apiUrl).origin;
    if (isUnanswered(error)) throw new CliFailure(ExitCode.github, { kind: 'unreachable', message: `could not reach GitHub at ${options.apiUrl}: ${causeOf(error)} (is --api-url right, and is the network up?)`, url });
    const code = statusOf(error);
    if (code === undefined && (error as { name?: string }).name !== 'GraphqlResponseError') throw error;
    const hint = code === 404 || code === 401 || code === 403 ? ` (is ${options.repo} right, and can the token read it?)` : '';
    throw new CliFailure(ExitCode.github, { kind: 'refused', message: `GitHub refused${code !== undefined ? ` (HTTP ${code})` : ''}: ${(error as Error).message}${hint}`, ...(code !== undefined ? { status: code } : {}), url });
  }
}
