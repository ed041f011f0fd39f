/**
 * Decisions: commands, labels, reviews, buttons and callbacks, judged against the
 * open gate's rules, recorded with the rule that decided, and counted.
 */
import { lower, type CompiledGate, type CompiledStep } from '../flow/compile.js';
import { iso, readableTime, type EngineContext } from './effects.js';
import type { Decision, Verdict } from './facts.js';
import { bindsToHead, judge, judgeBallot, label, short, tally, type Ballot, type Judgement } from './gate.js';
import type { DecisionRecord, GateState, RunState, Vote } from './state.js';
import { addEffect, clip, key, note } from './ledger.js';
import { leave } from './transitions.js';
import { castVote, decidersOf } from './votes.js';
import { extend } from './extend.js';

export interface Candidate {
  actor?: string;
  decision: Decision;
  source: Ballot['source'];
  /** The commit the decision binds to: the head when it was made, or the commit it names. */
  sha: string;
  reason?: string;
  /** The decision's identity (see Verdict in facts.ts). */
  ref: string;
  /** What withdraws it later: `review:<id>` or `label:<name>`. */
  withdrawnBy?: string;
  /** A step the decision names (buttons and callbacks). */
  step?: string;
  attempt?: number;
  /** For label decisions: the label. */
  label?: string;
  /** A comment changed after it was posted. */
  edited?: boolean;
  /** A callback the shell refused, with the answer it gave. */
  refused?: string;
  /** A judged comment that has since been deleted. */
  deleted?: boolean;
}

/** Records a decision a gate counts, with its verdict (and the teams it fills), and counts it. */
function countDecision(context: EngineContext, state: RunState, step: CompiledStep, gate: CompiledGate, candidate: Candidate, at: number, rule: string): void {
  const teams = teamsFilled(context, gate, candidate.actor!);
  const record = recordDecision(state, step.id, gate.branch, state.active!.attempt, candidate, at, true, rule, true, teams);
  count(context, state, gate, candidate, at, record, teams);
}

/** Whether an open gate of the active step takes a decision: one named for another gate, or a label that is not its own, it does not. */
function takes(step: CompiledStep, gate: CompiledGate, gateState: GateState, candidate: Candidate): boolean {
  if (gateState.status !== 'open') return false;
  if (candidate.step !== undefined && candidate.step !== step.id && candidate.step !== gate.branch) return false;
  if (candidate.label !== undefined) {
    return candidate.label === (candidate.decision === 'approve' ? gate.labels.approve : gate.labels.decline);
  }
  return true;
}

/** What recordDecision reads of a decision: a candidate, or a timeout's decision, which has no ref. */
export type Decided = Omit<Candidate, 'ref'> & { ref?: string };

/** A reason is kept with its verdict in the run's record, which must fit in a check run: longer ones are cut when first judged. */
export const REASON_LIMIT = 300;

export const EDITED_RULE = 'ignored: the comment was edited before Flowgate judged it; a command counts only as first posted (post a new comment)';

/**
 * An approver hands an open gate to others: they may decide it from now on, and
 * are told. Only someone who may decide the gate may hand it over.
 */
