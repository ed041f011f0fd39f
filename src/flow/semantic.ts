/**
 * Checks that JSON Schema cannot express: references between steps, reachability,
 * loops that could spin, connection names, durations, globs, templates, and
 * approver sets that can never reach their quorum.
 */
import { closest } from './closest.js';
import { compileFlow, isTerminal, lower, transitionsOf, type CompiledFlow } from './compile.js';
import { DURATION_EXPECTED, durationProblem, parseDuration } from './duration.js';
import { globProblem } from './glob.js';
import type { PathSegment, Problem } from './problem.js';
import { TERMINALS, type Action, type Condition, type Flow, type Gate } from './schema.js';
import { NO_VALUE, templateProblems, templateVariables } from './template.js';

/** Shortest interval a reminder may repeat at, so a flow cannot flood a PR. */
export const MIN_REPEAT_MS = 5 * 60 * 1000;

type Report = (path: readonly PathSegment[], code: string, message: string, extra?: Partial<Problem>) => void;

export function checkSemantics(flow: Flow, report: Report): void {
  const compiled = compileFlow(flow);
  const scope = templateScope(flow);
  // With duplicate ids the step graph is ambiguous; its checks would only add noise.
  if (checkStepIds(flow, report)) checkTransitions(flow, compiled, report);
  checkConnections(flow, report);
  checkTrigger(flow, report);
  flow.steps.forEach((step, index) => {
    const at: PathSegment[] = ['steps', index];
    if ('if' in step) checkCondition(step.if, [...at, 'if'], report);
    if ('approval' in step) checkGate(step.approval, [...at, 'approval'], report, scope);
    if ('parallel' in step) {
      const gates = Object.entries(step.parallel);
      if (gates.length < 2) {
        report([...at, 'parallel'], 'parallel-too-small', 'a parallel step needs at least two gates', {
          expected: 'two or more named gates (use approval for a single gate)',
          found: `${gates.length}`,
        });
      }
      for (const [branch, gate] of gates) checkGate(gate, [...at, 'parallel', branch], report, scope);
    }
    if ('wait' in step) {
      const wait = step.wait;
      if ('duration' in wait) checkDuration(wait.duration, [...at, 'wait', 'duration'], report);
      else if (wait.timeout !== undefined) checkDuration(wait.timeout, [...at, 'wait', 'timeout'], report);
      else if (step.on_timeout !== undefined) {
        report([...at, 'on_timeout'], 'ineffective-setting', 'on_timeout has no effect: the wait has no timeout', { severity: 'warning' });
      }
      if ('check_run' in wait && wait.check_run.app === undefined) {
        report([...at, 'wait', 'check_run'], 'check-run-any-app', `any app can satisfy this wait, including a workflow the PR itself adds: pin the app that reports "${wait.check_run.name}"`, {
          severity: 'warning',
          expected: 'app: <slug> or app: <numeric id>',
        });
      }
      if ('callback' in wait && wait.callback.message !== undefined) {
        checkTemplate(wait.callback.message, [...at, 'wait', 'callback', 'message'], report, scope);
      }
    }
    if ('actions' in step) step.actions.forEach((action, i) => checkAction(flow, action, [...at, 'actions', i], report, scope));
  });
  checkMergeHasApproval(flow, report);
}

/** Reports duplicate and reserved ids; true when every id is unique. */
function checkStepIds(flow: Flow, report: Report): boolean {
  const seen = new Map<string, number>();
  let unique = true;
  flow.steps.forEach((step, index) => {
    if ((TERMINALS as readonly string[]).includes(step.id)) {
      report(['steps', index, 'id'], 'reserved-step-id', `"${step.id}" is reserved for the terminal of the same name`, {
        expected: 'another id',
      });
    }
    const first = seen.get(step.id);
    if (first !== undefined) {
      unique = false;
      report(['steps', index, 'id'], 'duplicate-step', `duplicate step id "${step.id}"; first used by steps[${first}]`, {
        expected: 'a unique id',
      });
    } else {
      seen.set(step.id, index);
    }
  });
  return unique;
}

