/**
 * Moving between steps: entering a step, leaving it with an outcome, finishing the
 * run, and an effect's failure failing its step. Below run.ts (which routes events)
 * and beside nothing it imports back: decisions, waits and timers call down here.
 */
import { isTerminal, lower, type CompiledGate, type CompiledStep } from '../flow/compile.js';
import { formatDuration } from '../flow/duration.js';
import { renderTemplate } from '../flow/template.js';
import { evaluateCondition } from './conditions.js';
import { effectsOfAction, iso, templateView, type EngineContext } from './effects.js';
import type { FactEvent } from './facts.js';
import type { RunState, RunStatus, StepStatus } from './state.js';
import { addEffect, key, note } from './ledger.js';
import { describeApprovers, describeNeed, gateVariables, label, short } from './gate.js';

/** A validated flow cannot loop without a wait; this bounds a run all the same. */
export const MAX_TRANSITIONS = 1000;
export const APP_ACTOR = 'flowgate';

export function describeWait(wait: NonNullable<CompiledStep['wait']>): string {
  switch (wait.kind) {
    case 'callback':
      return 'a callback';
    case 'check_run':
      return `check run "${wait.name}" to conclude ${wait.conclusions.join(' or ')}`;
    case 'label':
      return `label ${wait.label}`;
    case 'push':
      return 'a push';
    case 'duration':
      return formatDuration(wait.durationMs);
  }
}

export function effectResult(context: EngineContext, state: RunState, event: Extract<FactEvent, { type: 'effect' }>, at: number): void {
  const effect = state.effects.find((candidate) => candidate.key === event.key);
  if (event.pending) {
    note(state, at, effect?.step, `fault: ${event.error ?? 'unknown error'}`);
    return;
  }
  if (!effect) return;
  effect.status = event.ok ? 'applied' : 'failed';
  if (event.error !== undefined) effect.error = event.error;
  if (event.ok) return;
  note(state, at, effect.step, `${effect.type} failed: ${event.error ?? 'unknown error'}`);
  const step = context.flow.byId.get(effect.step);
  if (effect.origin !== 'action' || step?.onError !== 'fail' || state.status === 'failed' || state.status === 'cancelled') return;
  if (effect.type === 'merge' && state.approvedStep !== undefined && state.view.headSha !== effect.sha) {
    // The head moved past the approved commit before the merge landed: the approval was for a commit no longer
    // proposed, and nobody has approved the new one. Back to the gate, for the new head.
    const gate = state.approvedStep;
    note(state, at, effect.step, `the head moved to ${short(state.view.headSha)} before the merge of ${short(effect.sha)}: back to ${gate} for the new head`);
    state.steps[step.id]!.status = 'failed';
    Object.assign(state, { status: 'waiting', closesPr: false });
    for (const field of ['reason', 'endedAt', 'approvedSha', 'approvedStep'] as const) delete state[field];
    transition(context, state, gate, at);
    return;
  }
  state.steps[step.id]!.status = 'failed';
  state.status = 'waiting';
  finish(state, 'failed', at, `${step.id}: ${effect.type} failed: ${event.error ?? 'unknown error'}`);
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

