/**
 * What a flow relies on that the GitHub Action cannot give it. In Action mode
 * check runs belong to the GitHub Actions app, and a click on their buttons
 * reaches no workflow: a gate that lists `button` among its sources waits for a
 * decision that never comes from there. Warnings, not errors: the same flow is
 * right for the server, and the gate's other sources still count.
 */
import type { Flow, Gate } from './schema.js';
import type { Problem } from './problem.js';
import { formatPath } from './problem.js';
import type { YamlSource } from './yaml-source.js';

/** Where a flow runs: the GitHub App's server (the default) or the GitHub Action. */
export type RunMode = 'app' | 'action';
export const RUN_MODES: readonly RunMode[] = ['app', 'action'];

export function actionModeProblems(flow: Flow, source: YamlSource): Problem[] {
  const problems: Problem[] = [];
  flow.steps.forEach((step, index) => {
    const gates: [(string | number)[], Gate][] =
      'approval' in step ? [[['steps', index, 'approval'], step.approval]] : 'parallel' in step ? Object.entries(step.parallel).map(([name, gate]) => [['steps', index, 'parallel', name], gate]) : [];
    for (const [at, gate] of gates) {
      const position = gate.sources?.indexOf('button') ?? -1;
      if (position === -1) continue;
      const path = [...at, 'sources', position];
      const others = gate.sources!.filter((source) => source !== 'button');
      problems.push({
        code: 'button-in-action-mode',
        severity: 'warning',
        file: source.file,
        ...source.locate(path),
        path: formatPath(path),
        message: `check-run buttons do not reach a GitHub Action: in Action mode no one can decide step "${step.id}" with a button${others.length === 0 ? ', and it has no other source' : ''}`,
        expected: others.length === 0 ? 'review, comment or label among the sources' : `the sources without button (${others.join(', ')})`,
        found: 'button',
      });
    }
  });
  return problems;
}
