/**
 * The run state machine: a fold of time-ordered events (and the timers they
 * imply) over a RunState. This file routes events and moves between steps;
 * decisions.ts, waits.ts, timers.ts and ledger.ts do the rest. Pure: it reads only its arguments, and the state
 * it mutates is its own.
 */
import { isTerminal, lower, type CompiledGate, type CompiledStep } from '../flow/compile.js';
import { formatDuration } from '../flow/duration.js';
import { renderTemplate } from '../flow/template.js';
import { evaluateCondition } from './conditions.js';
import { effectsOfAction, iso, templateView, type EngineContext } from './effects.js';
import type { Decision, FactEvent, Facts } from './facts.js';
import type { RunState, RunStatus, StepStatus } from './state.js';
import { decide, invalidateOnPush, labelDecision, parseCommand, parseReassign, reassign, withdraw, type Candidate } from './decisions.js';
import { callback, checkRunCompleted, describeWait, waitSatisfied } from './waits.js';
import { fireTimer, nextTimer } from './timers.js';
import { addEffect, effectResult, key, note } from './ledger.js';
import { describeApprovers, describeNeed, gateVariables, label } from './gate.js';

/** A validated flow cannot loop without a wait; this bounds a run all the same. */
export const MAX_TRANSITIONS = 1000;
export const APP_ACTOR = 'flowgate';

export function startRun(context: EngineContext): RunState {
  const { facts, flow } = context;
  const startedAt = Date.parse(facts.run.started_at);
  const steps: RunState['steps'] = {};
  for (const step of flow.steps) steps[step.id] = { status: 'pending', attempts: 0, outputs: {} };
  return {
    status: 'waiting',
    startedAt,
    begun: false,
    view: initialView(facts),
    steps,
    active: null,
    decisions: [],
    effects: [],
    history: [],
    verdicts: [],
    transitions: 0,
    closesPr: false,
  };
}

/**
 * The labels and head at the first event: the snapshot, with every later change
 * undone. The head is the one the run started on when the shell knows it (the
 * fallback, for facts without it, trusts the first push's `before`).
 */
function initialView(facts: Facts): RunState['view'] {
  const labels = new Set(facts.pr.labels);
  for (let index = facts.events.length - 1; index >= 0; index -= 1) {
    const event = facts.events[index]!;
    if (event.type === 'labeled') labels.delete(event.label);
    else if (event.type === 'unlabeled') labels.add(event.label);
  }
  const firstPush = facts.events.find((event) => event.type === 'push');
  const headSha = facts.run.head_sha ?? (firstPush?.type === 'push' && firstPush.before ? firstPush.before : facts.pr.head_sha);
  return { labels: [...labels], headSha, pushers: [] };
}

export function applyEvent(context: EngineContext, state: RunState, event: FactEvent, at: number): void {
  if (!state.begun && at < state.startedAt) {
    updateView(state, event);
    recordOnly(context, state, event, at);
    return;
  }
  advance(context, state, at);
  updateView(state, event);
  if (event.type === 'effect') {
    effectResult(context, state, event, at);
    return;
  }
  if (state.status !== 'waiting') {
    recordOnly(context, state, event, at);
    return;
  }
  switch (event.type) {
    case 'review':
      if (event.state !== 'commented') decide(context, state, at, reviewCandidate(event));
      return;
    case 'review_dismissed':
      withdraw(state, `review:${event.review_id}`, `withdrawn: review dismissed by ${event.actor}`);
      return;
    case 'comment': {
      const candidate = commentCandidate(context, state, event);
      if (candidate) decide(context, state, at, candidate);
      const handover = parseReassign(event.body);
      if (handover.length === 0) return;
      // An edit can put words in someone else's comment: /reassign counts only as first posted.
      if (event.edited) note(state, at, undefined, `/reassign by ${event.actor} ignored: the comment was edited, and a command counts only as first posted`);
      else reassign(context, state, at, event.actor, handover, event.id);
      return;
    }
    case 'button':
      decide(context, state, at, buttonCandidate(state, event));
      return;
    case 'labeled':
      labelDecision(context, state, at, event.actor, event.label);
      waitSatisfied(context, state, at, (wait) => wait.kind === 'label' && wait.label === event.label, { label: event.label });
      return;
    case 'unlabeled':
      withdraw(state, `label:${event.label}`, `withdrawn: label removed by ${event.actor}`);
      return;
    case 'push':
      invalidateOnPush(context, state, at, event.sha);
      waitSatisfied(context, state, at, (wait) => wait.kind === 'push', { sha: event.sha });
      return;
    case 'check_run':
      checkRunCompleted(context, state, at, event);
      return;
    case 'callback':
      callback(context, state, at, event);
      return;
    case 'closed':
      if (!state.closesPr) finish(state, 'cancelled', at, event.merged ? `merged outside the flow by ${event.actor}` : `the PR was closed by ${event.actor}`);
      return;
    case 'reopened':
      return;
  }
}

