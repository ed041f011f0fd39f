/**
 * The one check branch protection can require: `Flowgate`, on the head of every
 * PR in a repository with flows, whether or not a flow applies. A per-flow check
 * (`Flowgate: <flow>`) exists only when its flow starts, so requiring one of
 * those leaves a PR no flow matches waiting forever; this one is always posted.
 *
 * It fails closed: an invalid live policy, or any run that failed, was declined
 * or was cancelled, is a failure; a run still waiting keeps it in progress.
 * Written only when what it shows changes (a digest in its text), and at most
 * one per head commit: it is found on the head like the runs (findAllRuns).
 */
import { createHash } from 'node:crypto';
import type { Problem } from '../../flow/problem.js';
import type { RunStatus } from '../../engine/state.js';
import type { GitHubClient, RepoRef } from '../client.js';
import { generationOf } from '../run-identity.js';
import { writeAnnotatedCheck } from './check-writer.js';

export const SUMMARY_CHECK = 'Flowgate';
export const SUMMARY_EXTERNAL_ID = 'flowgate';
export { ANNOTATIONS_PER_REQUEST } from './check-writer.js';
/** Beyond this many the summary still lists every problem, but no more requests are spent on annotations. */
export const MAX_ANNOTATIONS = 150;
const DIGEST = /<!-- flowgate:summary ([\w-]+)(?: annotated ([\w-]+))? -->/;

/** The `Flowgate` check found on a head commit. */
export interface FoundSummary {
  id: number;
  text: string | null;
}

/** An invalid live policy: where it was read and what is wrong with it. */
export interface PolicyProblems {
  /** The branch or tag the live flows came from, and the commit it was at. */
  ref: string;
  commit: string;
  problems: Problem[];
}

export interface SummaryRun {
  flow: string;
  status: RunStatus;
  url?: string;
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'failure';
  title: string;
  message: string;
}

export interface SummaryOutput {
  status: 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure';
  title: string;
  summary: string;
  annotations: Annotation[];
}

const STATUS_WORD: Record<RunStatus, string> = { waiting: 'waiting', succeeded: 'succeeded', declined: 'declined', failed: 'failed', cancelled: 'cancelled' };

/**
 * The runs the check speaks for: of each flow, those of its latest reopen
 * generation, so a run cancelled when the PR was closed does not fail the run
 * that started afresh when it was reopened.
 */
export function currentRuns<T extends { flow: string; id: string }>(runs: readonly T[]): T[] {
  const latest = new Map<string, number>();
  for (const run of runs) latest.set(run.flow, Math.max(latest.get(run.flow) ?? 0, generationOf(run.id)));
  return runs.filter((run) => generationOf(run.id) === latest.get(run.flow));
}

/** What the `Flowgate` check shows for the runs on a head and the live policy; pure. */
export function summaryOf(runs: readonly SummaryRun[], policy?: PolicyProblems): SummaryOutput {
  const lines = runs.map((run) => `- ${run.url ? `[${run.flow}](${run.url})` : `**${run.flow}**`}: ${STATUS_WORD[run.status]}`);
  if (policy && policy.problems.length > 0) {
    const files = new Set(policy.problems.map((problem) => problem.file)).size;
    const listed = policy.problems.map((problem) => `- \`${where(problem)}\`: ${describe(problem)}`);
    return {
      status: 'completed',
      conclusion: 'failure',
      title: `The live flows are invalid: ${count(policy.problems.length, 'problem')} in ${count(files, 'file')}`,
      summary: [
        `Flowgate reads its flows from \`${policy.ref}\` (at ${policy.commit.slice(0, 7)}), and some of them are invalid. This check fails until they are fixed: no run starts from an invalid file, and a policy Flowgate cannot read never passes a pull request.`,
        '',
        ...listed,
        ...(lines.length > 0 ? ['', 'The runs on this pull request (each under the flows it started with):', ...lines] : []),
      ].join('\n'),
      annotations: policy.problems.slice(0, MAX_ANNOTATIONS).map(annotationOf),
    };
  }
  if (runs.length === 0) {
    return { status: 'completed', conclusion: 'success', title: 'No flow applies', summary: 'No flow of this repository starts on this pull request.', annotations: [] };
  }
  const tally = (['waiting', 'succeeded', 'declined', 'failed', 'cancelled'] as const).map((status) => [status, runs.filter((run) => run.status === status).length] as const).filter(([, n]) => n > 0);
  const title = `${count(runs.length, 'run')}: ${tally.map(([status, n]) => `${n} ${STATUS_WORD[status]}`).join(', ')}`;
  const summary = lines.join('\n');
  // A cancelled run passes nothing: only runs that succeeded do.
  if (runs.some((run) => run.status === 'failed' || run.status === 'declined' || run.status === 'cancelled')) return { status: 'completed', conclusion: 'failure', title, summary, annotations: [] };
  if (runs.some((run) => run.status === 'waiting')) return { status: 'in_progress', title, summary, annotations: [] };
  return { status: 'completed', conclusion: 'success', title, summary, annotations: [] };
}

