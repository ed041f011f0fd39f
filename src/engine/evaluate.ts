/**
 * evaluate(flow, facts, now): the whole engine as one pure function.
 * Same flow, facts and time in; the same run state, decision record and
 * effects out, every time.
 */
import { compileFlow, type CompiledFlow } from '../flow/compile.js';
import type { Flow } from '../flow/schema.js';
import { iso, type EngineContext } from './effects.js';
import type { FactEvent, Facts, Verdict } from './facts.js';
import { describeApprovers, tally } from './gate.js';
import { prContext } from './pr-context.js';
import { forgetVerdictIndex } from './decisions.js';
import { advance, applyEvent, startRun } from './run.js';
import { nextTimer } from './timers.js';
import type { Awaiting, Evaluation, RunState } from './state.js';
import { extend } from './extend.js';

export type Instant = Date | string | number;

/** The context of one evaluation: the compiled flow, the facts with events in time order, and derived PR views. */
export interface EvaluateOptions {
  callbackLink?: EngineContext['callbackLink'];
}

export function engineContext(flow: Flow | CompiledFlow, given: Facts, options: EvaluateOptions = {}): EngineContext {
  const compiled = 'byId' in flow ? flow : compileFlow(flow);
  const facts = withDeletedComments(given);
  const events = facts.events;
  const times = new Array<number>(events.length);
  let sorted = true;
  for (let index = 0; index < events.length; index += 1) {
    const time = parseTime(events[index]!.at);
    times[index] = time;
    if (index > 0 && times[index - 1]! > time) sorted = false;
  }
  const callbackLink = options.callbackLink ? { callbackLink: options.callbackLink } : {};
  const verdicts = verdictsByRef(facts.verdicts ?? []);
  if (sorted) return { flow: compiled, facts, times, pr: prContext(facts.pr), verdicts, ...callbackLink };
  // Events at the same time keep their given order.
  const order = times.map((_, index) => index).sort((a, b) => times[a]! - times[b]! || a - b);
  return {
    flow: compiled,
    facts: extend(facts, { events: order.map((index) => facts.events[index]!) }),
    times: order.map((index) => times[index]!),
    pr: prContext(facts.pr),
    verdicts,
    ...callbackLink,
  };
}

const parsedTimes = new Map<string, number>();
/**
 * Date.parse, remembered: parsing costs more than the rest of folding an event, and every
 * evaluation of a PR parses the same event times again (the inverse of `iso`, bounded like it).
 */
export function parseTime(text: string): number {
  let time = parsedTimes.get(text);
  if (time === undefined) {
    if (parsedTimes.size >= 100_000) parsedTimes.clear();
    time = Date.parse(text);
    parsedTimes.set(text, time);
  }
  return time;
}

/** Who a deleted comment's decision is recorded as: its author is not in the verdict. */
export const DELETED_ACTOR = '(deleted comment)';

/**
 * A judged comment that is no longer in the facts was deleted. Its decision is
 * replayed from the verdict, so deleting a decline cannot reopen a run (an
 * approval whose comment is gone no longer counts: see decisions.ts).
 */
function withDeletedComments(facts: Facts): Facts {
  const judged = (facts.verdicts ?? []).filter((verdict) => verdict.ref.startsWith('comment:'));
  if (judged.length === 0) return facts;
  // Comment ids, not refs: this runs on every evaluation of a PR with judged comments.
  const present = new Set<string>();
  for (const event of facts.events) if (event.type === 'comment') present.add(event.id);
  const gone = new Map<string, FactEvent>();
  for (const verdict of judged) {
    if (present.has(verdict.ref.slice('comment:'.length)) || gone.has(verdict.ref)) continue;
    gone.set(verdict.ref, { type: 'comment', at: verdict.at, actor: DELETED_ACTOR, id: verdict.ref.slice('comment:'.length), body: '', deleted: true });
  }
  return gone.size === 0 ? facts : extend(facts, { events: [...facts.events, ...gone.values()] });
}

function verdictsByRef(verdicts: readonly Verdict[]): Map<string, Verdict[]> {
  const byRef = new Map<string, Verdict[]>();
  for (const verdict of verdicts) {
    const list = byRef.get(verdict.ref);
    if (list) list.push(verdict);
    else byRef.set(verdict.ref, [verdict]);
  }
  return byRef;
}

