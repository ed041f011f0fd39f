/**
 * A run's facts: what GitHub shows of the PR, the head moves that bind its
 * decisions (facts/heads.ts), and what the run's record adds.
 */
import type { FactEvent, Facts } from '../engine/facts.js';
import type { RepoRef } from './client.js';
import type { GatheredFacts } from './facts/gather.js';
import { headMoves, type Heads } from './facts/heads.js';
import { recordEvents, type AppRecord } from './history/record.js';

/** Which commit was the head when, for a run: from its start, its record and GitHub's own times (see facts/heads.ts). */
export function runHeads(gathered: GatheredFacts, record: AppRecord): Heads & { start: string } {
  const start = record.run.head_sha ?? record.pushes[0]?.before ?? gathered.pr.head_sha;
  const heads = headMoves({
    start: { at: record.run.started_at, sha: start },
    recorded: record.pushes,
    forced: gathered.forced,
    suites: gathered.suites,
    branch: gathered.pr.head,
    head: gathered.pr.head_sha,
    now: gathered.at,
  });
  return { ...heads, start };
}

/**
 * Keeps the head moves no webhook and no timeline event witnessed (a missed
 * push, dated by GitHub's check suite or by now), so later events date them the same.
 */
export function rememberMoves(record: AppRecord, gathered: GatheredFacts): void {
  const witnessed = [...record.pushes, ...gathered.forced];
  for (const move of runHeads(gathered, record).moves) {
    if (witnessed.some((push) => push.sha === move.sha && push.before === move.before)) continue;
    record.pushes.push(move);
  }
}

/** A run's facts: what GitHub shows of the PR, and what the run's record adds. */
export function runFacts(repo: RepoRef, gathered: GatheredFacts, record: AppRecord): Facts {
  const heads = runHeads(gathered, record);
  return {
    repo: { owner: repo.owner, name: repo.name },
    run: { id: record.run.id, started_at: record.run.started_at, head_sha: heads.start },
    pr: gathered.pr,
    events: [
      ...gathered.events,
      ...heads.moves.map((move): FactEvent => {
        const check = move.before === undefined ? undefined : gathered.baseMerges?.get(`${move.before}..${move.sha}`);
        return { type: 'push', ...move, ...(check ? { base_merge: check } : {}) };
      }),
      ...recordEvents(record).filter((event) => event.type !== 'push'),
    ],
    verdicts: record.verdicts,
  };
}