function checkTransitions(flow: Flow, compiled: CompiledFlow, report: Report): void {
  const ids = flow.steps.map((step) => step.id);
  const known = new Set(ids);
  const edges = new Map<string, string[]>();
  compiled.steps.forEach((step) => {
    const raw = flow.steps[step.index]! as Record<string, unknown>;
    const targets: string[] = [];
    for (const [field, target] of transitionsOf(step)) {
      if (!isTerminal(target) && !known.has(target)) {
        const guess = closest(target, [...ids, ...TERMINALS]);
        // Reachability follows the guess, so a typo is one error, not also "unreachable" for the step it meant.
        if (guess !== undefined && known.has(guess)) targets.push(guess);
        report(['steps', step.index, field in raw ? field : 'id'], 'unknown-step', `unknown step "${target}"${guess ? `; did you mean "${guess}"?` : ''}`, {
          expected: `a step id (${ids.join(', ')}) or ${TERMINALS.join(' or ')}`,
          found: JSON.stringify(target),
        });
        continue;
      }
      if (!isTerminal(target)) targets.push(target);
    }
    if (!edges.has(step.id)) edges.set(step.id, targets);
  });

  const reached = new Set<string>();
  const queue = flow.steps.length > 0 ? [flow.steps[0]!.id] : [];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (reached.has(id)) continue;
    reached.add(id);
    queue.push(...(edges.get(id) ?? []));
  }
  flow.steps.forEach((step, index) => {
    if (!reached.has(step.id)) {
      report(['steps', index, 'id'], 'unreachable-step', `step "${step.id}" is unreachable: no transition leads to it`, {
        expected: `a then/next/on_* that names "${step.id}", or remove the step`,
      });
    }
  });

  // A loop must pass through a wait, or it could spin without anything happening.
  const waits = new Set(compiled.steps.filter((step) => step.kind === 'wait').map((step) => step.id));
  const state = new Map<string, 'open' | 'done'>();
  const reportedLoops = new Set<string>();
  const visit = (id: string, trail: string[]) => {
    state.set(id, 'open');
    for (const next of edges.get(id) ?? []) {
      if (waits.has(next)) continue;
      if (state.get(next) === 'open') {
        const loop = [...trail.slice(trail.indexOf(next)), next];
        const key = [...loop].sort().join(',');
        if (!reportedLoops.has(key)) {
          reportedLoops.add(key);
          report(['steps', ids.indexOf(next), 'id'], 'loop-without-wait', `steps loop without a wait: ${loop.join(' -> ')}`, {
            expected: 'a wait step (for a push, a label, a callback …) somewhere in the loop',
          });
        }
      } else if (state.get(next) === undefined) {
        visit(next, [...trail, next]);
      }
    }
    state.set(id, 'done');
  };
  for (const id of ids) if (!waits.has(id) && state.get(id) === undefined) visit(id, [id]);
}

function checkConnections(flow: Flow, report: Report): void {
  const declared = Object.keys(flow.connections ?? {});
  const used = new Set<string>();
  const check = (name: string | undefined, path: PathSegment[]) => {
    if (name === undefined) return;
    used.add(name);
    if (!declared.includes(name)) {
      const guess = closest(name, declared);
      report(path, 'unknown-connection', `unknown connection "${name}"${guess ? `; did you mean "${guess}"?` : ''}`, {
        expected: declared.length > 0 ? `one of ${declared.join(', ')}` : 'a connection declared under `connections:`',
      });
    }
  };
  flow.steps.forEach((step, index) => {
    if ('actions' in step) {
      step.actions.forEach((action, i) => {
        if ('webhook' in action) check(action.webhook.connection, ['steps', index, 'actions', i, 'webhook', 'connection']);
        if ('notify' in action) check(action.notify.connection, ['steps', index, 'actions', i, 'notify', 'connection']);
      });
    }
    const gates: [PathSegment[], Gate][] =
      'approval' in step
        ? [[['steps', index, 'approval'], step.approval]]
        : 'parallel' in step
          ? Object.entries(step.parallel).map(([branch, gate]) => [['steps', index, 'parallel', branch], gate])
          : [];
    for (const [path, gate] of gates) {
      (gate.escalate ?? []).forEach((rung, i) => check(rung.notify?.connection, [...path, 'escalate', i, 'notify', 'connection']));
    }
  });
  for (const name of declared) {
    if (!used.has(name)) report(['connections', name], 'unused-connection', `connection "${name}" is never used`, { severity: 'warning' });
  }
}

