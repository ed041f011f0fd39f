/**
 * Timers: deadlines, escalation rungs, reminders and timed waits, all derived
 * from when a step opened. The next one is what a sweep waits for.
 */
import { lower, type CompiledGate, type CompiledStep } from '../flow/compile.js';
import { formatDuration } from '../flow/duration.js';
import { renderTemplate } from '../flow/template.js';
import { readableTime, templateView, type EngineContext } from './effects.js';
import type { Decision } from './facts.js';
import type { EffectBody, RunState } from './state.js';
import { recordDecision, settleGates } from './decisions.js';
import { castVote } from './votes.js';
import { addEffect, key, note } from './ledger.js';
import { gateVariables, label } from './gate.js';
import { APP_ACTOR, describeWait, leave } from './transitions.js';

/** Reminders per escalation rung, so a forgotten PR is not pinged forever. */
export const MAX_REMINDERS = 50;

export type Timer =
  | { at: number; order: number; kind: 'escalate'; gate: CompiledGate; rung: number; count: number }
  | { at: number; order: number; kind: 'gate-timeout'; gate: CompiledGate }
  | { at: number; order: number; kind: 'wait-timeout' | 'wait-duration' };

/** Whether a timer at `at` (ties broken by `order`) comes before `best`. */
const beats = (best: Timer | undefined, at: number, order: number, until: number): boolean => at <= until && (!best || at < best.at || (at === best.at && order < best.order));

/**
 * The next timer; with `until`, only if it is due by then. Runs before every event, and
 * allocates only timers that are due and beat the best so far.
 */
export function nextTimer(context: EngineContext, state: RunState, until = Number.POSITIVE_INFINITY): Timer | undefined {
  const active = state.active;
  if (state.status !== 'waiting' || !active) return undefined;
  const step = context.flow.byId.get(active.step)!;
  let best: Timer | undefined;
  for (const gate of step.gates) {
    const gateState = active.gates[gate.branch]!;
    if (gateState.status !== 'open') continue;
    // A reminder at or after a deadline that closes the gate would arrive with the verdict.
    const closesAt = gate.timeoutMs !== undefined && gate.onTimeout !== 'wait' ? active.since + gate.timeoutMs : Number.POSITIVE_INFINITY;
    for (const rung of gate.escalate) {
      const count = gateState.fired[rung.index] ?? 0;
      if (count > 0 && (rung.repeatMs === undefined || count > MAX_REMINDERS)) continue;
      const at = active.since + rung.afterMs + count * (rung.repeatMs ?? 0);
      if (at < closesAt && beats(best, at, 0, until)) best = { at, order: 0, kind: 'escalate', gate, rung: rung.index, count };
    }
    if (gate.timeoutMs !== undefined && !gateState.deadlinePassed) {
      const at = active.since + gate.timeoutMs;
      if (beats(best, at, 1, until)) best = { at, order: 1, kind: 'gate-timeout', gate };
    }
  }
  const wait = step.wait;
  if (wait?.kind === 'duration') {
    const at = active.since + wait.durationMs;
    if (beats(best, at, 1, until)) best = { at, order: 1, kind: 'wait-duration' };
  } else if (wait && wait.timeoutMs !== undefined) {
    const at = active.since + wait.timeoutMs;
    if (beats(best, at, 1, until)) best = { at, order: 1, kind: 'wait-timeout' };
  }
  return best;
}

