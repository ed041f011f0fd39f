/**
 * What the `Flowgate: draft` check shows, as data: the draft's problems as
 * annotations at file:line:col, the semantic diff against live and the dry run
 * in the summary, and a conclusion. Pure, so tests read it without GitHub.
 */
import type { Problem } from '../../flow/problem.js';
import type { DryRunRow, FlowSetDiff } from '../../release/contract.js';
import { markdownText, renderDiffMarkdown } from '../../release/diff-render.js';
import { dryRunCounts, renderDryRunMarkdown } from '../../release/dry-run-render.js';

/** Beyond this many, the summary counts the rest and no more requests are spent on annotations. */
export const MAX_DRAFT_ANNOTATIONS = 250;
/** GitHub's limit on a check run's summary. */
const MAX_SUMMARY = 65_000;

export interface DraftAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'failure' | 'warning';
  title: string;
  message: string;
}

export interface DraftOutput {
  conclusion: 'success' | 'neutral' | 'failure';
  title: string;
  summary: string;
  annotations: DraftAnnotation[];
}

export interface DraftReport {
  /** The draft's problems, errors and warnings, every file (the config file's too). */
  problems: Problem[];
  diff: FlowSetDiff;
  rows: DryRunRow[];
  /** What the past PRs' facts cost: requests spent now, and PRs whose facts came from the cache. */
  cost: { requests: number; cached: number; pastPrs: number };
}

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function draftOutput(report: DraftReport): DraftOutput {
  const errors = report.problems.filter((problem) => problem.severity === 'error');
  const warnings = report.problems.filter((problem) => problem.severity === 'warning');
  const changed = report.diff.flows.filter((entry) => entry.kind !== 'unchanged').length;
  const { checked, differing } = dryRunCounts(report.rows);
  const conclusion = errors.length > 0 ? 'failure' : changed > 0 ? 'neutral' : 'success';
  const title =
    conclusion === 'failure'
      ? `The draft is invalid: ${count(errors.length, 'error')} in ${count(new Set(errors.map((problem) => problem.file)).size, 'file')}`
      : changed > 0
        ? `The draft changes ${count(changed, 'flow')}: ${differing} of ${count(checked, 'PR')} would differ`
        : 'The draft changes no flow';
  const annotations = report.problems.slice(0, MAX_DRAFT_ANNOTATIONS).map(annotationOf);
  const summary = [
    `This pull request edits the flows. A draft never takes effect: runs on this pull request and on every other follow the live flows (**${markdownText(report.diff.from.label)}**, \`${report.diff.from.sha.slice(0, 7)}\`) until a release promotes it.`,
    '',
    '### Validation',
    errors.length + warnings.length === 0 ? 'Every file is valid.' : `${count(errors.length, 'error')}, ${count(warnings.length, 'warning')} (annotated at file:line):`,
    ...report.problems.slice(0, 100).map((problem) => `- \`${problem.file ?? ''}:${problem.line ?? 1}:${problem.col ?? 1}\` ${problem.severity}: ${markdownText(problem.message)}`),
    ...(report.problems.length > 100 ? [`- … and ${report.problems.length - 100} more`] : []),
    ...(report.problems.length > MAX_DRAFT_ANNOTATIONS ? [`Only the first ${MAX_DRAFT_ANNOTATIONS} are annotated.`] : []),
    '',
    '### Semantic diff against live',
    renderDiffMarkdown(report.diff),
    '',
    '### Dry run',
    'The live flows and the draft, each evaluated against this pull request and recently closed ones (each at the time it closed).',
    '',
    renderDryRunMarkdown(report.rows),
    '',
    `Facts of ${count(report.cost.pastPrs, 'closed PR')}: ${count(report.cost.requests, 'request')} to GitHub, ${report.cost.cached} from the cache.`,
  ].join('\n');
  return { conclusion, title, summary: summary.length > MAX_SUMMARY ? `${summary.slice(0, MAX_SUMMARY - 1)}…` : summary, annotations };
}

function annotationOf(problem: Problem): DraftAnnotation {
  const line = problem.line ?? 1;
  const message = [problem.message, problem.expected ? `expected ${problem.expected}` : '', problem.found ? `found ${problem.found}` : ''].filter(Boolean).join('; ');
  return {
    path: problem.file ?? '.github/flows',
    start_line: line,
    end_line: line,
    ...(problem.col !== undefined ? { start_column: problem.col, end_column: problem.col } : {}),
    annotation_level: problem.severity === 'error' ? 'failure' : 'warning',
    title: `${problem.severity === 'error' ? 'Invalid' : 'Warning in'} flow (${problem.code})`,
    message,
  };
}
