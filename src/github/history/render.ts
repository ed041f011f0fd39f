/**
 * A run's history as GitHub shows it: the check run's output (every step, every
 * decision with its rule, every effect) and the sticky PR comment (a diagram of
 * the flow, who is awaited, the latest decisions). Pure: data in, Markdown out.
 */
import type { CompiledFlow } from '../../flow/compile.js';
import { transitionsOf } from '../../flow/compile.js';
import type { Evaluation, RunStatus } from '../../engine/state.js';
import { neutraliseMarkers } from './markers.js';

/** GitHub refuses a check run summary or text longer than this. */
export const CHECK_RUN_TEXT_LIMIT = 65_535;
export const STICKY_MARKER = '<!-- flowgate:sticky -->';

export type CheckConclusion = 'success' | 'failure' | 'cancelled';

export interface CheckRunOutput {
  name: string;
  status: 'in_progress' | 'completed';
  conclusion?: CheckConclusion;
  title: string;
  summary: string;
  text: string;
}

export interface HistoryLinks {
  pr: string;
  /** Where the whole record can be read when the summary is cut (the PR's checks tab, or a status page). */
  full?: string;
}

/** Every run's check run is named so; the app finds its runs by it. */
export const FLOWGATE_PREFIX = 'Flowgate: ';
export const checkRunName = (flow: string): string => `${FLOWGATE_PREFIX}${flow}`;

const CONCLUSIONS: Record<Exclude<RunStatus, 'waiting'>, CheckConclusion> = {
  succeeded: 'success',
  declined: 'failure',
  failed: 'failure',
  cancelled: 'cancelled',
};

/** The version of the flows a run obeys: the commit it is pinned to, and what that was called when the run started. */
export interface RunVersion {
  /** A release tag, or `default branch`; absent for runs recorded before versions had names. */
  label?: string;
  sha: string;
}

/** `flows/v1.2.0 at abc1234`, `live: default branch (no release yet) at abc1234`, or `commit abc1234`. */
export function versionText({ label, sha }: RunVersion): string {
  if (label === undefined) return `commit ${sha.slice(0, 7)}`;
  return `${label === 'default branch' ? 'live: default branch (no release yet)' : label} at ${sha.slice(0, 7)}`;
}

/** What a run looks like on its check run. */
export function checkRunOutput(evaluation: Evaluation, links: HistoryLinks, version?: RunVersion): CheckRunOutput {
  const { run } = evaluation;
  const base = { name: checkRunName(run.flow), title: titleOf(evaluation) };
  const summary = fit(summarySections(evaluation, links, version), links);
  const text = fit([historySection(evaluation, version)], links);
  return run.status === 'waiting'
    ? { ...base, status: 'in_progress', summary, text }
    : { ...base, status: 'completed', conclusion: CONCLUSIONS[run.status], summary, text };
}

export function titleOf({ run, decisions }: Evaluation): string {
  switch (run.status) {
    case 'waiting': {
      const first = run.waiting_on[0];
      if (!first) return 'Running';
      if (first.kind === 'approval') return `Waiting for ${first.need} more approval(s) from ${first.approvers}`;
      if (first.kind === 'callback') return `Waiting for a callback (${first.step})`;
      return `Waiting for ${first.kind.replace('_', ' ')}${first.name ? ` ${first.name}` : ''} (${first.step})`;
    }
    case 'declined': {
      const last = decisions.findLast((decision) => decision.counted && decision.decision === 'decline');
      return last ? `Declined by ${last.actor}` : 'Declined';
    }
    case 'succeeded':
      return run.approved_sha ? `Approved at ${run.approved_sha.slice(0, 7)}` : 'Succeeded';
    case 'failed':
      return `Failed: ${run.reason ?? 'see the history'}`;
    case 'cancelled':
      return `Cancelled: ${run.reason ?? ''}`;
  }
}

