/**
 * What the action leaves behind: its outputs (`GITHUB_OUTPUT`), the job
 * summary (`GITHUB_STEP_SUMMARY`: each run's history, the markdown its check
 * run shows), and workflow commands on stdout for a skip, a deferral or a failure.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { ActionReport } from './run.js';

/** GITHUB_TOKEN's budget: 1,000 requests an hour per repository. */
export const HOURLY_BUDGET = 1000;

/** The `runs` output: each run's flow, PR, status and the steps it waits on. */
export function runsOutput(report: ActionReport): string {
  return JSON.stringify(report.runs.map((run) => ({ flow: run.flow, id: run.id, ...(run.pr !== undefined ? { pr: run.pr } : {}), status: run.status, waiting_on: run.waitingOn ?? [] })));
}

/** `name<<DELIMITER` blocks, as GitHub reads GITHUB_OUTPUT; the delimiter is random so no value can end its block early. */
export function outputLines(outputs: Record<string, string>): string {
  return Object.entries(outputs)
    .map(([name, value]) => {
      const delimiter = `flowgate_${randomBytes(12).toString('hex')}`;
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join('');
}

export function requestsLine(report: ActionReport): string {
  const { sent, notModified, remaining, limit } = report.requests;
  const charged = sent - notModified;
  const left = remaining !== undefined ? `; GitHub says ${remaining} of ${limit ?? HOURLY_BUDGET} are left this hour` : '';
  return `${sent} API request(s), ${notModified} answered 304 (free): ${charged} of GITHUB_TOKEN's ${HOURLY_BUDGET} an hour${left}.`;
}

export function summaryMarkdown(report: ActionReport): string {
  const lines = [`# Flowgate: ${report.event}`, ''];
  if (report.result !== 'handled') lines.push(`**${report.result}**: ${report.reason ?? ''}`, '');
  if (report.callback) lines.push(`Callback: ${report.callback.status}${report.callback.error ? ` (${report.callback.error})` : ''}`, '');
  for (const run of report.runs) {
    lines.push(`## ${run.history?.title ?? `${run.flow}: ${run.status}`}`, '');
    if (run.history) lines.push(run.history.summary, '', run.history.text, '');
  }
  if (report.runs.length === 0 && report.result === 'handled') lines.push('No run changed.', '');
  lines.push(`<sub>${requestsLine(report)}</sub>`, '');
  return lines.join('\n');
}

/** Writes the outputs and the summary where the runner reads them, and says how it went on stdout. */
export function publish(report: ActionReport, paths: { outputPath?: string | undefined; summaryPath?: string | undefined }, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): void {
  if (paths.outputPath) {
    appendFileSync(paths.outputPath, outputLines({ result: report.result, runs: runsOutput(report), requests: String(report.requests.sent - report.requests.notModified) }));
  }
  if (paths.summaryPath) appendFileSync(paths.summaryPath, summaryMarkdown(report));
  for (const run of report.runs) write(`${run.flow} (${run.id}) on #${run.pr ?? '?'}: ${run.status}${run.waitingOn?.length ? `, waiting on ${run.waitingOn.join(', ')}` : ''}`);
  write(requestsLine(report));
  const escaped = (report.reason ?? '').replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  if (report.result === 'failed') write(`::error title=Flowgate::${escaped}`);
  else if (report.result === 'deferred' || report.result === 'forwarded') write(`::notice title=Flowgate::${escaped}`);
  else if (report.result === 'skipped') write(`Skipped: ${report.reason ?? ''}`);
}