/**
 * Outside a run's life what arrives changes nothing, but every decision is still
 * recorded: before it started (its first event failed, and it started later), and
 * after it ended (a finished run is final). decide() says which, as the rule.
 */
function recordOnly(context: EngineContext, state: RunState, event: FactEvent, at: number): void {
  switch (event.type) {
    case 'review':
      if (event.state !== 'commented') decide(context, state, at, reviewCandidate(event));
      return;
    case 'comment': {
      const candidate = commentCandidate(context, state, event);
      if (candidate) decide(context, state, at, candidate);
      return;
    }
    case 'button':
      decide(context, state, at, buttonCandidate(state, event));
      return;
    case 'labeled':
      labelDecision(context, state, at, event.actor, event.label);
      return;
    case 'callback':
      callback(context, state, at, event);
      return;
    default:
      return;
  }
}

function reviewCandidate(event: Extract<FactEvent, { type: 'review' }>): Candidate {
  const decision: Decision = event.state === 'approved' ? 'approve' : 'decline';
  const ref = `review:${event.id}`;
  return { actor: event.actor, decision, source: 'review', sha: event.sha, ...(event.body ? { reason: event.body } : {}), ref, withdrawnBy: ref };
}

/** A comment's decision: its command as first posted, or the verdict already given on it (an edit changes neither). */
function commentCandidate(context: EngineContext, state: RunState, event: Extract<FactEvent, { type: 'comment' }>): Candidate | undefined {
  const ref = `comment:${event.id}`;
  const command = parseCommand(event.body);
  const judged = context.verdicts.get(ref)?.[0];
  const decision = judged?.decision ?? command?.decision;
  if (decision === undefined) return undefined;
  const reason = command?.decision === decision ? command.reason : undefined;
  return {
    actor: event.actor,
    decision,
    source: 'comment',
    sha: state.view.headSha,
    ...(reason !== undefined ? { reason } : {}),
    ref,
    ...(event.edited ? { edited: true } : {}),
    ...(event.deleted ? { deleted: true } : {}),
  };
}

/** A button binds to the commit of the check run clicked, when the shell knows it. */
function buttonCandidate(state: RunState, event: Extract<FactEvent, { type: 'button' }>): Candidate {
  return {
    actor: event.actor,
    decision: event.action,
    source: 'button',
    sha: event.sha ?? state.view.headSha,
    ...(event.reason !== undefined ? { reason: event.reason } : {}),
    ...(event.step !== undefined ? { step: event.step } : {}),
    ref: `button:${event.actor}:${iso(Date.parse(event.at))}`,
  };
}

/** Fires every timer due at or before `until`, in time order. */
export function advance(context: EngineContext, state: RunState, until: number): void {
  if (!state.begun && until >= state.startedAt) begin(context, state);
  for (let timer = nextTimer(context, state); timer && timer.at <= until && state.status === 'waiting'; timer = nextTimer(context, state)) {
    fireTimer(context, state, timer);
  }
}

function begin(context: EngineContext, state: RunState): void {
  state.begun = true;
  if (context.facts.run.head_sha !== undefined) state.view.headSha = context.facts.run.head_sha;
  note(state, state.startedAt, undefined, `run started (flow ${context.flow.name})`);
  transition(context, state, context.flow.steps[0]!.id, state.startedAt);
}

function updateView(state: RunState, event: FactEvent): void {
  if (event.type === 'labeled' && !state.view.labels.includes(event.label)) state.view.labels.push(event.label);
  if (event.type === 'unlabeled') state.view.labels = state.view.labels.filter((label) => label !== event.label);
  if (event.type === 'push') {
    state.view.headSha = event.sha;
    const pusher = event.actor === undefined ? undefined : lower(event.actor);
    if (pusher !== undefined && !state.view.pushers.includes(pusher)) state.view.pushers.push(pusher);
  }
}

export function transition(context: EngineContext, state: RunState, target: string, at: number): void {
  let next: string | undefined = target;
  while (next !== undefined && state.status === 'waiting') {
    if (isTerminal(next)) {
      const status: RunStatus = next === 'succeed' ? 'succeeded' : state.lastSetback === 'declined' ? 'declined' : 'failed';
      finish(state, status, at, next === 'succeed' ? 'reached succeed' : `reached fail${state.lastSetback ? ` after a step ${state.lastSetback}` : ''}`);
      return;
    }
    state.transitions += 1;
    if (state.transitions > MAX_TRANSITIONS) {
      finish(state, 'failed', at, `stopped after ${MAX_TRANSITIONS} transitions: the flow is looping`);
      return;
    }
    next = enter(context, state, context.flow.byId.get(next)!, at);
  }
}

