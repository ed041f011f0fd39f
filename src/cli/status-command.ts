import { Octokit } from '@octokit/rest';
import { GitHubCache } from '../github/facts/cache.js';
import { statusOf, type GitHubClient } from '../github/client.js';
import { readStatus } from '../github/status.js';
import { requestTimeoutFromEnv, timedFetch } from '../github/transport/timeout.js';
import { versionText } from '../github/history/render.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { causeOf, CliFailure, isUnanswered, reporting } from './failure.js';
import type { CliIO } from './io.js';

export interface StatusOptions {
  repo: string;
  pr: string;
  json: boolean;
  token: string | undefined;
  apiUrl: string;
  /** The deadline of each request to GitHub; FLOWGATE_REQUEST_TIMEOUT (default 10s) when not given. */
  timeoutMs?: number;
}

const time = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** GitHub said no (it answered), or there was no answer at all: two different things to fix, so two messages. */
function githubFailure(error: unknown, options: StatusOptions, number: number): unknown {
  const url = new URL(options.apiUrl).origin;
  if (isUnanswered(error)) {
    return new CliFailure(ExitCode.github, { kind: 'unreachable', message: `could not reach GitHub at ${options.apiUrl}: ${causeOf(error)} (is --api-url right, and is the network up?)`, url });
  }
  const code = statusOf(error);
  const answered = code !== undefined || (error as { name?: string }).name === 'GraphqlResponseError';
  if (!answered) return error;
  const hint = code === 404 || code === 401 || code === 403 ? ` (is ${options.repo}#${number} right, and can the token read it?)` : '';
  const message = `GitHub refused${code !== undefined ? ` (HTTP ${code})` : ''}: ${(error as Error).message}${hint}`;
  return new CliFailure(ExitCode.github, { kind: 'refused', message, ...(code !== undefined ? { status: code } : {}), url });
}

export async function statusCommand(options: StatusOptions, io: CliIO, now = Date.now()): Promise<number> {
  return reporting('status', options.json, io, () => runStatusCommand(options, io, now));
}

async function runStatusCommand(options: StatusOptions, io: CliIO, now: number): Promise<number> {
  const match = /^([\w.-]+)\/([\w.-]+)$/.exec(options.repo);
  if (!match) throw new UsageError(`--repo ${options.repo}: expected owner/name`);
  const number = Number(options.pr);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`--pr ${options.pr}: expected a pull request number`);
  if (!options.token) throw new UsageError('status needs a token: set GITHUB_TOKEN');
  let timeoutMs = options.timeoutMs;
  try {
    timeoutMs ??= requestTimeoutFromEnv();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const repo = { owner: match[1]!, name: match[2]! };
  // Octokit's request log would print "POST /graphql - 500" for a refused connection; the failure is reported once, below.
  const quiet = () => {};
  const octokit = new Octokit({ log: { debug: quiet, info: quiet, warn: quiet, error: quiet }, auth: options.token, baseUrl: options.apiUrl, userAgent: 'flowgate-cli', request: { fetch: timedFetch(timeoutMs) } });
  let status: Awaited<ReturnType<typeof readStatus>>;
  try {
    status = await readStatus(octokit as unknown as GitHubClient, repo, number, new GitHubCache(), now);
  } catch (error) {
    throw githubFailure(error, options, number);
  }
  if (options.json) {
    io.out(
      JSON.stringify(
        {
          schema: 'flowgate.status/v1',
          repo: options.repo,
          pr: number,
          head: status.head,
          runs: status.runs.map((run) => ({
            flow: run.flow,
            id: run.id,
            version: run.version,
            ...(run.versionLabel ? { version_label: run.versionLabel } : {}),
            check_run: run.checkRun,
            run: run.evaluation.run,
            steps: run.evaluation.steps,
            decisions: run.evaluation.decisions,
          })),
          exit_code: ExitCode.ok,
        },
        null,
        2,
      ),
    );
    return ExitCode.ok;
  }
  io.out(`${options.repo}#${number} at ${status.head.slice(0, 7)}: ${status.runs.length === 0 ? 'no Flowgate runs' : `${status.runs.length} run(s)`}`);
  for (const { flow, id, version, versionLabel, checkRun, evaluation } of status.runs) {
    const { run } = evaluation;
    io.out(`\n${flow}: ${run.status}${run.reason ? ` (${run.reason})` : ''}   run ${id}, flows ${versionText({ ...(versionLabel ? { label: versionLabel } : {}), sha: version })}, started ${time(run.started_at)}`);
    for (const waiting of run.waiting_on) {
      const what = waiting.kind === 'approval' ? `${waiting.need} more approval(s) from ${waiting.approvers}` : `${waiting.kind.replace('_', ' ')}${waiting.name ? ` ${waiting.name}` : ''}${waiting.token_id ? ` (token ${waiting.token_id})` : ''}`;
      io.out(`  waiting in ${waiting.gate ? `${waiting.step}/${waiting.gate}` : waiting.step} for ${what}${waiting.deadline ? ` until ${time(waiting.deadline)}` : ''}`);
    }
    if (checkRun.url) io.out(`  check run: ${checkRun.url}`);
    for (const decision of evaluation.decisions.slice(-5)) io.out(`  ${time(decision.at)}  ${decision.actor} ${decision.decision} via ${decision.source}: ${decision.rule}`);
  }
  return ExitCode.ok;
}
