/**
 * A validated flow, with every default resolved, durations in milliseconds and
 * glob matchers built once. The engine reads only compiled flows.
 */
import { parseDuration } from './duration.js';
import { anyMatcher, type Matcher } from './glob.js';
import {
  TERMINALS,
  type Action,
  type Condition,
  type DecisionSource,
  type Flow,
  type Gate,
  type Permission,
  type Step,
  type Wait,
} from './schema.js';

export type StepKind = 'route' | 'approval' | 'parallel' | 'wait' | 'actions';

export interface CompiledEscalation {
  index: number;
  afterMs: number;
  repeatMs?: number;
  notify?: { users: string[]; teams: string[]; connection?: string };
  addApprovers?: { users: string[]; teams: string[] };
  message?: string;
}

export interface CompiledGate {
  /** The branch name inside a parallel step; the step id for a single approval. */
  branch: string;
  from: { users: string[]; teams: string[]; permission?: Permission; codeowners: boolean };
  count: number | 'all';
  perTeam?: number;
  exclude: { author: boolean; committers: boolean; bots: boolean; users: string[] };
  sources: ReadonlySet<DecisionSource>;
  labels: { approve: string; decline: string };
  invalidateOnPush: boolean;
  /** Approvals survive a push the shell proved only merges the base branch (see github/facts/base-merge.ts). */
  keepOnBaseMerge: boolean;
  requestReview: boolean;
  timeoutMs?: number;
  onTimeout: 'decline' | 'approve' | 'wait';
  escalate: CompiledEscalation[];
  message?: string;
}

export type CompiledWait =
  | { kind: 'callback'; message?: string; timeoutMs?: number }
  | { kind: 'check_run'; name: string; conclusions: readonly string[]; app?: string | number; timeoutMs?: number }
  | { kind: 'label'; label: string; timeoutMs?: number }
  | { kind: 'push'; timeoutMs?: number }
  | { kind: 'duration'; durationMs: number };

export interface CompiledStep {
  index: number;
  id: string;
  name: string;
  kind: StepKind;
  /** Resolved transitions; each target is a step id or a terminal. */
  next: string;
  onDecline: string;
  onTimeout: string;
  elseTarget: string;
  condition?: Condition;
  gates: CompiledGate[];
  wait?: CompiledWait;
  actions: Action[];
  onError: 'fail' | 'continue';
}

export interface CompiledFlow {
  flow: Flow;
  name: string;
  steps: CompiledStep[];
  byId: ReadonlyMap<string, CompiledStep>;
  /** The labels any gate of the flow reads as a decision. */
  decisionLabels: ReadonlyMap<string, 'approve' | 'decline'>;
  /** Cached glob matchers, keyed by the pattern list. */
  matcher(patterns: readonly string[], kind: 'path' | 'text'): Matcher;
}

export const DEFAULT_LABELS = { approve: 'flowgate:approve', decline: 'flowgate:decline' } as const;
export const ALL_SOURCES: readonly DecisionSource[] = ['review', 'label', 'comment', 'button', 'callback'];

export const isTerminal = (target: string): boolean => (TERMINALS as readonly string[]).includes(target);
export const lower = (login: string): string => login.toLowerCase();

const cache = new WeakMap<Flow, CompiledFlow>();

/** Compiles a flow that has passed validation; results are cached per flow object. */
export function compileFlow(flow: Flow): CompiledFlow {
  const cached = cache.get(flow);
  if (cached) return cached;
  const matchers = new Map<string, Matcher>();
  const steps = flow.steps.map((step, index) => compileStep(step, index, flow.steps[index + 1]?.id ?? 'succeed'));
  const compiled: CompiledFlow = {
    flow,
    name: flow.name,
    steps,
    byId: new Map(steps.map((step) => [step.id, step])),
    decisionLabels: new Map(
      steps.flatMap((step) => step.gates).flatMap((gate) => [[gate.labels.decline, 'decline'], [gate.labels.approve, 'approve']] as const),
    ),
    matcher(patterns, kind) {
      const key = `${kind}\u0000${patterns.join('\u0000')}`;
      let matcher = matchers.get(key);
      if (!matcher) {
        matcher = anyMatcher(patterns, kind);
        matchers.set(key, matcher);
      }
      return matcher;
    },
  };
  cache.set(flow, compiled);
  return compiled;
}

export function stepKind(step: Step): StepKind {
  if ('if' in step) return 'route';
  if ('approval' in step) return 'approval';
  if ('parallel' in step) return 'parallel';
  if ('wait' in step) return 'wait';
  return 'actions';
}