export function reassign(context: EngineContext, state: RunState, at: number, actor: string, logins: string[], commentId: string): void {
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
    const judgement = judge(gate, gateState, { actor, decision: 'approve', source: 'comment', sha: state.view.headSha }, context.pr, state.view);
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

export function labelDecision(context: EngineContext, state: RunState, at: number, actor: string, name: string): void {
  const decision = context.flow.decisionLabels.get(name);
  if (decision === undefined) return;
  const ref = `label:${name}:${actor}:${iso(at)}`;
  decide(context, state, at, { actor, decision, source: 'label', sha: state.view.headSha, ref, withdrawnBy: `label:${name}`, label: name });
}

/** Records a decision as ignored, with its verdict, where position() says (at `gate` when given). */
function ignoreDecision(context: EngineContext, state: RunState, candidate: Candidate, at: number, rule: string, gate?: string): void {
  const where = position(context, state, candidate);
  recordDecision(state, where.step, gate ?? where.gate, where.attempt, candidate, at, false, rule, true);
}

/** Where a decision that no open gate takes is recorded: the active step, else the last gate, with its real attempt. */
function position(context: EngineContext, state: RunState, candidate: Candidate): { step: string; gate: string; attempt: number } {
  const active = state.active;
  if (active) return { step: active.step, gate: active.step, attempt: active.attempt };
  if (candidate.source === 'callback' && candidate.step !== undefined && context.flow.byId.has(candidate.step)) {
    return { step: candidate.step, gate: candidate.step, attempt: candidate.attempt ?? 0 };
  }
  return state.lastDeadline ?? state.lastGate ?? { step: '', gate: '', attempt: 0 };
}

/**
 * Judges a decision once: a stored verdict is replayed as it was given; only a
 * decision no verdict covers is judged, and its verdict joins the evaluation's.
 */
export function decide(context: EngineContext, state: RunState, at: number, given: Candidate): void {
  const stored = context.verdicts.get(given.ref) ?? sameEvaluation(state, given.ref);
  if (stored.length > 0) {
    replay(context, state, at, given, stored);
    return;
  }
  const candidate = given.reason !== undefined && given.reason.length > REASON_LIMIT ? extend(given, { reason: `${given.reason.slice(0, REASON_LIMIT - 1)}…` }) : given;
  const active = state.active;
  const step = active ? context.flow.byId.get(active.step) : undefined;
  if (candidate.refused !== undefined) {
    ignoreDecision(context, state, candidate, at, `ignored: the callback was refused (${candidate.refused})`);
    return;
  }
  if (!state.begun) {
    // The run did not exist yet (its first event failed, and it started later): nothing was asked of anyone.
    ignoreDecision(context, state, candidate, at, `ignored: made before the run started at ${readableTime(state.startedAt)}`);
    return;
  }
  if (state.status !== 'waiting') {
    ignoreDecision(context, state, candidate, at, state.lastDeadline ? `ignored: arrived after the deadline (${state.lastDeadline.rule})` : `ignored: the run has already ended (${state.status})`);
    return;
  }
  if (candidate.edited) {
    ignoreDecision(context, state, candidate, at, EDITED_RULE);
    return;
  }
  if (!active || !step || step.gates.length === 0) {
    ignoreDecision(context, state, candidate, at, state.lastDeadline ? `ignored: arrived after the deadline (${state.lastDeadline.rule})` : 'ignored: no approval gate is open');
    return;
  }
  if (candidate.step !== undefined && candidate.step !== step.id && !step.gates.some((gate) => gate.branch === candidate.step)) {
    ignoreDecision(context, state, candidate, at, `ignored: meant for step ${candidate.step}, but the run is at ${step.id}`);
    return;
  }
  if (candidate.attempt !== undefined && candidate.attempt !== active.attempt) {
    ignoreDecision(context, state, candidate, at, `ignored: meant for attempt ${candidate.attempt}, but ${step.id} is on attempt ${active.attempt}`);
    return;
  }
  if (candidate.actor === undefined) {
    ignoreDecision(context, state, candidate, at, 'ignored: the sender is not mapped to a GitHub user');
    return;
  }
  const { actor, decision, source, sha } = candidate;
  if (step.gates.length === 1) {
    // Most steps have one gate: the general path below with its lists left out, as this runs for every decision.
    const gate = step.gates[0]!;
    if (!takes(step, gate, active.gates[gate.branch]!, candidate)) {
      if (candidate.label === undefined) ignoreDecision(context, state, candidate, at, 'ignored: no open gate here takes this decision');
      return;
    }
    const judgement = judgeBallot(gate, active.gates[gate.branch]!, actor, decision, source, sha, context.pr, state.view);
    if (!judgement.counted) {
      ignoreDecision(context, state, candidate, at, judgement.rule, gate.branch);
      if (candidate.label !== undefined) refuseLabel(context, state, at, candidate.actor, candidate.label, judgement.rule);
      return;
    }
    countDecision(context, state, step, gate, candidate, at, judgement.rule);
    settleGates(context, state, at);
    return;
  }
  // The open gates that take this decision, judged before any is counted.
  const judged: { gate: CompiledGate; judgement: Judgement }[] = [];
  for (const gate of step.gates) {
    if (!takes(step, gate, active.gates[gate.branch]!, candidate)) continue;
    judged.push({ gate, judgement: judgeBallot(gate, active.gates[gate.branch]!, actor, decision, source, sha, context.pr, state.view) });
  }
  if (judged.length === 0) {
    if (candidate.label === undefined) ignoreDecision(context, state, candidate, at, 'ignored: no open gate here takes this decision');
    return;
  }
  let countedAny = false;
  for (const { judgement } of judged) if (judgement.counted) countedAny = true;
  if (!countedAny) {
    const first = judged[0]!;
    const rule = judged.length > 1 ? `${first.judgement.rule} (for ${judged.map(({ gate }) => gate.branch).join(', ')})` : first.judgement.rule;
    ignoreDecision(context, state, candidate, at, rule, first.gate.branch);
    if (candidate.label !== undefined) refuseLabel(context, state, at, candidate.actor, candidate.label, rule);
    return;
  }
  for (const { gate, judgement } of judged) if (judgement.counted) countDecision(context, state, step, gate, candidate, at, judgement.rule);
  settleGates(context, state, at);
}

/**
 * An index of a state's own verdicts by ref, for the state being folded: derived from its
 * verdicts (which only grow), so another state, or a state read back from JSON, rebuilds it.
 * Most refs have one verdict, kept as is: a list only for a ref with several (one per parallel gate).
 * One entry, not a WeakMap keyed by state: V8's young-generation collector keeps a WeakMap's
 * entries whose keys are young, so a WeakMap kept every evaluation's index alive into the
 * old generation and made each collection copy it (issue 12: the engine's p99).
 */
let ownVerdicts: { verdicts: readonly Verdict[]; indexed: number; byRef: Map<string, Verdict | Verdict[]> } | undefined;

/** Verdicts given earlier in this same evaluation (a ref seen twice, such as one click delivered twice). */
function sameEvaluation(state: RunState, ref: string): readonly Verdict[] {
  if (state.verdicts.length === 0) return NONE;
  if (ownVerdicts?.verdicts !== state.verdicts) ownVerdicts = { verdicts: state.verdicts, indexed: 0, byRef: new Map() };
  const index = ownVerdicts;
  for (; index.indexed < state.verdicts.length; index.indexed += 1) {
    const verdict = state.verdicts[index.indexed]!;
    const known = index.byRef.get(verdict.ref);
    if (known === undefined) index.byRef.set(verdict.ref, verdict);
    else if (Array.isArray(known)) known.push(verdict);
    else index.byRef.set(verdict.ref, [known, verdict]);
  }
  const found = index.byRef.get(ref);
  return found === undefined ? NONE : Array.isArray(found) ? found : [found];
}

/** Lets the last state's index go, once its evaluation is reported. */
export function forgetVerdictIndex(): void {
  ownVerdicts = undefined;
}
const NONE: readonly Verdict[] = Object.freeze([]);

/**
 * The shares of a `per_team` gate an approver fills: the gate's teams they are a
 * member of now, when first judged. Kept in the verdict, so joining another team
 * later fills no further share, and leaving one does not empty it.
 */
function teamsFilled(context: EngineContext, gate: CompiledGate, actor: string): string[] | undefined {
  if (gate.perTeam === undefined) return undefined;
  const login = lower(actor);
  return gate.from.teams.filter((team) => context.pr.members(team).has(login));
}

function count(context: EngineContext, state: RunState, gate: CompiledGate, candidate: Candidate, at: number, record: number, teams?: readonly string[]): void {
  const gateState = state.active!.gates[gate.branch]!;
  const { decision, withdrawnBy } = candidate;
  // The same key order as ever (a state is stored as JSON), without spreads.
  const vote: Vote = withdrawnBy ? { decision, at, ref: withdrawnBy, record } : { decision, at, record };
  if (teams) vote.teams = teams;
  castVote(gateState, lower(candidate.actor!), vote);
  if (candidate.decision === 'decline') gateState.status = 'declined';
  else if (tally(gate, gateState, context.pr, state.view.pushers).met) gateState.status = 'approved';
}

/**
 * The decision as its verdict judged it. An edit may have changed the text: the decision and
 * reason shown are the ones judged (none, for verdicts stored without one). Built field by
 * field, as every stored decision is replayed on every evaluation.
 */
function asJudged(candidate: Candidate, verdict: Verdict): Candidate {
  const decided: Candidate = { decision: verdict.decision, source: candidate.source, sha: candidate.sha, ref: candidate.ref };
  if (candidate.actor !== undefined) decided.actor = candidate.actor;
  if (verdict.reason !== undefined) decided.reason = verdict.reason;
  if (candidate.withdrawnBy !== undefined) decided.withdrawnBy = candidate.withdrawnBy;
  if (candidate.step !== undefined) decided.step = candidate.step;
  if (candidate.attempt !== undefined) decided.attempt = candidate.attempt;
  if (candidate.label !== undefined) decided.label = candidate.label;
  if (candidate.edited !== undefined) decided.edited = candidate.edited;
  if (candidate.refused !== undefined) decided.refused = candidate.refused;
  if (candidate.deleted !== undefined) decided.deleted = candidate.deleted;
  return decided;
}

/**
 * A decision judged before: its verdict's decision, reason, counted flag, rule and
 * teams stand, whatever the comment reads now or whoever has joined or left a team since. Only
 * what is not a judgement of the person is checked again, failing closed: the run
 * must be at the gate it was judged for, and the commit it binds to must be the head.
 */
function replay(context: EngineContext, state: RunState, at: number, candidate: Candidate, verdicts: readonly Verdict[]): void {
  const active = state.active;
  const step = active ? context.flow.byId.get(active.step) : undefined;
  let countedAny = false;
  let refusal: { gate: CompiledGate; rule: string } | undefined;
  for (const verdict of verdicts) {
    const decided = asJudged(candidate, verdict);
    const gate = step?.gates.find((candidateGate) => candidateGate.branch === verdict.gate);
    const open = state.status === 'waiting' && active !== null && step !== undefined && verdict.step === step.id && verdict.attempt === active.attempt && gate !== undefined && active.gates[gate.branch]!.status === 'open';
    if (!verdict.counted) {
      recordDecision(state, verdict.step, verdict.gate, verdict.attempt, decided, at, false, verdict.rule, false);
      if (open && candidate.label !== undefined && !refusal) refusal = { gate: gate!, rule: verdict.rule };
      continue;
    }
    // Deleting a comment withdraws an approval, never a decline: failing closed, a deleted decline still stands.
    if (candidate.deleted && verdict.decision === 'approve') {
      recordDecision(state, verdict.step, verdict.gate, verdict.attempt, decided, at, false, 'ignored: the comment was deleted', false);
      continue;
    }
    if (!open) {
      const now = state.status !== 'waiting' ? `the run has ended (${state.status})` : `the run is at ${active ? `${active.step} (attempt ${active.attempt})` : 'no gate'}`;
      recordDecision(state, verdict.step, verdict.gate, verdict.attempt, decided, at, false, `ignored: judged for ${verdict.step} (attempt ${verdict.attempt}), but ${now}`, false);
      continue;
    }
    if (gate!.invalidateOnPush && !bindsToHead(gate!, decided.sha, state.view)) {
      recordDecision(state, verdict.step, verdict.gate, verdict.attempt, decided, at, false, `ignored: made on ${short(decided.sha)}, not the head ${short(state.view.headSha)} (invalidate_on_push)`, false);
      continue;
    }
    const record = recordDecision(state, verdict.step, verdict.gate, verdict.attempt, decided, at, true, verdict.rule, false);
    count(context, state, gate!, decided, at, record, verdict.teams);
    countedAny = true;
  }
  if (!countedAny && refusal && candidate.actor !== undefined) refuseLabel(context, state, at, candidate.actor, candidate.label!, refusal.rule);
  if (countedAny) settleGates(context, state, at);
}

/**
 * Records a decision where it was judged, with the rule that decided; `judged` when this
 * evaluation gave its verdict (not a replay), which then joins the verdicts. Arguments, not an
 * entry object, and every record and verdict built whole in one literal (a property added
 * after a literal costs a second allocation): this runs for every decision of every evaluation.
 */
export function recordDecision(state: RunState, step: string, gate: string, attempt: number, candidate: Decided, at: number, counted: boolean, rule: string, judged = false, teams?: string[]): number {
  const { decision, reason, source, sha, ref } = candidate;
  const actor = candidate.actor ?? '(unknown)';
  const time = iso(at);
  const status = counted ? 'counted' : 'ignored';
  // The same key order as ever, without conditional spreads: the record is stored as JSON.
  const record: DecisionRecord =
    reason !== undefined
      ? ref !== undefined
        ? { step, gate, attempt, actor, decision, reason, source, sha, at: time, counted, status, rule, ref }
        : { step, gate, attempt, actor, decision, reason, source, sha, at: time, counted, status, rule }
      : ref !== undefined
        ? { step, gate, attempt, actor, decision, source, sha, at: time, counted, status, rule, ref }
        : { step, gate, attempt, actor, decision, source, sha, at: time, counted, status, rule };
  state.decisions.push(record);
  if (judged && ref !== undefined) {
    const verdict: Verdict =
      reason !== undefined
        ? teams
          ? { ref, step, gate, attempt, decision, counted, rule, at: time, reason, teams }
          : { ref, step, gate, attempt, decision, counted, rule, at: time, reason }
        : teams
          ? { ref, step, gate, attempt, decision, counted, rule, at: time, teams }
          : { ref, step, gate, attempt, decision, counted, rule, at: time };
    state.verdicts.push(verdict);
  }
  // Two string pieces for most lines, not six: each line is kept, and a collection copies every piece.
  const text = reason ? `${actor} ${decision}d via ${source} ("${clip(reason)}"): ${rule}` : `${actor}${viaText(decision, source)}${rule}`;
  note(state, at, step || undefined, text);
  return state.decisions.length - 1;
}

/** ` approved via review: ` and the like, the middle of a decision's history line, built once per decision and source. */
const viaTexts = new Map<string, Map<string, string>>();

function viaText(decision: string, source: string): string {
  let bySource = viaTexts.get(decision);
  if (bySource === undefined) {
    // Decisions and sources are few names (but a stored verdict is read back from JSON): bounded all the same.
    if (viaTexts.size >= 16) viaTexts.clear();
    viaTexts.set(decision, (bySource = new Map()));
  }
  let text = bySource.get(source);
  if (text === undefined) {
    if (bySource.size >= 16) bySource.clear();
    bySource.set(source, (text = ` ${decision}d via ${source}: `));
  }
  return text;
}

export function refuseLabel(context: EngineContext, state: RunState, at: number, actor: string, name: string, rule: string): void {
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
export function settleGates(context: EngineContext, state: RunState, at: number): void {
  const active = state.active;
  if (!active) return;
  // Runs after every counted decision: most find a gate still open, and allocate nothing.
  let anyDeclined = false;
  let allApproved = true;
  for (const name in active.gates) {
    const status = active.gates[name]!.status;
    if (status === 'declined') anyDeclined = true;
    if (status !== 'approved') allApproved = false;
  }
  if (!anyDeclined && !allApproved) return;
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
    state.approvedStep = step.id;
    const by = decidersOf(state, active.gates, 'approve');
    note(state, at, step.id, `approved at ${short(state.view.headSha)} by ${by.join(', ')} -> ${step.next}`);
    leave(context, state, 'approved', at, step.next, { approved_by: by, sha: state.view.headSha });
  }
}
