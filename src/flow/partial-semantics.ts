/**
 * Semantic checks on a document the schema refused, so that one pass reports
 * every problem of a file: fixing four typos must not reveal two more errors.
 *
 * A step with a schema error is replaced by an inert stub that keeps its id (so
 * references to it still resolve), and nothing is reported inside it or in any
 * other part of the file the schema refused. Checks that read the whole step
 * graph would misjudge a graph with stubs in it, so they wait for the next pass.
 */
import type { Problem } from './problem.js';
import type { Flow } from './schema.js';

/** Codes whose checks read other steps, which a stub would make wrong. */
const WHOLE_GRAPH = new Set(['unreachable-step', 'loop-without-wait', 'merge-without-approval', 'invalid-decide']);

/** Where a problem lies for this purpose: a step (`steps[2]`) or a top-level field (`on`); '' for the whole file. */
function scopeOf(path: string): string {
  const step = /^steps\[\d+\]/.exec(path);
  return step ? step[0] : (/^[^.[]+/.exec(path)?.[0] ?? '');
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

export interface PartialFlow {
  /** The document with every refused step stubbed out, to run the semantic checks on. */
  flow: Flow;
  /** Whether a semantic problem stands on parts of the file the schema accepted. */
  keep(problem: Problem): boolean;
}

/** The part of a refused document that semantic checks can read; undefined when there is none. */
export function partialFlow(value: unknown, schemaProblems: readonly Problem[]): PartialFlow | undefined {
  if (!isObject(value) || !Array.isArray(value.steps) || value.steps.length === 0) return undefined;
  const refused = new Set(schemaProblems.map((problem) => scopeOf(problem.path)).filter((scope) => scope !== ''));
  let stubbed = false;
  const steps = value.steps.map((step: unknown, index) => {
    if (isObject(step) && !refused.has(`steps[${index}]`)) return step;
    stubbed = true;
    const id = isObject(step) && typeof step.id === 'string' ? step.id : `step-${index + 1}`;
    return { id, actions: [] };
  });
  const trigger = isObject(value.on) && isObject(value.on.pull_request) && !refused.has('on') ? value.on.pull_request : {};
  const connections = isObject(value.connections) && !refused.has('connections') ? value.connections : undefined;
  const flow = { ...value, name: String(value.name ?? ''), on: { pull_request: trigger }, steps, ...(connections ? { connections } : { connections: undefined }) } as unknown as Flow;
  return {
    flow,
    keep(problem) {
      if (stubbed && WHOLE_GRAPH.has(problem.code)) return false;
      // Undeclared connections cannot be judged while the declarations are refused.
      if (refused.has('connections') && problem.code === 'unknown-connection') return false;
      return !refused.has(scopeOf(problem.path));
    },
  };
}
