/**
 * A gate's rules: who may decide, and whether the votes so far meet its quorum.
 */
import { lower, type CompiledGate, type CompiledStep } from '../flow/compile.js';
import { iso, readableTime, type EngineContext } from './effects.js';
import type { Decision } from './facts.js';
import type { PrContext } from './pr-context.js';
import type { DecisionSourceName, GateState, RunState } from './state.js';

export interface Judgement {
  readonly counted: boolean;
  readonly rule: string;
}

export interface Ballot {
  actor: string;
  decision: Decision;
  source: DecisionSourceName;
  sha: string;
}

/** The PR at the moment of a decision: its head, the heads it only merged the base into since, and who has pushed to it so far. */
export type PrView = Pick<RunState['view'], 'headSha' | 'pushers' | 'mergedFrom'>;

/**
 * Whether a decision made on `sha` binds to the head: it was made on the head, or
 * (with `keep_on_base_merge`) on a head that pushes since only merged the base branch into.
 */
export function bindsToHead(gate: CompiledGate, sha: string, view: Pick<PrView, 'headSha' | 'mergedFrom'>): boolean {
  return sha === view.headSha || (gate.keepOnBaseMerge && view.mergedFrom.includes(sha));
}

/** Why a decision counts for a gate, or why it is ignored. The first rule that applies wins. */
export function judge(gate: CompiledGate, state: GateState, ballot: Ballot, context: PrContext, view: PrView): Judgement {
  return judgeBallot(gate, state, ballot.actor, ballot.decision, ballot.source, ballot.sha, context, view);
}

/** `judge` with the ballot's fields as arguments: every decision of every evaluation is judged, and a ballot object is one more allocation each. */
export function judgeBallot(gate: CompiledGate, state: GateState, actor: string, verb: Decision, source: DecisionSourceName, sha: string, context: PrContext, view: PrView): Judgement {
  const headSha = view.headSha;
  const login = lower(actor);
  if (source !== 'timeout' && !gate.sources.has(source)) {
    return { counted: false, rule: `ignored: ${source} decisions do not count here (sources: ${[...gate.sources].join(', ')})` };
  }
  if (gate.exclude.author && login === context.author) return { counted: false, rule: `ignored: the author cannot ${verb}` };
  if (gate.exclude.bots && context.isBot(login)) return { counted: false, rule: `ignored: bots cannot ${verb}` };
  if (gate.exclude.committers && context.isCommitter(login)) {
    return { counted: false, rule: `ignored: committers cannot ${verb} (${actor} committed to this PR)` };
  }
  // A push is a commit to the PR as much as an authored one, from the push on.
  if (gate.exclude.committers && view.pushers.includes(login)) {
    return { counted: false, rule: `ignored: committers cannot ${verb} (${actor} pushed to this PR)` };
  }
  if (gate.exclude.users.includes(login)) return { counted: false, rule: `ignored: ${actor} is excluded from this gate` };
  if (gate.invalidateOnPush && !bindsToHead(gate, sha, view)) {
    return { counted: false, rule: `ignored: made on ${short(sha)}, not the head ${short(headSha)} (invalidate_on_push)` };
  }
  const eligible = eligibility(gate, state, login, context);
  if (eligible) return typeof eligible === 'string' ? { counted: true, rule: `counted: ${eligible}` } : eligible;
  if (listedOnly(state)) {
    let rule = notListed.get(gate);
    if (rule === undefined) notListed.set(gate, (rule = Object.freeze({ counted: false, rule: `ignored: not an approver (approvers: ${describeApprovers(gate)})` })));
    return rule;
  }
  return { counted: false, rule: `ignored: not an approver (approvers: ${describeApprovers(gate, state)})` };
}

/**
 * The judgements most decisions get, built once and shared (frozen: no caller can change the next
 * one's): each is kept as its rule in a decision record, a verdict and a history line, and one
 * string instead of one per decision leaves a collection less to copy.
 */
