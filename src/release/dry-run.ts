/**
 * The dry run (issue 10): what the live flows and a draft each make of the same
 * pull requests, using the engine as the app does. A flow applies to a PR when
 * its trigger matches the PR as it is for any of the events it names (what the
 * app's sweep starts); each run is evaluated at the case's instant. Pure: the
 * caller gathers the facts.
 *
 * A dry run asks what the flows make of the decisions people made, as if the
 * PR were still open at that instant: the PR's `closed` and `reopened` events
 * are left out (a merge by the live flow would otherwise cancel the draft's
 * run), and so are the live run's own effect results and stored verdicts,
 * which belong to another run. Effects are not applied: an action step goes on
 * as soon as its effects are decided, so "merged" means the flow asked to merge.
 */
import { compileFlow, type CompiledFlow } from '../flow/compile.js';
import { evaluate } from '../engine/evaluate.js';
import type { Facts } from '../engine/facts.js';
import type { Evaluation } from '../engine/state.js';
import { DEFAULT_TRIGGER_TYPES, matchTrigger } from '../engine/triggers.js';
import type { DryRunCase, DryRunOutcome, DryRunRow, FlowVersion } from './contract.js';

export { renderDryRunMarkdown, renderDryRunText } from './dry-run-render.js';

export const NO_FLOW_APPLIES = 'no flow applies';

export function dryRun(live: FlowVersion, draft: FlowVersion, cases: readonly DryRunCase[]): DryRunRow[] {
  const liveFlows = validFlows(live);
  const draftFlows = validFlows(draft);
  return cases.map((entry) => {
    const before = outcomeOf(liveFlows, entry);
    const after = outcomeOf(draftFlows, entry);
    const differs = JSON.stringify(before.runs) !== JSON.stringify(after.runs);
    return { number: entry.number, title: entry.title, live: before, draft: after, differs };
  });
}

/**
 * The valid flows of a version, one per name (the first file wins, as validation reports the clash), by name:
 * moving a flow to another file changes no outcome.
 */
export function validFlows(version: FlowVersion): CompiledFlow[] {
  const byName = new Map<string, CompiledFlow>();
  for (const { flow } of version.files) if (flow && !byName.has(flow.name)) byName.set(flow.name, compileFlow(flow));
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What one set of flows makes of one PR. */
export function outcomeOf(flows: readonly CompiledFlow[], entry: DryRunCase): DryRunOutcome {
  const applying = flows.filter((flow) => (flow.flow.on.pull_request.types ?? DEFAULT_TRIGGER_TYPES).some((type) => matchTrigger(flow, entry.facts.pr, type).matched));
  const runs = applying.map((flow) => {
    const { status, summary } = runOutcome(flow, entry);
    return { flow: flow.name, status, summary };
  });
  if (runs.length === 0) return { summary: NO_FLOW_APPLIES, runs };
  const summary = runs.length === 1 ? runs[0]!.summary : runs.map((run) => `${run.flow}: ${run.summary}`).join('; ');
  return { summary, runs };
}

function runOutcome(flow: CompiledFlow, entry: DryRunCase): { status: string; summary: string } {
  const facts: Facts = {
    repo: entry.facts.repo,
    run: { ...entry.facts.run, id: `dry-run:${entry.number}:${flow.name}` },
    pr: entry.facts.pr,
    events: entry.facts.events.filter((event) => event.type !== 'closed' && event.type !== 'reopened' && event.type !== 'effect'),
  };
  try {
    const evaluation = evaluate(flow, facts, entry.at);
    return { status: evaluation.run.status, summary: describeEvaluation(evaluation) };
  } catch (error) {
    // Facts the engine cannot read (a time that is not one): said, never thrown at the caller.
    return { status: 'error', summary: `could not evaluate: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
const distinct = (items: readonly string[]): string[] => [...new Set(items)];

/** One line for a run: "approved by mia; merged", "waiting for 1 approval from @acme/security". */
export function describeEvaluation(evaluation: Evaluation): string {
  const { run, decisions, effects } = evaluation;
  const counted = (decision: 'approve' | 'decline') =>
    distinct(decisions.filter((record) => record.counted && record.decision === decision && record.source !== 'timeout').map((record) => record.actor));
  switch (run.status) {
    case 'succeeded': {
      const approvers = counted('approve');
      const parts = [approvers.length > 0 ? `approved by ${approvers.join(', ')}` : 'succeeded'];
      if (effects.some((effect) => effect.type === 'merge')) parts.push('merged');
      else if (effects.some((effect) => effect.type === 'close')) parts.push('closed');
      return parts.join('; ');
    }
    case 'declined': {
      const decliners = counted('decline');
      return decliners.length > 0 ? `declined by ${decliners.join(', ')}` : `declined${run.reason ? `: ${run.reason}` : ''}`;
    }
    case 'failed':
      return `failed${run.reason ? `: ${run.reason}` : ''}`;
    case 'cancelled':
      return `cancelled${run.reason ? `: ${run.reason}` : ''}`;
    case 'waiting': {
      const waits = run.waiting_on.map((awaiting) => {
        switch (awaiting.kind) {
          case 'approval':
            return `${plural(awaiting.need ?? 1, 'approval')} from ${awaiting.approvers ?? 'nobody'}`;
          case 'callback':
            return `a callback (${awaiting.step})`;
          case 'check_run':
            return `check run "${awaiting.name ?? ''}"`;
          case 'label':
            return `label ${awaiting.name ?? ''}`;
          case 'push':
            return 'a push';
          case 'time':
            return `${awaiting.deadline ?? 'a time'}`;
        }
      });
      return waits.length > 0 ? `waiting for ${waits.join(' and ')}` : 'waiting';
    }
  }
}
