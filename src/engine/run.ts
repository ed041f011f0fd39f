/**
 * The run state machine: a fold of time-ordered events (and the timers they
 * imply) over a RunState. Pure: it reads only its arguments, and the state
 * it mutates is its own.
 */
import { isTerminal, lower, type CompiledGate, type CompiledStep } from '../flow/compile.js';
import { formatDuration } from '../flow/duration.js';
import { renderTemplate } from '../flow/template.js';
import { evaluateCondition } from './conditions.js';
import { effectsOfAction, iso, readableTime, templateView, type EngineContext } from './effects.js';
import type { Decision, FactEvent, Facts } from './facts.js';
import { describeApprovers, judge, short, tally, type Ballot } from './gate.js';
import type { DecisionRecord, Effect, EffectBody, GateState, RunState, RunStatus, StepStatus, Vote } from './state.js';

/** A validated flow cannot loop without a wait; this bounds a run all the same. */
export const MAX_TRANSITIONS = 1000;
/** Reminders per escalation rung, so a forgotten PR is not pinged forever. */
export const MAX_REMINDERS = 50;
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
    transitions: 0,
    closesPr: false,
  };
}

/** The labels and head at the first event: the snapshot, with every later change undone. */
function initialView(facts: Facts): RunState['view'] {
  const labels = new Set(facts.pr.labels);
  for (let index = facts.events.length - 1; index >= 0; index -= 1) {
    const event = facts.events[index]!;
    if (event.type === 'labeled') labels.delete(event.label);
    else if (event.type === 'unlabeled') labels.add(event.label);
  }
  const firstPush = facts.events.find((event) => event.type === 'push');
  const headSha = firstPush?.type === 'push' && firstPush.before ? firstPush.before : facts.pr.head_sha;
  return { labels: [...labels], headSha };
}

export function applyEvent(context: EngineContext, state: RunState, event: FactEvent, at: number): void {
  if (!state.begun && at < state.startedAt) {
    updateView(state, event);
    return;
  }
  advance(context, state, at);
  updateView(state, event);
  if (event.type === 'effect') {
    effectResult(context, state, event, at);
    return;
  }
  // After a run ends, only a gate closed by its deadline still listens: to record decisions as late.
  if (state.status !== 'waiting' && !state.lastDeadline) return;
  switch (event.type) {
    case 'review':
      if (event.state !== 'commented') {
        const decision: Decision = event.state === 'approved' ? 'approve' : 'decline';
        decide(context, state, at, { actor: event.actor, decision, source: 'review', sha: event.sha, reason: event.body || undefined, ref: `review:${event.id}` });
      }
      return;
    case 'review_dismissed':
      withdraw(state, `review:${event.review_id}`, `withdrawn: review dismissed by ${event.actor}`);
      return;
    case 'comment': {
      const command = parseCommand(event.body);
      if (command) decide(context, state, at, { actor: event.actor, source: 'comment', sha: state.view.headSha, ...command });
      const handover = parseReassign(event.body);
      if (handover.length > 0) reassign(context, state, at, event.actor, handover, event.id);
      return;
    }
    case 'button':
      decide(context, state, at, { actor: event.actor, decision: event.action, source: 'button', sha: state.view.headSha, reason: event.reason, step: event.step });
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
      if (state.status === 'waiting' && !state.closesPr) {
        finish(state, 'cancelled', at, event.merged ? `merged outside the flow by ${event.actor}` : `the PR was closed by ${event.actor}`);
      }
      return;
    case 'reopened':
      return;
  }
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
  note(state, state.startedAt, undefined, `run started (flow ${context.flow.name})`);
  transition(context, state, context.flow.steps[0]!.id, state.startedAt);
}

function updateView(state: RunState, event: FactEvent): void {
  if (event.type === 'labeled' && !state.view.labels.includes(event.label)) state.view.labels.push(event.label);
  if (event.type === 'unlabeled') state.view.labels = state.view.labels.filter((label) => label !== event.label);
  if (event.type === 'push') state.view.headSha = event.sha;
}

// ---------------------------------------------------------------- transitions