const notListed = new WeakMap<CompiledGate, Judgement>();
const LISTED: Judgement = Object.freeze({ counted: true, rule: 'counted: listed approver' });
/** By team name; team names come from compiled flows, bounded all the same. */
const memberOf = new Map<string, Judgement>();

function countedAsMemberOf(team: string): Judgement {
  let judgement = memberOf.get(team);
  if (judgement === undefined) {
    if (memberOf.size >= 1_000) memberOf.clear();
    memberOf.set(team, (judgement = Object.freeze({ counted: true, rule: `counted: member of ${team}` })));
  }
  return judgement;
}

/**
 * Shared judgements by two names: a permission held and the one needed, or a changed file and
 * the team that owns it ('' when a login owns it). The rule is a function of the two names
 * alone; a map of maps, so that finding one builds no key, bounded in all by JUDGEMENT_MEMO
 * entries (past it, afresh).
 */
interface JudgementMemo {
  kind: 'permission' | 'owner';
  byFirst: Map<string, Map<string, Judgement>>;
  entries: number;
}
export const JUDGEMENT_MEMO = 10_000;
const byPermission: JudgementMemo = { kind: 'permission', byFirst: new Map(), entries: 0 };
const byOwnedFile: JudgementMemo = { kind: 'owner', byFirst: new Map(), entries: 0 };

function sharedJudgement(memo: JudgementMemo, first: string, second: string): Judgement {
  let inner = memo.byFirst.get(first);
  let judgement = inner?.get(second);
  if (judgement !== undefined) return judgement;
  if (memo.entries >= JUDGEMENT_MEMO) {
    memo.byFirst.clear();
    memo.entries = 0;
    inner = undefined;
  }
  if (inner === undefined) memo.byFirst.set(first, (inner = new Map()));
  // The rule is built here, not in a closure passed in: a closure is an allocation per decision.
  const rule =
    memo.kind === 'permission' ? `counted: has ${first} permission (needs ${second})` : second === '' ? `counted: code owner of ${first}` : `counted: code owner of ${first} (member of ${second})`;
  inner.set(second, (judgement = Object.freeze({ counted: true, rule })));
  memo.entries += 1;
  return judgement;
}

/** How many shared judgements are kept (for tests). */
export function judgementMemoSize(): number {
  return byPermission.entries + byOwnedFile.entries;
}

/** Why a login may decide the gate: a shared judgement for the common reasons, else the reason's text. */
function eligibility(gate: CompiledGate, state: GateState, login: string, context: PrContext): Judgement | string | undefined {
  for (const user of gate.from.users) if (lower(user) === login) return LISTED;
  for (const team of gate.from.teams) if (context.members(team).has(login)) return countedAsMemberOf(team);
  if (state.addedUsers.includes(login)) return 'added by escalation';
  const handedBy = state.handovers[login];
  if (handedBy !== undefined) return `reassigned to them by ${handedBy}`;
  for (const team of state.addedTeams) if (context.members(team).has(login)) return `member of ${team} (added by escalation)`;
  const needed = gate.from.permission;
  if (needed && context.hasPermission(login, needed)) {
    return sharedJudgement(byPermission, context.permissionOf(login), needed);
  }
  if (gate.from.codeowners) {
    const owners = context.codeOwners();
    const file = owners.get(login);
    if (file !== undefined) return sharedJudgement(byOwnedFile, file, '');
    // Keys, not entries: an entry is an array, and this runs for every decision on a code-owner gate.
    for (const owner of owners.keys()) {
      if (owner.includes('/') && context.members(owner).has(login)) return sharedJudgement(byOwnedFile, owners.get(owner)!, owner);
    }
  }
  return undefined;
}

/** A gate's approvers as flow-listed, which most rules name: worked out once per compiled gate. */
const listedApprovers = new WeakMap<CompiledGate, string>();

/** Whether a gate's approvers are only those the flow lists: no escalation added any, and no one handed it over. */
function listedOnly(state?: GateState): boolean {
  return state === undefined || (state.addedUsers.length === 0 && state.addedTeams.length === 0 && !hasKeys(state.handovers));
}