export function fireTimer(context: EngineContext, state: RunState, timer: Timer): void {
  const active = state.active!;
  const step = context.flow.byId.get(active.step)!;
  const at = timer.at;
  switch (timer.kind) {
    case 'escalate':
      escalate(context, state, step, timer.gate, timer.rung, timer.count, at);
      return;
    case 'gate-timeout': {
      const gate = timer.gate;
      const gateState = active.gates[gate.branch]!;
      gateState.deadlinePassed = true;
      const within = formatDuration(gate.timeoutMs!);
      if (gate.onTimeout === 'wait') {
        note(state, at, step.id, `${label(step, gate)} deadline passed at ${readableTime(at)}: no decision within ${within}; still waiting (on_timeout: wait)`);
        return;
      }
      const decision: Decision = gate.onTimeout;
      const rule = `auto-${decision}d at ${readableTime(at)}: no decision within ${within} (on_timeout: ${decision})`;
      recordDecision(state, step.id, gate.branch, active.attempt, { actor: APP_ACTOR, decision, source: 'timeout', sha: state.view.headSha }, at, true, rule);
      gateState.status = decision === 'approve' ? 'approved' : 'declined';
      castVote(gateState, APP_ACTOR, { decision, at, record: state.decisions.length - 1 });
      state.lastDeadline = { step: step.id, gate: gate.branch, attempt: active.attempt, at, rule };
      settleGates(context, state, at);
      return;
    }
    case 'wait-duration':
      note(state, at, step.id, `waited ${describeWait(step.wait!)} -> ${step.next}`);
      leave(context, state, 'done', at, step.next);
      return;
    case 'wait-timeout': {
      const wait = step.wait!;
      note(state, at, step.id, `timed out after ${formatDuration('timeoutMs' in wait ? wait.timeoutMs! : 0)} waiting for ${describeWait(wait)} -> ${step.onTimeout}`);
      leave(context, state, 'timed_out', at, step.onTimeout);
      return;
    }
  }
}

export function escalate(context: EngineContext, state: RunState, step: CompiledStep, gate: CompiledGate, index: number, count: number, at: number): void {
  const active = state.active!;
  const gateState = active.gates[gate.branch]!;
  const rung = gate.escalate[index]!;
  gateState.fired[index] = count + 1;
  const what: string[] = [];
  if (count === 0 && rung.addApprovers) {
    for (const user of rung.addApprovers.users) if (!gateState.addedUsers.includes(lower(user))) gateState.addedUsers.push(lower(user));
    for (const team of rung.addApprovers.teams) if (!gateState.addedTeams.includes(team)) gateState.addedTeams.push(team);
    what.push(`added ${[...rung.addApprovers.users.map((user) => `@${user}`), ...rung.addApprovers.teams.map((team) => `@${team}`)].join(', ')} as approvers`);
  }
  const waited = formatDuration(at - active.since);
  const mentions = [...(rung.notify?.users ?? []).map((user) => `@${user}`), ...(rung.notify?.teams ?? []).map((team) => `@${team}`)];
  const variables = gateVariables(context, state, gate, at);
  const view = templateView(context, state, at, { step: { id: step.id, name: step.name, attempt: active.attempt }, gate: variables });
  const message =
    rung.message !== undefined
      ? renderTemplate(rung.message, view)
      : // Delivery puts the mentions in front (notify.users and notify.teams).
        `**${step.name}** in flow ${context.flow.name} has waited ${waited} for ${variables.waiting_on}.${variables.deadline ? ` It times out at ${variables.deadline}.` : ''}`;
  if (rung.notify || rung.message !== undefined) {
    const body: EffectBody = {
      type: 'notify',
      users: rung.notify?.users ?? [],
      teams: rung.notify?.teams ?? [],
      ...(rung.notify?.connection !== undefined ? { connection: rung.notify.connection, decide: { step: step.id, attempt: active.attempt } } : {}),
      message,
    };
    addEffect(state, body, {
      key: `${key(context, step.id, active.attempt)}:${gate.branch}:escalate-${index}-${count}`,
      step: step.id,
      attempt: active.attempt,
      at,
      cause: count === 0 ? `escalation ${index + 1} (after ${formatDuration(rung.afterMs)})` : `reminder ${count} of escalation ${index + 1}`,
      origin: 'escalation',
    });
    what.push(mentions.length > 0 || rung.notify?.connection ? `notified ${[...mentions, ...(rung.notify?.connection ? [`connection ${rung.notify.connection}`] : [])].join(', ')}` : 'posted a reminder');
  }
  note(state, at, step.id, `${count === 0 ? `escalation ${index + 1}` : `reminder ${count}`} after ${waited}: ${what.join('; ') || 'nothing to do'}`);
}