function checkTrigger(flow: Flow, report: Report): void {
  const trigger = flow.on.pull_request ?? {};
  const lists = [
    ['branches', 'path'],
    ['branches_ignore', 'path'],
    ['paths', 'path'],
    ['paths_ignore', 'path'],
    ['labels', 'text'],
    ['authors', 'text'],
    ['authors_ignore', 'text'],
  ] as const;
  for (const [field, kind] of lists) {
    (trigger[field] ?? []).forEach((pattern, index) => checkGlob(pattern, kind, ['on', 'pull_request', field, index], report));
  }
}

function checkGlob(pattern: string, kind: 'path' | 'text', path: PathSegment[], report: Report): void {
  const problem = globProblem(pattern, kind);
  if (problem) report(path, 'invalid-glob', `invalid pattern ${JSON.stringify(pattern)}: ${problem}`, { expected: 'a glob such as src/** or release/*' });
}

function checkDuration(text: string, path: PathSegment[], report: Report): number | undefined {
  const problem = durationProblem(text);
  if (problem !== undefined) report(path, 'invalid-duration', problem, { expected: DURATION_EXPECTED, found: JSON.stringify(text) });
  return parseDuration(text);
}

/** What the flow tells about which template variables can ever have a value. */
interface TemplateScope {
  steps: ReadonlySet<string>;
  callbackWaits: ReadonlySet<string>;
  /** Whether anything in the flow records a decision (a gate, or a callback wait). */
  decides: boolean;
  /** Whether the template is a gate or escalation message, the only ones that see `gate`. */
  inGate: boolean;
}

function templateScope(flow: Flow): TemplateScope {
  const callbackWaits = new Set(flow.steps.filter((step) => 'wait' in step && 'callback' in step.wait).map((step) => step.id));
  const gates = flow.steps.some((step) => 'approval' in step || 'parallel' in step);
  return { steps: new Set(flow.steps.map((step) => step.id)), callbackWaits, decides: gates || callbackWaits.size > 0, inGate: false };
}

/** Why a variable can never have a value where it is used; undefined when it may. */
function neverHasValue(name: string, scope: TemplateScope): string | undefined {
  const [root, key] = name.split('.');
  if (root === 'gate' && !scope.inGate) return `{{${name}}} has a value only in gate and escalation messages`;
  if (root === 'decision' && !scope.decides) return `{{${name}}} never has a value: nothing in this flow records a decision`;
  if (root === 'steps' && key !== undefined && !scope.steps.has(key)) return `{{${name}}} never has a value: there is no step "${key}"`;
  if (root === 'callbacks' && key !== undefined && !scope.callbackWaits.has(key)) return `{{${name}}} never has a value: "${key}" is not a callback wait`;
  return undefined;
}

function checkTemplate(template: string, path: PathSegment[], report: Report, scope: TemplateScope): void {
  const problems = templateProblems(template);
  for (const problem of problems) {
    report(path, 'invalid-template', `${problem.message} (character ${problem.offset + 1} of the template)`);
  }
  if (problems.length > 0) return;
  for (const { name, offset } of templateVariables(template)) {
    const why = neverHasValue(name, scope);
    if (why) report(path, 'template-no-value', `${why}, so it renders as "${NO_VALUE}" (character ${offset + 1} of the template)`, { severity: 'warning' });
  }
}

function checkCondition(condition: Condition, path: PathSegment[], report: Report): void {
  if ('all' in condition) condition.all.forEach((child, i) => checkCondition(child, [...path, 'all', i], report));
  else if ('any' in condition) condition.any.forEach((child, i) => checkCondition(child, [...path, 'any', i], report));
  else if ('not' in condition) checkCondition(condition.not, [...path, 'not'], report);
  else if ('field' in condition) {
    const tests = ['gt', 'gte', 'lt', 'lte', 'eq', 'ne', 'in', 'matches', 'exists'].filter((key) => key in condition);
    if (tests.length === 0) {
      report(path, 'field-without-test', `the field test on "${condition.field}" has no comparison`, {
        expected: 'one of gt, gte, lt, lte, eq, ne, in, matches, exists',
      });
    }
    if (condition.matches !== undefined) checkGlob(condition.matches, 'text', [...path, 'matches'], report);
  } else {
    const [key, value] = Object.entries(condition)[0]!;
    if (Array.isArray(value) && key !== 'author_team') {
      const kind = key === 'paths' || key === 'base' || key === 'head' ? 'path' : 'text';
      value.forEach((pattern, i) => checkGlob(pattern as string, kind, [...path, key, i], report));
    }
    if ((key === 'changed_lines' || key === 'changed_files') && Object.keys(value as object).length === 0) {
      report([...path, key], 'field-without-test', `${key} has no comparison`, { expected: 'one of gt, gte, lt, lte, eq' });
    }
  }
}

