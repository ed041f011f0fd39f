import { formatProblem } from '../src/flow/problem.js';
import type { Flow } from '../src/flow/schema.js';
import { validateFlowText } from '../src/flow/validate.js';
import { evaluate } from '../src/engine/evaluate.js';
import type { FactEvent, Facts, PullRequestSnapshot } from '../src/engine/facts.js';
import type { Evaluation } from '../src/engine/state.js';

export const START = Date.parse('2026-11-24T09:00:00Z');
export const HEAD = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
export const NEXT = 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2';

/** An ISO time `minutes` after the start. */
export const t = (minutes: number): string => new Date(START + minutes * 60_000).toISOString();

/** A flow from YAML that must be valid; the test fails with the located problems otherwise. */
export function flowOf(yaml: string): Flow {
  const result = validateFlowText(yaml, 'test.yml');
  if (!result.flow) throw new Error(`invalid test flow:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.flow;
}

export function problemsOf(yaml: string) {
  return validateFlowText(yaml, 'test.yml').problems;
}

export function pr(overrides: Partial<PullRequestSnapshot> = {}): PullRequestSnapshot {
  return {
    number: 7,
    title: 'Change billing',
    body: '',
    author: 'dev',
    base: 'main',
    head: 'feature',
    head_sha: HEAD,
    draft: false,
    labels: [],
    files: [{ path: 'billing/x.ts', additions: 10, deletions: 2 }],
    committers: ['dev'],
    teams: { 'acme/managers': ['mia', 'max'], 'acme/security': ['sam', 'sid'] },
    permissions: { mia: 'write', wes: 'write', rob: 'read', adam: 'admin' },
    codeowners: null,
    ...overrides,
  };
}

export function factsOf(events: FactEvent[] = [], snapshot: Partial<PullRequestSnapshot> = {}): Facts {
  return { repo: { owner: 'acme', name: 'widgets' }, run: { id: 'run1', started_at: t(0) }, pr: pr(snapshot), events };
}

export function run(flow: Flow, events: FactEvent[] = [], options: { snapshot?: Partial<PullRequestSnapshot>; now?: number } = {}): Evaluation {
  const lastEvent = events.reduce((latest, event) => Math.max(latest, Date.parse(event.at)), START);
  const now = options.now !== undefined ? START + options.now * 60_000 : lastEvent;
  return evaluate(flow, factsOf(events, options.snapshot), now);
}

export const review = (minutes: number, actor: string, state: 'approved' | 'changes_requested' = 'approved', sha = HEAD, id = `${actor}-${minutes}`): FactEvent => ({
  type: 'review',
  at: t(minutes),
  actor,
  id,
  state,
  sha,
});
export const comment = (minutes: number, actor: string, body: string): FactEvent => ({ type: 'comment', at: t(minutes), actor, id: `c${minutes}`, body });
export const labeled = (minutes: number, actor: string, label: string): FactEvent => ({ type: 'labeled', at: t(minutes), actor, label });
export const push = (minutes: number, sha = NEXT, before = HEAD): FactEvent => ({ type: 'push', at: t(minutes), sha, before });

export const GATE_FLOW = `
name: gate
on: { pull_request: {} }
steps:
  - id: review
    approval:
      from: { teams: [acme/managers] }
    on_approve: ship
  - id: ship
    actions:
      - merge: {}
`;
