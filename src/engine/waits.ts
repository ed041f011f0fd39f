/**
 * Waits: what resumes a paused run (a label, a push, a check run, a callback).
 */
import type { CompiledStep } from '../flow/compile.js';
import { iso, type EngineContext } from './effects.js';
import type { FactEvent } from './facts.js';
import { short } from './gate.js';
import type { RunState } from './state.js';
import { decide } from './decisions.js';
import { note } from './ledger.js';
import { describeWait, leave } from './transitions.js';

export function waitSatisfied(
  context: EngineContext,
  state: RunState,
  at: number,
  matches: (wait: NonNullable<CompiledStep['wait']>) => boolean,
  outputs: Record<string, unknown>,
): void {
  const active = state.active;
  if (!active) return;
  const step = context.flow.byId.get(active.step)!;
  if (step.kind !== 'wait' || !matches(step.wait!) || at < active.since) return;
  note(state, at, step.id, `${describeWait(step.wait!)} arrived -> ${step.next}`);
  leave(context, state, 'done', at, step.next, outputs);
}

export function checkRunCompleted(context: EngineContext, state: RunState, at: number, event: Extract<FactEvent, { type: 'check_run' }>): void {
  const active = state.active;
  const step = active ? context.flow.byId.get(active.step) : undefined;
  const wait = step?.wait;
  if (!step || wait?.kind !== 'check_run' || wait.name !== event.name) return;
  if (wait.app !== undefined && !fromApp(wait.app, event.app)) {
    const from = event.app ? `${event.app.slug ?? 'an app'} (app ${event.app.id})` : 'an unknown app';
    note(state, at, step.id, `check run "${event.name}" from ${from} ignored: the flow accepts it only from ${wait.app}`);
    return;
  }
  if (event.sha !== state.view.headSha) {
    note(state, at, step.id, `check run "${event.name}" on ${short(event.sha)} ignored: the head is ${short(state.view.headSha)}`);
    return;
  }
  const outputs = { conclusion: event.conclusion, sha: event.sha, ...(event.url ? { url: event.url } : {}) };
  const passed = wait.conclusions.includes(event.conclusion);
  note(state, at, step.id, `check run "${event.name}" concluded ${event.conclusion} -> ${passed ? step.next : step.onDecline}`);
  leave(context, state, passed ? 'done' : 'failed', at, passed ? step.next : step.onDecline, outputs);
}

export function callback(context: EngineContext, state: RunState, at: number, event: Extract<FactEvent, { type: 'callback' }>): void {
  if (event.refused !== undefined) note(state, at, event.step, `callback for ${event.step}#${event.attempt} refused: ${event.refused}`);
  const target = context.flow.byId.get(event.step);
  if (target && target.kind !== 'wait' && event.decision !== undefined) {
    // Optional fields after the others: a literal that starts with a spread outlives young collections (extend.ts).
    decide(context, state, at, {
      decision: event.decision,
      source: 'callback',
      sha: state.view.headSha,
      step: event.step,
      attempt: event.attempt,
      ref: `callback:${event.step}:${event.attempt}:${event.actor ?? '-'}:${iso(at)}`,
      ...(event.actor !== undefined ? { actor: event.actor } : {}),
      ...(event.reason !== undefined ? { reason: event.reason } : {}),
      ...(event.refused !== undefined ? { refused: event.refused } : {}),
    });
    return;
  }
  if (event.refused !== undefined) return;
  if (state.status !== 'waiting') {
    note(state, at, event.step, `callback ignored: the run has already ended (${state.status})`);
    return;
  }
  const active = state.active;
  if (!active || active.step !== event.step) {
    note(state, at, event.step, `callback ignored: the run is ${active ? `at ${active.step}` : 'not waiting for it'}`);
    return;
  }
  if (event.attempt !== active.attempt) {
    note(state, at, event.step, `callback ignored: it is for attempt ${event.attempt}, and the step is on attempt ${active.attempt}`);
    return;
  }
  const step = context.flow.byId.get(active.step)!;
  if (step.wait?.kind !== 'callback') {
    note(state, at, step.id, 'callback ignored: this step does not wait for one');
    return;
  }
  const result = event.result ?? (event.decision === 'decline' ? 'failure' : 'success');
  const outputs: Record<string, unknown> = {
    result,
    ...(event.summary !== undefined ? { summary: event.summary } : {}),
    ...(event.reason !== undefined ? { reason: event.reason } : {}),
    ...(event.links !== undefined ? { links: event.links } : {}),
    ...(event.outputs ?? {}),
  };
  const target_ = result === 'success' ? step.next : step.onDecline;
  note(state, at, step.id, `callback: ${result}${event.summary ? ` (${event.summary})` : ''} -> ${target_}`);
  leave(context, state, result === 'success' ? 'done' : 'failed', at, target_, outputs);
}


/** Whether a check run's app is the one a wait names: an app id, or a slug in any case. Unknown apps never match. */
function fromApp(pinned: string | number, app: { id: number; slug?: string } | undefined): boolean {
  if (!app) return false;
  if (typeof pinned === 'number' || /^\d+$/.test(pinned)) return app.id === Number(pinned);
  return app.slug !== undefined && app.slug.toLowerCase() === pinned.toLowerCase();
}