function checkGate(gate: Gate, path: PathSegment[], report: Report, scope: TemplateScope): void {
  const users = (gate.from.users ?? []).map(lower);
  const teams = gate.from.teams ?? [];
  const open = gate.from.permission !== undefined || gate.from.codeowners === true;
  const excluded = new Set((gate.exclude ?? []).flatMap((item) => (typeof item === 'object' ? item.users.map(lower) : [])));
  const remaining = users.filter((user) => !excluded.has(user));
  if (remaining.length === 0 && teams.length === 0 && !open) {
    report([...path, 'from'], 'empty-approvers', users.length > 0 ? 'every listed approver is excluded' : 'nobody may approve this gate', {
      expected: 'at least one of users, teams, permission or codeowners: true',
    });
  } else if (gate.count !== undefined && gate.per_team !== undefined) {
    report([...path, 'per_team'], 'conflicting-quorum', 'count and per_team cannot both be set', { expected: 'one of count or per_team' });
  } else if (gate.per_team !== undefined && teams.length === 0) {
    report([...path, 'per_team'], 'quorum-unreachable', 'per_team needs teams to count from', { expected: 'from.teams' });
  } else if (gate.count === 'all' && open) {
    report([...path, 'count'], 'quorum-unreachable', '"all" needs a fixed set of approvers, but permission and codeowners are open-ended', {
      expected: 'a number, or approvers given only as users and teams',
    });
  } else if (typeof gate.count === 'number' && teams.length === 0 && !open && gate.count > remaining.length) {
    report([...path, 'count'], 'quorum-unreachable', `count ${gate.count} can never be met: only ${remaining.length} eligible approver(s)`, {
      expected: `at most ${remaining.length}`,
      found: String(gate.count),
    });
  }
  if (gate.labels?.approve !== undefined && gate.labels.approve === gate.labels.decline) {
    report([...path, 'labels'], 'conflicting-labels', 'the approve and decline labels are the same', { expected: 'two different labels' });
  }
  const timeout = gate.timeout === undefined ? undefined : checkDuration(gate.timeout, [...path, 'timeout'], report);
  if (gate.timeout === undefined && gate.on_timeout !== undefined) {
    report([...path, 'on_timeout'], 'ineffective-setting', 'on_timeout has no effect without a timeout', { severity: 'warning' });
  }
  (gate.escalate ?? []).forEach((rung, i) => {
    const at = [...path, 'escalate', i];
    const after = checkDuration(rung.after, [...at, 'after'], report);
    if (rung.repeat !== undefined) {
      const repeat = checkDuration(rung.repeat, [...at, 'repeat'], report);
      if (repeat !== undefined && repeat < MIN_REPEAT_MS) {
        report([...at, 'repeat'], 'repeat-too-often', `reminders every ${rung.repeat} would flood the PR`, { expected: 'at least 5m' });
      }
    }
    if (after !== undefined && timeout !== undefined && after >= timeout && (gate.on_timeout ?? 'decline') !== 'wait') {
      report([...at, 'after'], 'escalation-never-fires', `this rung fires after ${rung.after}, but the gate times out after ${gate.timeout}`, {
        expected: `less than ${gate.timeout}`,
      });
    }
    const notify = rung.notify;
    if (notify && !notify.users?.length && !notify.teams?.length && notify.connection === undefined) {
      report([...at, 'notify'], 'empty-notify', 'notify names nobody', { expected: 'users, teams or a connection' });
    }
    if (!notify && !rung.add_approvers && rung.message === undefined) {
      report(at, 'empty-escalation', 'this rung does nothing', { expected: 'notify, add_approvers or message' });
    }
    if (rung.message !== undefined) checkTemplate(rung.message, [...at, 'message'], report, { ...scope, inGate: true });
  });
  if (gate.message !== undefined) checkTemplate(gate.message, [...path, 'message'], report, { ...scope, inGate: true });
}