export function describeApprovers(gate: CompiledGate, state?: GateState): string {
  if (listedOnly(state)) {
    let text = listedApprovers.get(gate);
    if (text === undefined) listedApprovers.set(gate, (text = approversText(gate)));
    return text;
  }
  return approversText(gate, state);
}

function hasKeys(record: Record<string, unknown>): boolean {
  for (const _ in record) return true;
  return false;
}

function approversText(gate: CompiledGate, state?: GateState): string {
  const parts: string[] = [];
  const users = [...gate.from.users, ...(state?.addedUsers ?? []), ...Object.keys(state?.handovers ?? {})];
  const teams = [...gate.from.teams, ...(state?.addedTeams ?? [])];
  if (users.length > 0) parts.push(users.map((user) => `@${user}`).join(', '));
  if (teams.length > 0) parts.push(teams.map((team) => `@${team}`).join(', '));
  if (gate.from.permission) parts.push(`anyone with ${gate.from.permission} permission`);
  if (gate.from.codeowners) parts.push('the code owners');
  return parts.join('; ') || 'nobody';
}

export interface Tally {
  met: boolean;
  have: number;
  need: number;
}

/**
 * Whether the approvals in `state` meet the gate's quorum. Runs on every counted decision, so it allocates nothing.
 * `pushers` (lower-case, distinct) are committers too, for `count: all` with `exclude: committers`.
 */
export function tally(gate: CompiledGate, state: GateState, context: PrContext, pushers: readonly string[] = []): Tally {
  if (gate.perTeam !== undefined) {
    let have = 0;
    for (const team of gate.from.teams) have += Math.min(gate.perTeam, approvedFor(state, context, team));
    const need = gate.perTeam * gate.from.teams.length;
    return { met: have >= need, have, need };
  }
  if (gate.count === 'all') {
    const everyone = everyoneOf(gate, context);
    let have = approvedBy(state, everyone);
    let need = everyone.size;
    if (gate.exclude.committers) {
      for (const login of pushers) {
        if (!everyone.has(login)) continue;
        need -= 1;
        if (state.votes[login]?.decision === 'approve') have -= 1;
      }
    }
    return { met: need > 0 && have >= need, have, need };
  }
  return { met: state.approvals >= gate.count, have: state.approvals, need: gate.count };
}

function approvedBy(state: GateState, members: ReadonlySet<string>): number {
  let count = 0;
  for (const login in state.votes) if (state.votes[login]!.decision === 'approve' && members.has(login)) count += 1;
  return count;
}

/** A vote fills the teams it was judged for (votes from verdicts stored before teams were kept: today's members). */
function approvedFor(state: GateState, context: PrContext, team: string): number {
  let count = 0;
  for (const login in state.votes) {
    const vote = state.votes[login]!;
    if (vote.decision === 'approve' && (vote.teams ? vote.teams.includes(team) : context.members(team).has(login))) count += 1;
  }
  return count;
}

/** For `count: all`: every listed user and team member the gate does not exclude (worked out once per evaluation). */
function everyoneOf(gate: CompiledGate, context: PrContext): ReadonlySet<string> {
  return context.derived(gate, () => {
    const everyone = new Set(gate.from.users.map(lower));
    for (const team of gate.from.teams) for (const member of context.members(team)) everyone.add(member);
    for (const login of [...everyone]) {
      const excluded =
        (gate.exclude.author && login === context.author) ||
        gate.exclude.users.includes(login) ||
        (gate.exclude.bots && context.isBot(login)) ||
        (gate.exclude.committers && context.isCommitter(login));
      if (excluded) everyone.delete(login);
    }
    return everyone as ReadonlySet<string>;
  });
}

export const short = (sha: string): string => sha.slice(0, 7);

export function label(step: CompiledStep, gate: CompiledGate): string {
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
  const { have, need } = tally(gate, gateState, context.pr, state.view.pushers);
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