export function toMillis(instant: Instant): number {
  const value = instant instanceof Date ? instant.getTime() : typeof instant === 'number' ? instant : Date.parse(instant);
  if (!Number.isFinite(value)) throw new RangeError(`not a time: ${String(instant)}`);
  return value;
}

export function evaluate(flow: Flow | CompiledFlow, facts: Facts, now: Instant, options: EvaluateOptions = {}): Evaluation {
  const context = engineContext(flow, facts, options);
  return resume(context, startRun(context), 0, now);
}

/**
 * Continues a run from a stored state: applies events from `from` on, then the
 * timers due by `now`. `evaluate` is `resume` from the start.
 */
export function resume(context: EngineContext, state: RunState, from: number, now: Instant): Evaluation {
  const until = toMillis(now);
  const { events } = context.facts;
  for (let index = from; index < events.length; index += 1) {
    if (context.times[index]! > until) break;
    applyEvent(context, state, events[index]!, context.times[index]!);
  }
  advance(context, state, until);
  return report(context, state);
}

/** Applies the first `count` events only, for callers that store and resume state. */
export function foldEvents(context: EngineContext, count: number): RunState {
  const state = startRun(context);
  for (let index = 0; index < count; index += 1) applyEvent(context, state, context.facts.events[index]!, context.times[index]!);
  return state;
}

/** The evaluation of a state. It shares the state's arrays: report once, when done with the state. */
export function report(context: EngineContext, state: RunState): Evaluation {
  forgetVerdictIndex();
  const { flow, facts } = context;
  const timer = nextTimer(context, state);
  const waitingOn: Awaiting[] = [];
  const current: string[] = [];
  const active = state.active;
  if (active && state.status === 'waiting') {
    const step = flow.byId.get(active.step)!;
    if (step.kind === 'wait') {
      current.push(step.id);
      const wait = step.wait!;
      const deadline = wait.kind === 'duration' ? wait.durationMs : wait.timeoutMs;
      const entry: Awaiting = {
        step: step.id,
        kind: wait.kind === 'duration' ? 'time' : wait.kind,
        ...(deadline !== undefined ? { deadline: iso(active.since + deadline) } : {}),
      };
      if (wait.kind === 'callback') entry.token_id = `${facts.run.id}:${step.id}:${active.attempt}`;
      if (wait.kind === 'check_run') entry.name = wait.name;
      if (wait.kind === 'label') entry.name = wait.label;
      waitingOn.push(entry);
    } else {
      for (const gate of step.gates) {
        const gateState = active.gates[gate.branch]!;
        if (gateState.status !== 'open') continue;
        current.push(step.kind === 'parallel' ? `${step.id}/${gate.branch}` : step.id);
        const { have, need } = tally(gate, gateState, context.pr, state.view.pushers);
        waitingOn.push({
          step: step.id,
          ...(step.kind === 'parallel' ? { gate: gate.branch } : {}),
          kind: 'approval',
          need: Math.max(0, need - have),
          have,
          approvers: describeApprovers(gate, gateState),
          ...(gate.timeoutMs !== undefined && !gateState.deadlinePassed ? { deadline: iso(active.since + gate.timeoutMs) } : {}),
        });
      }
    }
  }
  return {
    run: {
      id: facts.run.id,
      flow: flow.name,
      status: state.status,
      ...(state.reason !== undefined ? { reason: state.reason } : {}),
      started_at: iso(state.startedAt),
      ...(state.endedAt !== undefined ? { ended_at: iso(state.endedAt) } : {}),
      current,
      waiting_on: waitingOn,
      ...(timer ? { next_deadline: iso(timer.at) } : {}),
      ...(state.approvedSha !== undefined ? { approved_sha: state.approvedSha } : {}),
    },
    steps: flow.steps.map((step) => ({ id: step.id, name: step.name, kind: step.kind, ...state.steps[step.id]! })),
    decisions: state.decisions,
    effects: state.effects,
    history: state.history,
    verdicts: [...(facts.verdicts ?? []), ...state.verdicts],
  };
}