function checkAction(flow: Flow, action: Action, path: PathSegment[], report: Report, scope: TemplateScope): void {
  const templates: [PathSegment[], string][] = [];
  if ('comment' in action) templates.push([['comment'], action.comment]);
  if ('merge' in action) {
    if (action.merge.commit_title !== undefined) templates.push([['merge', 'commit_title'], action.merge.commit_title]);
    if (action.merge.commit_message !== undefined) templates.push([['merge', 'commit_message'], action.merge.commit_message]);
  }
  if ('close' in action && action.close.comment !== undefined) templates.push([['close', 'comment'], action.close.comment]);
  if ('notify' in action) templates.push([['notify', 'message'], action.notify.message]);
  if ('notify' in action && action.notify.decide !== undefined) {
    const target = flow.steps.find((step) => step.id === action.notify.decide);
    if (!target || !('approval' in target || 'parallel' in target)) {
      report([...path, 'notify', 'decide'], 'invalid-decide', `"${action.notify.decide}" is not an approval step`, { expected: 'the id of an approval or parallel step' });
    } else if (action.notify.connection === undefined) {
      report([...path, 'notify', 'decide'], 'ineffective-setting', 'decide has no effect without a connection: the links go in the chat message', { severity: 'warning' });
    }
  }
  if ('dispatch_workflow' in action) {
    if (action.dispatch_workflow.ref !== undefined) templates.push([['dispatch_workflow', 'ref'], action.dispatch_workflow.ref]);
    for (const [key, value] of Object.entries(action.dispatch_workflow.inputs ?? {})) templates.push([['dispatch_workflow', 'inputs', key], value]);
  }
  if ('repository_dispatch' in action) checkClientPayload(action.repository_dispatch.client_payload ?? {}, [...path, 'repository_dispatch', 'client_payload'], report);
  const body = 'repository_dispatch' in action ? action.repository_dispatch.client_payload : 'webhook' in action ? action.webhook.body : undefined;
  const bodyPath = 'repository_dispatch' in action ? ['repository_dispatch', 'client_payload'] : ['webhook', 'body'];
  for (const [key, value] of Object.entries(body ?? {})) if (typeof value === 'string') templates.push([[...bodyPath, key], value]);
  for (const [at, template] of templates) checkTemplate(template, [...path, ...at], report, scope);
}

/** GitHub refuses a repository_dispatch whose client_payload has more than 10 top-level properties. */
const GITHUB_PAYLOAD_PROPERTIES = 10;
/** Flowgate adds this one to every dispatch, so a receiver can tell a repeat (see docs/github-app.md). */
const EFFECT_KEY_PROPERTY = 'flowgate_effect_key';

function checkClientPayload(payload: Record<string, unknown>, path: PathSegment[], report: Report): void {
  const keys = Object.keys(payload);
  if (keys.includes(EFFECT_KEY_PROPERTY)) {
    report([...path, EFFECT_KEY_PROPERTY], 'reserved-payload-property', `${EFFECT_KEY_PROPERTY} is set by Flowgate on every dispatch (the effect's key)`, { expected: 'another property name' });
  }
  const allowed = GITHUB_PAYLOAD_PROPERTIES - 1;
  if (keys.filter((key) => key !== EFFECT_KEY_PROPERTY).length > allowed) {
    report(path, 'payload-too-large', `client_payload has ${keys.length} top-level properties; GitHub allows ${GITHUB_PAYLOAD_PROPERTIES}, and Flowgate adds ${EFFECT_KEY_PROPERTY}`, {
      expected: `at most ${allowed} top-level properties (nest the rest in an object)`,
      found: String(keys.length),
    });
  }
}

function checkMergeHasApproval(flow: Flow, report: Report): void {
  const hasGate = flow.steps.some((step) => 'approval' in step || 'parallel' in step);
  flow.steps.forEach((step, index) => {
    if (!('actions' in step)) return;
    step.actions.forEach((action, i) => {
      if ('merge' in action && (action.merge.sha ?? 'approved') === 'approved' && !hasGate) {
        report(['steps', index, 'actions', i, 'merge'], 'merge-without-approval', 'merging at the approved commit needs an approval step', {
          expected: 'an approval or parallel step, or merge.sha: head',
        });
      }
    });
  });
}