/** Enters a step; returns where to go next when the step completes at once. */
export function enter(context: EngineContext, state: RunState, step: CompiledStep, at: number): string | undefined {
  const record = state.steps[step.id]!;
  record.attempts += 1;
  record.status = 'active';
  record.started_at = iso(at);
  delete record.ended_at;
  record.outputs = {};
  const attempt = record.attempts;
  switch (step.kind) {
    case 'route': {
      const result = evaluateCondition(step.condition!, { flow: context.flow, context: context.pr, labels: state.view.labels });
      const target = result.value ? step.next : step.elseTarget;
      end(state, step, 'routed', at, { branch: result.value ? 'then' : 'else', reason: result.reason });
      note(state, at, step.id, `${result.reason} -> ${target}`);
      return target;
    }
    case 'actions': {
      const view = templateView(context, state, at, { step: { id: step.id, name: step.name, attempt } });
      for (const [index, action] of step.actions.entries()) {
        const outcome = effectsOfAction(action, context, state, view);
        if (!outcome.ok) {
          note(state, at, step.id, `action ${index + 1} failed: ${outcome.error}`);
          if (step.onError === 'continue') continue;
          end(state, step, 'failed', at, { error: outcome.error });
          finish(state, 'failed', at, `${step.id}: ${outcome.error}`);
          return undefined;
        }
        outcome.effects.forEach((body, part) => {
          const suffix = outcome.effects.length > 1 ? `.${part}` : '';
          addEffect(state, body, { key: `${key(context, step.id, attempt)}:action-${index}${suffix}`, step: step.id, attempt, at, cause: `action ${index + 1} of ${step.id}`, origin: 'action' });
        });
      }
      end(state, step, 'done', at);
      return step.next;
    }
    case 'approval':
    case 'parallel': {
      state.active = { step: step.id, attempt, since: at, gates: {} };
      state.lastGate = { step: step.id, gate: step.id, attempt };
      delete state.lastDeadline;
      for (const gate of step.gates) {
        state.active.gates[gate.branch] = { status: 'open', votes: {}, approvals: 0, addedUsers: [], addedTeams: [], handovers: {}, fired: [], deadlinePassed: false };
        openGate(context, state, step, gate, attempt, at);
      }
      return undefined;
    }
    case 'wait': {
      state.active = { step: step.id, attempt, since: at, gates: {} };
      const wait = step.wait!;
      note(state, at, step.id, `waiting for ${describeWait(wait)}${'timeoutMs' in wait && wait.timeoutMs ? ` (timeout ${formatDuration(wait.timeoutMs)})` : ''}`);
      if (wait.kind === 'callback' && wait.message !== undefined) {
        const view = templateView(context, state, at, { step: { id: step.id, name: step.name, attempt } });
        addEffect(state, { type: 'comment', body: renderTemplate(wait.message, view) }, { key: `${key(context, step.id, attempt)}:message`, step: step.id, attempt, at, cause: `wait ${step.id} started`, origin: 'wait' });
      }
      return undefined;
    }
  }
}

export function openGate(context: EngineContext, state: RunState, step: CompiledStep, gate: CompiledGate, attempt: number, at: number): void {
  const base = `${key(context, step.id, attempt)}:${gate.branch}`;
  const approvers = describeApprovers(gate);
  note(state, at, step.id, `${step.kind === 'parallel' ? `${gate.branch}: ` : ''}waiting for ${describeNeed(gate)} from ${approvers}`);
  if (gate.requestReview) {
    const users = gate.from.users.filter((user) => lower(user) !== context.pr.author);
    const teams = gate.from.teams;
    if (users.length + teams.length > 0) {
      addEffect(state, { type: 'request_reviewers', users, teams }, { key: `${base}:request-review`, step: step.id, attempt, at, cause: `${label(step, gate)} opened`, origin: 'gate' });
    }
  }
  if (gate.message !== undefined) {
    const view = templateView(context, state, at, { step: { id: step.id, name: step.name, attempt }, gate: gateVariables(context, state, gate, at) });
    addEffect(state, { type: 'comment', body: renderTemplate(gate.message, view) }, { key: `${base}:message`, step: step.id, attempt, at, cause: `${label(step, gate)} opened`, origin: 'gate' });
  }
}

/** Leaves the active step with an outcome and follows the matching transition. */
export function leave(context: EngineContext, state: RunState, status: StepStatus, at: number, target: string, outputs: Record<string, unknown> = {}): void {
  const step = context.flow.byId.get(state.active!.step)!;
  state.active = null;
  end(state, step, status, at, outputs);
  if (status === 'declined') state.lastSetback = 'declined';
  else if (status === 'failed' || status === 'timed_out') state.lastSetback = 'failed';
  else delete state.lastSetback;
  transition(context, state, target, at);
}

export function end(state: RunState, step: CompiledStep, status: StepStatus, at: number, outputs: Record<string, unknown> = {}): void {
  const record = state.steps[step.id]!;
  record.status = status;
  record.ended_at = iso(at);
  Object.assign(record.outputs, outputs);
}

export function finish(state: RunState, status: RunStatus, at: number, reason: string): void {
  state.status = status;
  state.reason = reason;
  state.endedAt = at;
  if (state.active) {
    const record = state.steps[state.active.step];
    if (record && record.status === 'active') {
      record.status = 'failed';
      record.ended_at = iso(at);
    }
    state.active = null;
  }
  note(state, at, undefined, `run ${status}: ${reason}`);
}

