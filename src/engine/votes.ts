/**
 * A gate's votes: cast, dropped, withdrawn (a dismissed review, a removed label)
 * and voided by a push. Votes change only here, so the running count of approvals
 * stays right.
 */
import { readableTime, type EngineContext } from './effects.js';
import type { Decision, FactEvent } from './facts.js';
import { bindsToHead, short } from './gate.js';
import { note } from './ledger.js';
import type { GateState, RunState, Vote } from './state.js';

export function castVote(gate: GateState, login: string, vote: Vote): void {
  dropVote(gate, login);
  gate.votes[login] = vote;
  if (vote.decision === 'approve') gate.approvals += 1;
}

export function dropVote(gate: GateState, login: string): void {
  const vote = gate.votes[login];
  if (!vote) return;
  delete gate.votes[login];
  if (vote.decision === 'approve') gate.approvals -= 1;
}

/** Records a decision; `judged` when this evaluation gave its verdict (not a replay), which then joins the verdicts. */
export function decidersOf(state: RunState, gates: Record<string, GateState>, decision: Decision): string[] {
  const actors = new Set<string>();
  for (const gate of Object.values(gates)) {
    for (const vote of Object.values(gate.votes)) if (vote.decision === decision) actors.add(state.decisions[vote.record]!.actor);
  }
  return [...actors];
}

export function withdraw(state: RunState, ref: string, rule: string): void {
  for (const gate of Object.values(state.active?.gates ?? {})) {
    if (gate.status !== 'open') continue;
    for (const [login, vote] of Object.entries(gate.votes)) {
      if (vote.ref !== ref) continue;
      dropVote(gate, login);
      Object.assign(state.decisions[vote.record]!, { counted: false, status: 'withdrawn', rule });
    }
  }
}

/**
 * A push voids the open gates' votes made on earlier heads; with `keep_on_base_merge`, not
 * those on heads this push and the ones just before it only merged the base branch into
 * (the view's `mergedFrom`, moved already). The history says which, and why.
 */
export function invalidateOnPush(context: EngineContext, state: RunState, at: number, push: Extract<FactEvent, { type: 'push' }>): void {
  const active = state.active;
  if (!active) return;
  const step = context.flow.byId.get(active.step)!;
  const check = push.base_merge;
  const refused = check !== undefined && 'refused' in check ? check.refused : undefined;
  let voided = 0;
  let kept = 0;
  for (const gate of step.gates) {
    const gateState = active.gates[gate.branch]!;
    if (gateState.status !== 'open' || !gate.invalidateOnPush) continue;
    for (const [login, vote] of Object.entries(gateState.votes)) {
      // By commit, not by time: a vote recorded at the push's own instant is still on the old head.
      const sha = state.decisions[vote.record]!.sha;
      if (sha === push.sha) continue;
      if (bindsToHead(gate, sha, state.view)) {
        kept += 1;
        continue;
      }
      dropVote(gateState, login);
      Object.assign(state.decisions[vote.record]!, {
        counted: false,
        status: 'invalidated',
        rule: `ignored: made before the push at ${readableTime(at)} (invalidate_on_push${refused !== undefined && gate.keepOnBaseMerge ? `; not only a merge of ${context.facts.pr.base}: ${refused}` : ''})`,
      });
      voided += 1;
    }
  }
  if (kept > 0 && check !== undefined && 'merged' in check) {
    note(state, at, step.id, `approvals kept: ${short(push.sha)} only merged ${check.branch}@${short(check.merged)} (keep_on_base_merge)`);
  }
  if (voided > 0) {
    const why = refused !== undefined && step.gates.some((gate) => gate.keepOnBaseMerge) ? ` (not only a merge of ${context.facts.pr.base}: ${refused})` : '';
    note(state, at, step.id, `push ${short(push.sha)} invalidated ${voided} approval(s)${why}`);
  }
}