function compileStep(step: Step, index: number, following: string): CompiledStep {
  const kind = stepKind(step);
  const base: CompiledStep = {
    index,
    id: step.id,
    name: step.name ?? step.id,
    kind,
    next: following,
    onDecline: 'fail',
    onTimeout: 'fail',
    elseTarget: following,
    gates: [],
    actions: [],
    onError: 'fail',
  };
  if ('if' in step) return { ...base, condition: step.if, next: step.then, elseTarget: step.else ?? following };
  if ('approval' in step) {
    return { ...base, next: step.on_approve ?? following, onDecline: step.on_decline ?? 'fail', gates: [compileGate(step.id, step.approval)] };
  }
  if ('parallel' in step) {
    return {
      ...base,
      next: step.on_approve ?? following,
      onDecline: step.on_decline ?? 'fail',
      gates: Object.entries(step.parallel).map(([branch, gate]) => compileGate(branch, gate)),
    };
  }
  if ('wait' in step) {
    return { ...base, next: step.next ?? following, onDecline: step.on_decline ?? 'fail', onTimeout: step.on_timeout ?? 'fail', wait: compileWait(step.wait) };
  }
  return { ...base, next: step.next ?? following, actions: step.actions, onError: step.on_error ?? 'fail' };
}

/** Validation rejects bad durations; compiling an unvalidated flow leaves them unset rather than throwing. */
const duration = (text: string | undefined): number | undefined => (text === undefined ? undefined : parseDuration(text));

function compileGate(branch: string, gate: Gate): CompiledGate {
  const exclude = gate.exclude ?? ['author', 'bots'];
  return {
    branch,
    from: {
      users: gate.from.users ?? [],
      teams: (gate.from.teams ?? []).map(lower),
      permission: gate.from.permission,
      codeowners: gate.from.codeowners ?? false,
    },
    count: gate.count ?? 1,
    perTeam: gate.per_team,
    exclude: {
      author: exclude.includes('author'),
      committers: exclude.includes('committers'),
      bots: exclude.includes('bots'),
      users: exclude.flatMap((item) => (typeof item === 'object' ? item.users.map(lower) : [])),
    },
    sources: new Set(gate.sources ?? ALL_SOURCES),
    labels: { approve: gate.labels?.approve ?? DEFAULT_LABELS.approve, decline: gate.labels?.decline ?? DEFAULT_LABELS.decline },
    invalidateOnPush: gate.invalidate_on_push ?? true,
    keepOnBaseMerge: gate.keep_on_base_merge ?? true,
    requestReview: gate.request_review ?? false,
    timeoutMs: duration(gate.timeout),
    onTimeout: gate.on_timeout ?? 'decline',
    escalate: (gate.escalate ?? []).map((rung, index) => ({
      index,
      afterMs: duration(rung.after) ?? Number.POSITIVE_INFINITY,
      repeatMs: duration(rung.repeat),
      notify: rung.notify && {
        users: rung.notify.users ?? [],
        teams: rung.notify.teams ?? [],
        connection: rung.notify.connection,
      },
      addApprovers: rung.add_approvers && {
        users: rung.add_approvers.users ?? [],
        teams: (rung.add_approvers.teams ?? []).map(lower),
      },
      message: rung.message,
    })),
    message: gate.message,
  };
}

function compileWait(wait: Wait): CompiledWait {
  if ('callback' in wait) return { kind: 'callback', message: wait.callback.message, timeoutMs: duration(wait.timeout) };
  if ('check_run' in wait) {
    return {
      kind: 'check_run',
      name: wait.check_run.name,
      conclusions: wait.check_run.conclusions ?? ['success'],
      ...(wait.check_run.app !== undefined ? { app: wait.check_run.app } : {}),
      timeoutMs: duration(wait.timeout),
    };
  }
  if ('label' in wait) return { kind: 'label', label: wait.label, timeoutMs: duration(wait.timeout) };
  if ('push' in wait) return { kind: 'push', timeoutMs: duration(wait.timeout) };
  return { kind: 'duration', durationMs: duration(wait.duration) ?? Number.POSITIVE_INFINITY };
}

/** The transition fields of a step, each with its resolved target. */
export function transitionsOf(step: CompiledStep): [field: string, target: string][] {
  switch (step.kind) {
    case 'route':
      return [['then', step.next], ['else', step.elseTarget]];
    case 'approval':
    case 'parallel':
      return [['on_approve', step.next], ['on_decline', step.onDecline]];
    case 'wait': {
      const fields: [string, string][] = [['next', step.next]];
      if (step.wait?.kind === 'callback' || step.wait?.kind === 'check_run') fields.push(['on_decline', step.onDecline]);
      if (step.wait && step.wait.kind !== 'duration' && step.wait.timeoutMs !== undefined) fields.push(['on_timeout', step.onTimeout]);
      return fields;
    }
    case 'actions':
      return [['next', step.next]];
  }
}
