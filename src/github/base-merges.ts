/**
 * Proves, for a PR's runs, which head moves only merged the base branch
 * (facts/base-merge.ts), so their approvals may survive. Only moves made after a
 * decision that could be an approval are asked about: an event with no move since
 * costs nothing, and a proof that cannot change is kept for the next event.
 */
import type { CompiledFlow } from '../flow/compile.js';
import { parseCommand } from '../engine/commands.js';
import type { BaseMergeCheck, FactEvent } from '../engine/facts.js';
import type { GitHubClient, RepoRef } from './client.js';
import { proveBaseMerge } from './facts/base-merge.js';
import type { GitHubCache } from './facts/cache.js';
import type { GatheredFacts } from './facts/gather.js';
import type { AppRecord } from './history/record.js';
import { runFacts, runHeads } from './run-facts.js';

/** Whether a flow has a gate whose approvals a base merge keeps: for the others, no proof is asked. */
export function keepsOnBaseMerge(flow: CompiledFlow | undefined): boolean {
  return flow?.steps.some((step) => step.gates.some((gate) => gate.invalidateOnPush && gate.keepOnBaseMerge)) ?? false;
}

/** More moves than this in one event are not asked about: they void approvals, as any push does. */
export const MAX_PROVEN_MOVES = 10;

/** When a decision that could approve was made, if any. */
function mayApprove(event: FactEvent): boolean {
  switch (event.type) {
    case 'review':
      return event.state === 'approved';
    case 'comment':
      return parseCommand(event.body)?.decision === 'approve';
    case 'labeled':
      return true;
    case 'button':
      return event.action === 'approve';
    case 'callback':
      return event.decision === 'approve';
    default:
      return false;
  }
}

/** The moves of these runs that need a proof, `before..sha`, oldest first. */
export function movesToProve(repo: RepoRef, gathered: GatheredFacts, records: readonly AppRecord[]): { before: string; sha: string }[] {
  const wanted = new Map<string, { at: number; before: string; sha: string }>();
  for (const record of records) {
    const approvals = runFacts(repo, gathered, record).events.filter(mayApprove).map((event) => Date.parse(event.at));
    if (approvals.length === 0) continue;
    const first = Math.min(...approvals);
    for (const move of runHeads(gathered, record).moves) {
      if (move.before === undefined || move.before === move.sha || Date.parse(move.at) < first) continue;
      wanted.set(`${move.before}..${move.sha}`, { at: Date.parse(move.at), before: move.before, sha: move.sha });
    }
  }
  return [...wanted.values()].sort((a, b) => a.at - b.at).map(({ before, sha }) => ({ before, sha }));
}

/** Fills `gathered.baseMerges` for the runs' moves since a possible approval; returns the API requests made. */
export async function proveBaseMerges(gh: GitHubClient, repo: RepoRef, gathered: GatheredFacts, records: readonly AppRecord[], cache: GitHubCache): Promise<number> {
  const proofs = new Map<string, BaseMergeCheck>();
  gathered.baseMerges = proofs;
  const moves = movesToProve(repo, gathered, records);
  let requests = 0;
  for (const [index, move] of moves.entries()) {
    const key = `${move.before}..${move.sha}`;
    const cacheKey = `${repo.owner}/${repo.name}:${key}`.toLowerCase();
    const known = cache.baseMerges.get(cacheKey);
    if (known) {
      proofs.set(key, known);
      continue;
    }
    if (index >= MAX_PROVEN_MOVES) {
      proofs.set(key, { refused: `more than ${MAX_PROVEN_MOVES} pushes to check at once` });
      continue;
    }
    const proof = await proveBaseMerge(gh, repo, move, gathered.pr.base);
    requests += proof.requests;
    proofs.set(key, proof.check);
    if (proof.final) cache.baseMerges.set(cacheKey, proof.check);
  }
  return requests;
}