/** Markdown table cell: one line, pipes escaped, bounded. */
export function cell(text: unknown, length = 200): string {
  const line = String(text ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

const time = (iso: string | undefined): string => (iso ? `${iso.slice(0, 16).replace('T', ' ')}` : '');

function summarySections(evaluation: Evaluation, links: HistoryLinks, version?: RunVersion): string[] {
  const { run, steps, decisions, effects } = evaluation;
  const sections: string[] = [];
  sections.push(
    [
      `**${run.status}**${run.reason ? `: ${cell(run.reason, 500)}` : ''} · flow \`${run.flow}\` · run \`${run.id}\` · [pull request](${links.pr})`,
      // Only a run that succeeded has an approved commit to speak of: a declined run may hold an earlier gate's approval.
      `Started ${time(run.started_at)} UTC${run.ended_at ? `, ended ${time(run.ended_at)} UTC` : ''}${run.approved_sha && run.status === 'succeeded' ? ` · approved commit \`${run.approved_sha}\`` : ''}`,
      ...(version ? [`Version: ${versionText(version)} (the run keeps it until it ends; a newer release, or a tag moved or deleted, does not change it)`] : []),
    ].join('\n'),
  );
  if (run.waiting_on.length > 0) {
    sections.push(
      [
        '### Waiting on',
        ...run.waiting_on.map((waiting) => {
          const where = waiting.gate ? `${waiting.step}/${waiting.gate}` : waiting.step;
          const what =
            waiting.kind === 'approval' ? `${waiting.need} more approval(s) from ${waiting.approvers}` : `${waiting.kind.replace('_', ' ')}${waiting.name ? ` \`${waiting.name}\`` : ''}`;
          return `- **${cell(where)}**: ${cell(what, 500)}${waiting.deadline ? ` (until ${time(waiting.deadline)} UTC)` : ''}`;
        }),
      ].join('\n'),
    );
  }
  sections.push(
    [
      '### Steps',
      '| step | kind | status | attempts | started | ended | outputs |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...steps.map((step) => `| ${cell(step.name)} | ${step.kind} | ${stepStatus(run, step)} | ${step.attempts} | ${time(step.started_at)} | ${time(step.ended_at)} | ${cell(outputsOf(step.outputs))} |`),
    ].join('\n'),
  );
  const artifacts = steps.flatMap((step) => (Array.isArray(step.outputs.links) ? (step.outputs.links as { title: string; url: string }[]) : []));
  if (artifacts.length > 0) sections.push(['### Artifacts', ...artifacts.map((link) => `- [${cell(link.title)}](${link.url})`)].join('\n'));
  sections.push(
    [
      `### Decisions (${decisions.length})`,
      '| when | who | decision | via | commit | gate | counted | rule |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      // Newest first: when the table must be cut, the oldest rows go.
      ...[...decisions].reverse().map(
        (decision) =>
          `| ${time(decision.at)} | ${cell(decision.actor)} | ${decision.decision}${decision.reason ? `: ${cell(decision.reason, 120)}` : ''} | ${decision.source} | \`${decision.sha.slice(0, 7)}\` | ${cell(decision.gate)} | ${decision.counted ? 'yes' : decision.status} | ${cell(decision.rule, 300)} |`,
      ),
    ].join('\n'),
  );
  sections.push(
    [
      `### Effects (${effects.length})`,
      '| when | effect | status | cause |',
      '| --- | --- | --- | --- |',
      ...[...effects].reverse().map((effect) => `| ${time(effect.at)} | ${effect.type} | ${effect.status}${effect.error ? `: ${cell(effect.error, 120)}` : ''} | ${cell(effect.cause)} |`),
    ].join('\n'),
  );
  return sections;
}

export const NOT_REACHED = 'not reached';
export const STOPPED = 'stopped: run cancelled';

/**
 * A step's status as a reader should take it. A step the run never reached is
 * "pending" only while the run can still reach it; once the run has ended it never
 * will, and "pending" would tell a reader to wait. The step a cancelled run was in
 * (the PR was closed or merged outside the flow) did not fail: it was stopped.
 */
export function stepStatus(run: Pick<Evaluation['run'], 'status' | 'ended_at'>, step: Pick<Evaluation['steps'][number], 'status' | 'ended_at'>): string {
  if (step.status === 'pending' && run.status !== 'waiting') return NOT_REACHED;
  if (step.status === 'failed' && run.status === 'cancelled' && step.ended_at !== undefined && step.ended_at === run.ended_at) return STOPPED;
  return step.status.replace('_', ' ');
}

function outputsOf(outputs: Record<string, unknown>): string {
  return Object.entries(outputs)
    .filter(([key]) => key !== 'links')
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('; ');
}

function historySection(evaluation: Evaluation, version?: RunVersion): string {
  const pinned = version ? [`${time(evaluation.run.started_at)}  started on ${versionText(version)}`] : [];
  return ['### History', '```', ...[...evaluation.history].reverse().map((entry) => `${time(entry.at)}  ${entry.step ? `${entry.step}: ` : ''}${entry.text}`), ...pinned, '```'].join('\n');
}

/**
 * Joins sections within GitHub's limit. Tables are cut row by row from their end
 * (the oldest rows), and a note links to where the whole record can be read.
 */
export function fit(sections: readonly string[], links: HistoryLinks, limit = CHECK_RUN_TEXT_LIMIT): string {
  const whole = sections.join('\n\n');
  if (whole.length <= limit) return whole;
  const note = `\n\n> Cut to fit GitHub's ${limit.toLocaleString('en-US')}-character limit; newest entries first. The whole record: ${links.full ?? links.pr}`;
  const budget = limit - note.length;
  const lines = whole.split('\n');
  let length = whole.length;
  // Drop lines from the end of the longest section until it fits, keeping headers and fences.
  while (length > budget && lines.length > 0) {
    let index = lines.length - 1;
    while (index > 0 && (/^(#|```|\| ---)/.test(lines[index]!) || lines[index] === '')) index -= 1;
    const [removed] = lines.splice(index, 1);
    length -= (removed?.length ?? 0) + 1;
  }
  return `${lines.join('\n').slice(0, budget)}${note}`;
}

// ---------------------------------------------------------------- the sticky comment

export interface StickyRun {
  flow: CompiledFlow;
  evaluation: Evaluation;
  checkRunUrl?: string;
  /** The version the run obeys, in words (versionText). */
  version?: string;
}

/** The one comment Flowgate keeps on a PR, updated in place: the marker on its own line, then text in which no marker can hide. */
export function stickyComment(runs: readonly StickyRun[]): string {
  const parts = ['## Flowgate'];
  if (runs.length === 0) parts.push('No flow runs on this pull request.');
  for (const { flow, evaluation, checkRunUrl, version } of runs) {
    const { run } = evaluation;
    parts.push(`### ${flow.name}: ${titleOf(evaluation)}${checkRunUrl ? ` ([details](${checkRunUrl}))` : ''}`);
    if (version) parts.push(`Flows: ${version}`);
    parts.push(['```mermaid', mermaidDiagram(flow, evaluation), '```'].join('\n'));
    if (run.waiting_on.length > 0) {
      parts.push(
        run.waiting_on
          .map((waiting) =>
            waiting.kind === 'approval'
              ? `⏳ Waiting on ${waiting.approvers}: ${waiting.need} more approval(s)${waiting.deadline ? `, until ${time(waiting.deadline)} UTC` : ''}. Approve with a review, \`/approve\`, or the check run's button; decline with \`/decline <reason>\`.`
              : `⏳ Waiting for ${waiting.kind.replace('_', ' ')}${waiting.name ? ` \`${waiting.name}\`` : ''} in ${waiting.step}${waiting.deadline ? `, until ${time(waiting.deadline)} UTC` : ''}.`,
          )
          .join('\n'),
      );
    }
    const unreached = notReached(evaluation);
    if (unreached.length > 0) parts.push(`Run ${run.status}; ${NOT_REACHED}: ${unreached.map((name) => cell(name, 80)).join(', ')}.`);
    const latest = evaluation.decisions.slice(-5).reverse();
    if (latest.length > 0) {
      parts.push(['Latest decisions:', ...latest.map((decision) => `- ${time(decision.at)} @${decision.actor} ${decision.decision} via ${decision.source}: ${cell(decision.rule, 300)}`)].join('\n'));
    }
  }
  return `${STICKY_MARKER}\n\n${neutraliseMarkers(parts.join('\n\n'))}`;
}

/** The names of the steps a finished run never reached (none while it waits: it may still reach them). */
export function notReached({ run, steps }: Evaluation): string[] {
  return run.status === 'waiting' ? [] : steps.filter((step) => step.status === 'pending').map((step) => step.name);
}

const STEP_CLASS: Record<string, string> = {
  active: 'current',
  approved: 'passed',
  done: 'passed',
  routed: 'passed',
  declined: 'stopped',
  failed: 'stopped',
  timed_out: 'stopped',
};

/** A Mermaid flowchart of the flow, with the steps this run went through marked. */
export function mermaidDiagram(flow: CompiledFlow, evaluation: Evaluation): string {
  const ids = new Map(flow.steps.map((step, index) => [step.id, `s${index}`]));
  const label = (text: string) => `"${text.replace(/"/g, '#quot;')}"`;
  const lines = ['flowchart TD'];
  for (const step of flow.steps) {
    const id = ids.get(step.id)!;
    const text = label(step.name === step.id ? step.id : `${step.name}`);
    const shape = { route: `{${text}}`, approval: `[${text}]`, parallel: `[[${text}]]`, wait: `([${text}])`, actions: `[/${text}/]` }[step.kind];
    lines.push(`  ${id}${shape}`);
  }
  lines.push('  succeed((succeed))', '  fail((fail))');
  for (const step of flow.steps) {
    for (const [field, target] of transitionsOf(step)) {
      lines.push(`  ${ids.get(step.id)} -->|${field.replace(/^on_/, '')}| ${ids.get(target) ?? target}`);
    }
  }
  lines.push('  classDef current fill:#fff3b0,stroke:#d4a100,stroke-width:3px', '  classDef passed fill:#dcffe4,stroke:#28a745', '  classDef stopped fill:#ffdce0,stroke:#cb2431', '  classDef skipped fill:#f6f8fa,stroke:#d0d7de,color:#8c959f,stroke-dasharray:4 3');
  const finished = evaluation.run.status !== 'waiting';
  for (const step of evaluation.steps) {
    const style = STEP_CLASS[step.status] ?? (finished && step.status === 'pending' ? 'skipped' : undefined);
    if (style) lines.push(`  class ${ids.get(step.id)} ${style}`);
  }
  return lines.join('\n');
}
