/**
 * The end of the demo: every PR the scenes opened, with what became of it on
 * GitHub (merged at which commit, closed, or left open) and what its checks say.
 */
import { FLOWGATE_PREFIX } from '../github/history/render.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { OpenedPull } from './stage.js';

export type Outcome = 'merged' | 'closed' | 'open';

export interface PullOutcome {
  /** owner/repo#number */
  ref: string;
  title: string;
  scene: string;
  outcome: Outcome;
  /** What became of it, in words. */
  text: string;
}

export function outcomeOf(sandbox: Sandbox, opened: OpenedPull): PullOutcome {
  const pull = sandbox.pullRequest(opened.repo, opened.number);
  const head = pull.headSha.slice(0, 7);
  const runs = sandbox
    .checkRunsFor(pull.headSha)
    .filter((run) => run.name.startsWith(FLOWGATE_PREFIX))
    .map((run) => `"${run.name}" ${run.conclusion ?? run.status.replace('_', ' ')} (${run.output.title ?? ''})`);
  const checks = runs.length > 0 ? runs.join(', ') : 'no flow ran';
  const outcome: Outcome = pull.merged ? 'merged' : pull.state === 'closed' ? 'closed' : 'open';
  const what = { merged: `merged at ${head}`, closed: `closed unmerged at ${head}`, open: `still open at ${head}, not merged` }[outcome];
  return { ref: `${opened.repo}#${opened.number}`, title: pull.title, scene: opened.scene, outcome, text: `${what}; ${checks}` };
}

export function renderTally(outcomes: readonly PullOutcome[]): string[] {
  const width = Math.max(...outcomes.map((outcome) => outcome.ref.length));
  const count = (outcome: Outcome) => outcomes.filter((candidate) => candidate.outcome === outcome).length;
  return [
    `══ Tally: the ${outcomes.length} pull requests the demo opened ══`,
    ...outcomes.map((outcome) => `  ${outcome.ref.padEnd(width)}  ${outcome.outcome.padEnd(6)}  "${outcome.title}": ${outcome.text}`),
    `${count('merged')} merged + ${count('closed')} closed + ${count('open')} open = ${outcomes.length} pull requests.`,
  ];
}