function transition(context: EngineContext, state: RunState, target: string, at: number): void {
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
function enter(context: EngineContext, state: RunState, step: CompiledStep, at: number): string | undefined {
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

function openGate(context: EngineContext, state: RunState, step: CompiledStep, gate: CompiledGate, attempt: number, at: number): void {
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
function leave(context: EngineContext, state: RunState, status: StepStatus, at: number, target: string, outputs: Record<string, unknown> = {}): void {
  const step = context.flow.byId.get(state.active!.step)!;
  state.active = null;
  end(state, step, status, at, outputs);
  if (status === 'declined') state.lastSetback = 'declined';
  else if (status === 'failed' || status === 'timed_out') state.lastSetback = 'failed';
  else delete state.lastSetback;
  transition(context, state, target, at);
}

function end(state: RunState, step: CompiledStep, status: StepStatus, at: number, outputs: Record<string, unknown> = {}): void {
  const record = state.steps[step.id]!;
  record.status = status;
  record.ended_at = iso(at);
  Object.assign(record.outputs, outputs);
}

function finish(state: RunState, status: RunStatus, at: number, reason: string): void {
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

// ---------------------------------------------------------------- decisions

interface Candidate {
  actor?: string;
  decision: Decision;
  source: Ballot['source'];
  sha: string;
  reason?: string;
  /** What withdraws it later. */
  ref?: string;
  /** A step the decision names (buttons and callbacks). */
  step?: string;
  attempt?: number;
  /** For label decisions: the label. */
  label?: string;
}

/** `/approve [note]` or `/decline <reason>` on a line of its own; quoted and fenced lines are skipped. */
export function parseCommand(body: string): { decision: Decision; reason?: string } | undefined {
  if (!/\/(approve|decline)/i.test(body)) return undefined; // most comments: no command, no allocation
  let fenced = false;
  for (const line of body.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced || /^\s*>/.test(line)) continue;
    const match = /^\s*\/(approve|decline)(?:\s+(.*?))?\s*$/i.exec(line);
    if (match) {
      const reason = match[2]?.trim();
      return { decision: match[1]!.toLowerCase() as Decision, ...(reason ? { reason } : {}) };
    }
  }
  return undefined;
}

/** `/reassign @alice [@bob]` on a line of its own: the logins named. */
export function parseReassign(body: string): string[] {
  if (!/\/reassign/i.test(body)) return [];
  const match = /^\s*\/reassign((?:\s+@[A-Za-z0-9][A-Za-z0-9-]{0,38})+)\s*$/im.exec(body);
  return match ? match[1]!.trim().split(/\s+/).map((mention) => mention.slice(1)) : [];
}

/**
 * An approver hands an open gate to others: they may decide it from now on, and
 * are told. Only someone who may decide the gate may hand it over.
 */
function reassign(context: EngineContext, state: RunState, at: number, actor: string, logins: string[], commentId: string): void {
  const active = state.active;
  const step = active ? context.flow.byId.get(active.step) : undefined;
  if (!active || !step || step.gates.length === 0) {
    note(state, at, undefined, `${actor} asked to reassign, but no approval gate is open`);
    return;
  }
  let handed = false;
  for (const gate of step.gates) {
    const gateState = active.gates[gate.branch]!;
    if (gateState.status !== 'open') continue;
    const judgement = judge(gate, gateState, { actor, decision: 'approve', source: 'comment', sha: state.view.headSha }, context.pr, state.view.headSha);
    if (!judgement.counted) {
      note(state, at, step.id, `${actor} may not reassign ${label(step, gate)}: ${judgement.rule.replace(/^ignored: /, '')}`);
      continue;
    }
    for (const login of logins) gateState.handovers[lower(login)] ??= actor;
    handed = true;
    note(state, at, step.id, `${actor} reassigned ${label(step, gate)} to ${logins.map((login) => `@${login}`).join(', ')}`);
  }
  if (!handed) return;
  addEffect(
    state,
    { type: 'notify', users: logins, teams: [], message: `@${actor} handed **${step.name}** in flow ${context.flow.name} to you: approve with a review or \`/approve\`, or decline with \`/decline <reason>\`.` },
    { key: `${key(context, step.id, active.attempt)}:reassign:${commentId}`, step: step.id, attempt: active.attempt, at, cause: `reassigned by ${actor}`, origin: 'gate' },
  );
}

function labelDecision(context: EngineContext, state: RunState, at: number, actor: string, name: string): void {
  const decision = context.flow.decisionLabels.get(name);
  if (decision === undefined) return;
  decide(context, state, at, { actor, decision, source: 'label', sha: state.view.headSha, ref: `label:${name}`, label: name });
}

function decide(context: EngineContext, state: RunState, at: number, candidate: Candidate): void {
  const active = state.active;
  const step = active ? context.flow.byId.get(active.step) : undefined;
  const ignore = (rule: string, gate = step?.id ?? state.lastDeadline?.gate ?? '', attempt = active?.attempt ?? 0) =>
    recordDecision(state, { step: step?.id ?? state.lastDeadline?.step ?? '', gate, attempt, candidate, at, counted: false, rule });
  if (!active || !step || step.gates.length === 0) {
    ignore(state.lastDeadline ? `ignored: arrived after the deadline (${state.lastDeadline.rule})` : 'ignored: no approval gate is open');
    return;
  }
  if (candidate.step !== undefined && candidate.step !== step.id && !step.gates.some((gate) => gate.branch === candidate.step)) {
    ignore(`ignored: meant for step ${candidate.step}, but the run is at ${step.id}`);
    return;
  }
  if (candidate.attempt !== undefined && candidate.attempt !== active.attempt) {
    ignore(`ignored: meant for attempt ${candidate.attempt}, but ${step.id} is on attempt ${active.attempt}`);
    return;
  }
  if (candidate.actor === undefined) {
    ignore('ignored: the sender is not mapped to a GitHub user');
    return;
  }
  const gates = step.gates.filter((gate) => {
    if (active.gates[gate.branch]!.status !== 'open') return false;
    if (candidate.step !== undefined && candidate.step !== step.id && candidate.step !== gate.branch) return false;
    if (candidate.label !== undefined) {
      return candidate.label === (candidate.decision === 'approve' ? gate.labels.approve : gate.labels.decline);
    }
    return true;
  });
  if (gates.length === 0) {
    if (candidate.label === undefined) ignore('ignored: no open gate here takes this decision');
    return;
  }
  const ballot: Ballot = { actor: candidate.actor, decision: candidate.decision, source: candidate.source, sha: candidate.sha };
  const judged = gates.map((gate) => ({ gate, judgement: judge(gate, active.gates[gate.branch]!, ballot, context.pr, state.view.headSha) }));
  const counted = judged.filter(({ judgement }) => judgement.counted);
  if (counted.length === 0) {
    const first = judged[0]!;
    const rule = judged.length > 1 ? `${first.judgement.rule} (for ${judged.map(({ gate }) => gate.branch).join(', ')})` : first.judgement.rule;
    ignore(rule, first.gate.branch);
    if (candidate.label !== undefined) refuseLabel(context, state, at, candidate.actor, candidate.label, first.judgement.rule);
    return;
  }
  for (const { gate, judgement } of counted) {
    const record = recordDecision(state, { step: step.id, gate: gate.branch, attempt: active.attempt, candidate, at, counted: true, rule: judgement.rule });
    const gateState = active.gates[gate.branch]!;
    castVote(gateState, lower(candidate.actor), { decision: candidate.decision, at, ...(candidate.ref ? { ref: candidate.ref } : {}), record });
    if (candidate.decision === 'decline') gateState.status = 'declined';
    else if (tally(gate, gateState, context.pr).met) gateState.status = 'approved';
  }
  settleGates(context, state, at);
}

/** Votes change only here, so the running count of approvals stays right. */
function castVote(gate: GateState, login: string, vote: Vote): void {
  dropVote(gate, login);
  gate.votes[login] = vote;
  if (vote.decision === 'approve') gate.approvals += 1;
}

function dropVote(gate: GateState, login: string): void {
  const vote = gate.votes[login];
  if (!vote) return;
  delete gate.votes[login];
  if (vote.decision === 'approve') gate.approvals -= 1;
}

function recordDecision(
  state: RunState,
  entry: { step: string; gate: string; attempt: number; candidate: Candidate; at: number; counted: boolean; rule: string },
): number {
  const { candidate } = entry;
  const record: DecisionRecord = {
    step: entry.step,
    gate: entry.gate,
    attempt: entry.attempt,
    actor: candidate.actor ?? '(unknown)',
    decision: candidate.decision,
    ...(candidate.reason !== undefined ? { reason: candidate.reason } : {}),
    source: candidate.source,
    sha: candidate.sha,
    at: iso(entry.at),
    counted: entry.counted,
    status: entry.counted ? 'counted' : 'ignored',
    rule: entry.rule,
  };
  state.decisions.push(record);
  note(state, entry.at, entry.step || undefined, `${record.actor} ${record.decision}d via ${record.source}${record.reason ? ` ("${clip(record.reason)}")` : ''}: ${record.rule}`);
  return state.decisions.length - 1;
}

function refuseLabel(context: EngineContext, state: RunState, at: number, actor: string, name: string, rule: string): void {
  const base = `${context.facts.run.id}:refused-label:${name}:${lower(actor)}:${at}`;
  const why = rule.replace(/^ignored: /, '');
  const cause = `label ${name} from ${actor} refused`;
  const active = state.active!;
  addEffect(state, { type: 'unlabel', labels: [name] }, { key: `${base}:unlabel`, step: active.step, attempt: active.attempt, at, cause, origin: 'refusal' });
  addEffect(
    state,
    { type: 'comment', body: `@${actor}: Flowgate removed the label \`${name}\` because it does not count as a decision here: ${why}.` },
    { key: `${base}:comment`, step: active.step, attempt: active.attempt, at, cause, origin: 'refusal' },
  );
}

/** Closes the active gate step once its gates have an outcome. */
function settleGates(context: EngineContext, state: RunState, at: number): void {
  const active = state.active;
  if (!active) return;
  const gates = Object.entries(active.gates);
  const declined = gates.filter(([, gate]) => gate.status === 'declined').map(([name]) => name);
  const step = context.flow.byId.get(active.step)!;
  if (declined.length > 0) {
    const by = decidersOf(state, active.gates, 'decline');
    note(state, at, step.id, `declined${step.kind === 'parallel' ? ` (${declined.join(', ')})` : ''} by ${by.join(', ')} -> ${step.onDecline}`);
    const reasons = by.map((actor) => state.decisions.findLast((record) => record.actor === actor && record.counted && record.decision === 'decline')?.reason).filter(Boolean);
    leave(context, state, 'declined', at, step.onDecline, { declined_by: by, ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}) });
    return;
  }
  if (gates.every(([, gate]) => gate.status === 'approved')) {
    state.approvedSha = state.view.headSha;
    const by = decidersOf(state, active.gates, 'approve');
    note(state, at, step.id, `approved at ${short(state.view.headSha)} by ${by.join(', ')} -> ${step.next}`);
    leave(context, state, 'approved', at, step.next, { approved_by: by, sha: state.view.headSha });
  }
}

function decidersOf(state: RunState, gates: Record<string, GateState>, decision: Decision): string[] {
  const actors = new Set<string>();
  for (const gate of Object.values(gates)) {
    for (const vote of Object.values(gate.votes)) if (vote.decision === decision) actors.add(state.decisions[vote.record]!.actor);
  }
  return [...actors];
}

function withdraw(state: RunState, ref: string, rule: string): void {
  for (const gate of Object.values(state.active?.gates ?? {})) {
    if (gate.status !== 'open') continue;
    for (const [login, vote] of Object.entries(gate.votes)) {
      if (vote.ref !== ref) continue;
      dropVote(gate, login);
      Object.assign(state.decisions[vote.record]!, { counted: false, status: 'withdrawn', rule });
    }
  }
}

function invalidateOnPush(context: EngineContext, state: RunState, at: number, sha: string): void {
  const active = state.active;
  if (!active) return;
  const step = context.flow.byId.get(active.step)!;
  let voided = 0;
  for (const gate of step.gates) {
    const gateState = active.gates[gate.branch]!;
    if (gateState.status !== 'open' || !gate.invalidateOnPush) continue;
    for (const [login, vote] of Object.entries(gateState.votes)) {
      if (vote.at >= at) continue;
      dropVote(gateState, login);
      Object.assign(state.decisions[vote.record]!, {
        counted: false,
        status: 'invalidated',
        rule: `ignored: made before the push at ${readableTime(at)} (invalidate_on_push)`,
      });
      voided += 1;
    }
  }
  if (voided > 0) note(state, at, step.id, `push ${short(sha)} invalidated ${voided} approval(s)`);
}

// ---------------------------------------------------------------- waits

function describeWait(wait: NonNullable<CompiledStep['wait']>): string {
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

function waitSatisfied(
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

function checkRunCompleted(context: EngineContext, state: RunState, at: number, event: Extract<FactEvent, { type: 'check_run' }>): void {
  const active = state.active;
  const step = active ? context.flow.byId.get(active.step) : undefined;
  const wait = step?.wait;
  if (!step || wait?.kind !== 'check_run' || wait.name !== event.name) return;
  if (event.sha !== state.view.headSha) {
    note(state, at, step.id, `check run "${event.name}" on ${short(event.sha)} ignored: the head is ${short(state.view.headSha)}`);
    return;
  }
  const outputs = { conclusion: event.conclusion, sha: event.sha, ...(event.url ? { url: event.url } : {}) };
  const passed = wait.conclusions.includes(event.conclusion);
  note(state, at, step.id, `check run "${event.name}" concluded ${event.conclusion} -> ${passed ? step.next : step.onDecline}`);
  leave(context, state, passed ? 'done' : 'failed', at, passed ? step.next : step.onDecline, outputs);
}

function callback(context: EngineContext, state: RunState, at: number, event: Extract<FactEvent, { type: 'callback' }>): void {
  const target = context.flow.byId.get(event.step);
  if (target && target.kind !== 'wait' && event.decision !== undefined) {
    decide(context, state, at, {
      ...(event.actor !== undefined ? { actor: event.actor } : {}),
      decision: event.decision,
      source: 'callback',
      sha: state.view.headSha,
      ...(event.reason !== undefined ? { reason: event.reason } : {}),
      step: event.step,
      attempt: event.attempt,
    });
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

// ---------------------------------------------------------------- timers

type Timer =
  | { at: number; order: number; kind: 'escalate'; gate: CompiledGate; rung: number; count: number }
  | { at: number; order: number; kind: 'gate-timeout'; gate: CompiledGate }
  | { at: number; order: number; kind: 'wait-timeout' | 'wait-duration' };

export function nextTimer(context: EngineContext, state: RunState): Timer | undefined {
  const active = state.active;
  if (state.status !== 'waiting' || !active) return undefined;
  const step = context.flow.byId.get(active.step)!;
  let best: Timer | undefined;
  const consider = (timer: Timer) => {
    if (!best || timer.at < best.at || (timer.at === best.at && timer.order < best.order)) best = timer;
  };
  for (const gate of step.gates) {
    const gateState = active.gates[gate.branch]!;
    if (gateState.status !== 'open') continue;
    // A reminder at or after a deadline that closes the gate would arrive with the verdict.
    const closesAt = gate.timeoutMs !== undefined && gate.onTimeout !== 'wait' ? active.since + gate.timeoutMs : Number.POSITIVE_INFINITY;
    for (const rung of gate.escalate) {
      const count = gateState.fired[rung.index] ?? 0;
      if (count > 0 && (rung.repeatMs === undefined || count > MAX_REMINDERS)) continue;
      const at = active.since + rung.afterMs + count * (rung.repeatMs ?? 0);
      if (at < closesAt) consider({ at, order: 0, kind: 'escalate', gate, rung: rung.index, count });
    }
    if (gate.timeoutMs !== undefined && !gateState.deadlinePassed) consider({ at: active.since + gate.timeoutMs, order: 1, kind: 'gate-timeout', gate });
  }
  const wait = step.wait;
  if (wait?.kind === 'duration') consider({ at: active.since + wait.durationMs, order: 1, kind: 'wait-duration' });
  else if (wait && wait.timeoutMs !== undefined) consider({ at: active.since + wait.timeoutMs, order: 1, kind: 'wait-timeout' });
  return best;
}

function fireTimer(context: EngineContext, state: RunState, timer: Timer): void {
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
      recordDecision(state, {
        step: step.id,
        gate: gate.branch,
        attempt: active.attempt,
        candidate: { actor: APP_ACTOR, decision, source: 'timeout', sha: state.view.headSha },
        at,
        counted: true,
        rule,
      });
      gateState.status = decision === 'approve' ? 'approved' : 'declined';
      castVote(gateState, APP_ACTOR, { decision, at, record: state.decisions.length - 1 });
      state.lastDeadline = { step: step.id, gate: gate.branch, at, rule };
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

function escalate(context: EngineContext, state: RunState, step: CompiledStep, gate: CompiledGate, index: number, count: number, at: number): void {
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

// ---------------------------------------------------------------- effects

function addEffect(
  state: RunState,
  body: EffectBody,
  meta: { key: string; step: string; attempt: number; at: number; cause: string; origin: Effect['origin'] },
): void {
  if (body.type === 'merge' || body.type === 'close') state.closesPr = true;
  state.effects.push({ ...body, key: meta.key, step: meta.step, attempt: meta.attempt, at: iso(meta.at), cause: meta.cause, origin: meta.origin, status: 'pending' });
  note(state, meta.at, meta.step, `effect ${describeEffect(body)}`);
}

function effectResult(context: EngineContext, state: RunState, event: Extract<FactEvent, { type: 'effect' }>, at: number): void {
  const effect = state.effects.find((candidate) => candidate.key === event.key);
  if (!effect) return;
  effect.status = event.ok ? 'applied' : 'failed';
  if (event.error !== undefined) effect.error = event.error;
  if (event.ok) return;
  note(state, at, effect.step, `${effect.type} failed: ${event.error ?? 'unknown error'}`);
  const step = context.flow.byId.get(effect.step);
  if (effect.origin !== 'action' || step?.onError !== 'fail' || state.status === 'failed' || state.status === 'cancelled') return;
  state.steps[step.id]!.status = 'failed';
  state.status = 'waiting';
  finish(state, 'failed', at, `${step.id}: ${effect.type} failed: ${event.error ?? 'unknown error'}`);
}

// ---------------------------------------------------------------- helpers

const key = (context: EngineContext, step: string, attempt: number): string => `${context.facts.run.id}:${step}:${attempt}`;

function label(step: CompiledStep, gate: CompiledGate): string {
  return step.kind === 'parallel' ? `${step.id}/${gate.branch}` : step.id;
}

export function describeNeed(gate: CompiledGate): string {
  if (gate.perTeam !== undefined) return `${gate.perTeam} approval(s) per team`;
  if (gate.count === 'all') return 'approval from everyone';
  return `${gate.count} approval${gate.count === 1 ? '' : 's'}`;
}

export function gateVariables(context: EngineContext, state: RunState, gate: CompiledGate, now: number) {
  const active = state.active!;
  const gateState = active.gates[gate.branch]!;
  const { have, need } = tally(gate, gateState, context.pr);
  const approvers = describeApprovers(gate, gateState);
  return {
    need,
    have,
    approvers,
    deadline: gate.timeoutMs !== undefined ? readableTime(active.since + gate.timeoutMs) : '',
    waiting_on: `${Math.max(0, need - have)} more approval(s) from ${approvers}`,
    now: iso(now),
  };
}

const clip = (text: string, length = 60): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
};

export function describeEffect(effect: EffectBody): string {
  switch (effect.type) {
    case 'comment':
      return `comment "${clip(effect.body)}"`;
    case 'label':
    case 'unlabel':
      return `${effect.type} ${effect.labels.join(', ')}`;
    case 'request_reviewers':
      return `request reviews from ${[...effect.users.map((user) => `@${user}`), ...effect.teams.map((team) => `team ${team}`)].join(', ')}`;
    case 'merge':
      return `merge (${effect.method}) at ${short(effect.sha)}`;
    case 'close':
      return 'close the PR';
    case 'dispatch_workflow':
      return `dispatch workflow ${effect.workflow} on ${effect.ref}`;
    case 'repository_dispatch':
      return `repository dispatch ${effect.event_type}`;
    case 'webhook':
      return `webhook via ${effect.connection}`;
    case 'notify':
      return `notify ${[...effect.users.map((user) => `@${user}`), ...effect.teams.map((team) => `@${team}`), ...(effect.connection ? [`connection ${effect.connection}`] : [])].join(', ') || 'the PR'}: "${clip(effect.message)}"`;
  }
}

function note(state: RunState, at: number, step: string | undefined, text: string): void {
  state.history.push(step === undefined ? { at: iso(at), text } : { at: iso(at), step, text });
}
