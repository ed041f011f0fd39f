/**
 * How a command fails. A command throws CliFailure; main prints it once: as
 * lines on stderr, or with --json as a `flowgate.error/v1` document on stdout,
 * so a script that asked for JSON always gets JSON.
 */
import type { Problem } from '../flow/problem.js';
import { ExitCode, UsageError } from './exit-codes.js';
import type { CliIO } from './io.js';

/**
 * - usage: bad arguments or an input file that is not there (exit 2)
 * - invalid-flows, invalid-scenario: the file:line problems are in `problems` (exit 3, 4)
 * - refused: GitHub or Flowgate answered, and said no; `status` is its HTTP status (exit 8)
 * - unreachable: no answer at all: connection refused, DNS, TLS, or the deadline passed (exit 8)
 * - internal: a bug (exit 1)
 */
export type FailureKind = 'usage' | 'invalid-flows' | 'invalid-scenario' | 'refused' | 'unreachable' | 'internal';

export interface FailureDetail {
  kind: FailureKind;
  message: string;
  /** The HTTP status of the answer; only for `refused`. */
  status?: number;
  /** Where the CLI tried to reach (origin only: no token); for `refused` and `unreachable`. */
  url?: string;
  problems?: Problem[];
}

export class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    readonly detail: FailureDetail,
    /** What a person reads on stderr; the message when not given. */
    readonly lines: readonly string[] = [`flowgate: ${detail.message}`],
  ) {
    super(detail.message);
  }
}

/** Any error a command threw, as a failure to report. */
export function failureOf(error: unknown, command: string | undefined): CliFailure {
  if (error instanceof CliFailure) return error;
  let message = (error as Error)?.message ?? String(error);
  const parseError = (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS') === true;
  // Node's own advice after the first sentence ("To specify a positional argument …") is noise here.
  if (parseError) message = message.split('. ')[0]!.replace(/\.$/, '');
  if (error instanceof UsageError || parseError) {
    const help = command ? `flowgate ${command} --help` : 'flowgate --help';
    return new CliFailure(ExitCode.usage, { kind: 'usage', message }, [`flowgate: ${message} (see ${help})`]);
  }
  return new CliFailure(ExitCode.internal, { kind: 'internal', message }, [`flowgate: internal error: ${(error as Error)?.stack ?? message}`]);
}

export function errorDocument(command: string | undefined, failure: CliFailure) {
  return { schema: 'flowgate.error/v1', ...(command ? { command } : {}), error: failure.detail, exit_code: failure.exitCode };
}

/**
 * A request that got no answer. Octokit wraps a failed fetch (and our
 * deadline) in a RequestError of status 500 that has no `response`: that is
 * not GitHub saying 500, and must not be reported as GitHub refusing.
 */
export function isUnanswered(error: unknown): boolean {
  const candidate = error as { name?: string; status?: unknown; response?: unknown } | null;
  if (!candidate || typeof candidate !== 'object') return false;
  if (candidate.name === 'AbortError' || candidate.name === 'TimeoutError' || candidate.name === 'RequestTimeout') return true;
  if (candidate.name === 'TypeError') return true; // fetch itself: "fetch failed"
  return candidate.name === 'HttpError' && candidate.response === undefined;
}

/** The reason under "fetch failed": ECONNREFUSED, ENOTFOUND … */
export function causeOf(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  let message = current?.message ?? String(error);
  while (current?.cause && typeof current.cause === 'object') {
    current = current.cause as { message?: string; cause?: unknown };
    if (current.message) message = current.message;
  }
  return message;
}

/** Prints a failure: lines on stderr, or with --json its document on stdout. Returns its exit code. */
export function reportFailure(failure: CliFailure, command: string | undefined, json: boolean, io: CliIO): number {
  if (json) io.out(JSON.stringify(errorDocument(command, failure), null, 2));
  else for (const line of failure.lines) io.err(line);
  return failure.exitCode;
}

/** Runs a command's body, reporting its CliFailure; usage errors and bugs go on up to main. */
export async function reporting(command: string, json: boolean, io: CliIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof CliFailure) return reportFailure(error, command, json, io);
    throw error;
  }
}
