/**
 * The readable timeline of a simulation: what happened, in order, then the
 * decision record and the effects of each run.
 */
import type { Evaluation } from '../engine/state.js';
import type { Simulation } from './simulate.js';

const clock = (iso: string): string => `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
const pad = (text: string, width: number): string => (text.length >= width ? text : text + ' '.repeat(width - text.length));

export function renderSimulation(simulation: Simulation, scenarioFile: string): string {
  const lines: string[] = [`Scenario: ${simulation.scenario} (${scenarioFile})`];
  for (const flow of simulation.flows) {
    lines.push(`  ${flow.matched ? 'starts ' : 'skipped'} ${flow.name} (${flow.file}): ${flow.reason}`);
  }
  if (simulation.runs.length === 0) lines.push('', 'No flow started for this PR.');
  for (const run of simulation.runs) {
    lines.push('', `Run ${run.evaluation.run.id}: flow ${run.flow}`, ...timeline(run.evaluation, simulation), '', ...summary(run.evaluation));
  }
  lines.push('', `Outcome: ${simulation.outcome}`);
  return lines.join('\n');
}

function timeline(evaluation: Evaluation, simulation: Simulation): string[] {
  // Inputs come before what the engine did about them at the same instant.
  const entries = [
    ...simulation.inputs.map((input, index) => ({ at: input.at, order: 0, index, text: `> ${input.text}` })),
    ...evaluation.history.map((entry, index) => ({ at: entry.at, order: 1, index, text: `${pad(entry.step ?? '', 16)} ${entry.text}` })),
  ].sort((a, b) => a.at.localeCompare(b.at) || a.order - b.order || a.index - b.index);
  return entries.map((entry) => `  ${clock(entry.at)}  ${entry.text}`);
}

function summary(evaluation: Evaluation): string[] {
  const { run } = evaluation;
  const lines = [`  Status: ${run.status}${run.reason ? ` (${run.reason})` : ''}`];
  for (const waiting of run.waiting_on) {
    const what =
      waiting.kind === 'approval'
        ? `${waiting.need} more approval(s) from ${waiting.approvers}`
        : waiting.kind === 'callback'
          ? `a callback (token ${waiting.token_id})`
          : `${waiting.kind}${waiting.name ? ` ${waiting.name}` : ''}`;
    lines.push(`  Waiting in ${waiting.gate ? `${waiting.step}/${waiting.gate}` : waiting.step} for ${what}${waiting.deadline ? ` until ${clock(waiting.deadline)}` : ''}`);
  }
  if (run.next_deadline) lines.push(`  Next timer: ${run.next_deadline}`);
  lines.push(`  Decisions (${evaluation.decisions.length}):`);
  for (const decision of evaluation.decisions) {
    const mark = decision.counted ? 'counted' : decision.status;
    lines.push(`    ${clock(decision.at)}  ${pad(mark, 11)} ${decision.actor} ${decision.decision} via ${decision.source} at ${decision.sha.slice(0, 7)} on ${decision.gate || '-'}: ${decision.rule.replace(/^(counted|ignored|withdrawn): /, '')}`);
  }
  lines.push(`  Effects (${evaluation.effects.length}):`);
  for (const effect of evaluation.effects) {
    lines.push(`    ${clock(effect.at)}  ${pad(effect.status, 8)} ${pad(effect.type, 18)} ${effect.key}${effect.error ? ` (${effect.error})` : ''}`);
  }
  return lines;
}