/**
 * Writes the `Flowgate` check on `sha` when it is absent or shows something else.
 * Returns the requests it made, and the check as it now is, for a later write in the same event.
 */
export async function writeSummaryCheck(gh: GitHubClient, repo: RepoRef, sha: string, output: SummaryOutput, found: FoundSummary | undefined, now: number): Promise<{ requests: number; found: FoundSummary }> {
  const digest = digestOf(output);
  const known = DIGEST.exec(found?.text ?? '');
  if (found && known?.[1] === digest) return { requests: 0, found };
  // GitHub appends the annotations of every update: the same ones are sent once, not again with each change of the runs.
  const annotated = output.annotations.length > 0 ? digestOf(output.annotations) : undefined;
  const text = `<!-- flowgate:summary ${digest}${annotated ? ` annotated ${annotated}` : ''} -->`;
  const send = found && annotated && known?.[2] === annotated ? { ...output, annotations: [] } : output;
  // A check cut short holds some of these annotations, and says how many in its text: the writer sends only the rest.
  const written = await writeAnnotatedCheck(gh, repo, { name: SUMMARY_CHECK, external_id: SUMMARY_EXTERNAL_ID, sha, output: send, text, now, ...(found ? { found: { id: found.id, text: found.text ?? null } } : {}) });
  return { requests: written.requests, found: { id: written.id, text } };
}

/**
 * Closes a `Flowgate` check a push left in progress on a commit the PR moved past, as the runs' own check runs are
 * (check-runs.ts's supersede): otherwise that commit shows a pending check for ever. Its text is emptied, so a force
 * push back to that commit writes the check afresh.
 */
export async function supersedeSummary(gh: GitHubClient, repo: RepoRef, id: number, head: string, now: number): Promise<void> {
  await gh.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
    owner: repo.owner,
    repo: repo.name,
    check_run_id: id,
    status: 'completed',
    conclusion: 'neutral',
    completed_at: new Date(now).toISOString(),
    output: { title: `Moved to ${head.slice(0, 7)}`, summary: `A push moved this pull request to ${head}; its \`${SUMMARY_CHECK}\` check is there.`, text: '' },
    actions: [],
  });
}

/** Only errors make a file invalid; a warning does not stop it running. */
export function policyProblems(ref: string, set: { commit: string; files: readonly { flow?: unknown; problems: readonly Problem[] }[] } | undefined): PolicyProblems | undefined {
  const problems = (set?.files ?? []).filter((file) => !file.flow).flatMap((file) => file.problems.filter((problem) => problem.severity === 'error'));
  return set && problems.length > 0 ? { ref, commit: set.commit, problems } : undefined;
}

function annotationOf(problem: Problem): Annotation {
  const line = problem.line ?? 1;
  return {
    path: problem.file ?? '.github/flows',
    start_line: line,
    end_line: line,
    ...(problem.col !== undefined ? { start_column: problem.col, end_column: problem.col } : {}),
    annotation_level: 'failure',
    title: `Invalid flow (${problem.code})`,
    message: describe(problem),
  };
}

function where(problem: Problem): string {
  return [problem.file ?? '.github/flows', problem.line, problem.col].filter((part) => part !== undefined).join(':');
}

function describe(problem: Problem): string {
  return [problem.message, problem.expected ? `expected ${problem.expected}` : '', problem.found ? `found ${problem.found}` : ''].filter(Boolean).join('; ');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function digestOf(output: unknown): string {
  return createHash('sha256').update(JSON.stringify(output)).digest('base64url').slice(0, 22);
}
