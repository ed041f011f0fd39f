/**
 * A run created twice: a check-run POST whose answer was lost after GitHub made
 * it, then made again. Both carry the run id (as `external_id`, and in their
 * records). One goes on; the others are closed as "duplicate of" it.
 *
 * The newest is kept, because it is the check run GitHub shows and branch
 * protection reads for that name on the commit: an older one closed as neutral
 * is out of sight there, a newer one would not be. Nothing is lost by the
 * choice: the kept run's record takes in every entry of the others (effects
 * applied, intents, pushes, clicks, callbacks used, verdicts), so an effect done
 * or a token used in either counts as done or used.
 *
 * The caller writes the kept run first (its record changed, so it is written),
 * then closes the duplicates; a crash in between finds them all again next time.
 */
import type { GitHubClient, RepoRef } from '../client.js';
import type { StoredRun } from './stored-run.js';
import type { AppRecord } from './record.js';

export interface DuplicateRun {
  duplicate: StoredRun;
  /** The run that goes on. */
  of: StoredRun;
}

export interface FoundRuns {
  runs: StoredRun[];
  duplicates: DuplicateRun[];
  /** `Flowgate` checks still in progress on commits the PR moved past, for the event to close. */
  summariesLeft?: number[];
  /** Check runs still in progress on commits the PR moved past, of runs that go on in a newer one, for the event to close. */
  runsLeft?: StoredRun[];
}

/** One run per run id; each kept run carries the union of its duplicates' records. */
export function collapseRuns(found: readonly StoredRun[]): FoundRuns {
  const byId = new Map<string, StoredRun[]>();
  for (const run of found) byId.set(run.record.run.id, [...(byId.get(run.record.run.id) ?? []), run]);
  const runs: StoredRun[] = [];
  const duplicates: DuplicateRun[] = [];
  for (const group of byId.values()) {
    const [newest, ...older] = [...group].sort((a, b) => b.checkRunId - a.checkRunId);
    const kept = older.length === 0 ? newest! : { ...newest!, record: mergeRecords(newest!.record, older.map((run) => run.record)) };
    runs.push(kept);
    for (const duplicate of older) duplicates.push({ duplicate, of: kept });
  }
  return { runs, duplicates };
}

/** Every entry of `others` that `kept` lacks, by identity; on a clash, `kept`'s entry stands. */
export function mergeRecords(kept: AppRecord, others: readonly AppRecord[]): AppRecord {
  const union = <T>(pick: (record: AppRecord) => T[], id: (entry: T) => string, at: (entry: T) => string): T[] => {
    const seen = new Map<string, T>();
    for (const record of [kept, ...others]) for (const entry of pick(record)) if (!seen.has(id(entry))) seen.set(id(entry), entry);
    return [...seen.values()].sort((a, b) => Date.parse(at(a)) - Date.parse(at(b)));
  };
  const effects = union((record) => record.effects, (effect) => effect.key, (effect) => effect.at);
  const results = new Set(effects.map((effect) => effect.key));
  return {
    ...kept,
    pushes: union((record) => record.pushes, (push) => push.sha, (push) => push.at),
    buttons: union((record) => record.buttons, (button) => `${button.at}|${button.actor}|${button.action}|${button.step ?? ''}`, (button) => button.at),
    callbacks: union((record) => record.callbacks, (callback) => callback.token, (callback) => callback.at),
    effects,
    intents: union((record) => record.intents, (intent) => intent.key, (intent) => intent.at).filter((intent) => !results.has(intent.key)),
    verdicts: union((record) => record.verdicts, (verdict) => verdict.ref, (verdict) => verdict.at),
  };
}

/** Closes a duplicate as neutral, pointing at the run that goes on; its text holds no record, so it is never read as a run again. */
export function duplicateRequest(repo: RepoRef, { duplicate, of }: DuplicateRun): { route: string; params: Record<string, unknown> } {
  return {
    route: 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
    params: {
      owner: repo.owner,
      repo: repo.name,
      check_run_id: duplicate.checkRunId,
      status: 'completed',
      conclusion: 'neutral',
      output: {
        title: `Duplicate of check run ${of.checkRunId}`,
        summary: `Run \`${of.record.run.id}\` was created twice (a lost answer from GitHub); it goes on in ${of.url ? `[check run ${of.checkRunId}](${of.url})` : `check run ${of.checkRunId}`}, which holds everything recorded here.`,
        text: '',
      },
      actions: [],
    },
  };
}

export async function completeDuplicates(gh: GitHubClient, repo: RepoRef, duplicates: readonly DuplicateRun[]): Promise<void> {
  for (const duplicate of duplicates) {
    const { route, params } = duplicateRequest(repo, duplicate);
    await gh.request(route, params);
  }
}
