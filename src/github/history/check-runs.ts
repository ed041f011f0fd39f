/**
 * Runs live on GitHub as the app's check runs: one per flow run, on the PR's
 * head commit, carrying the history people read and the record the app reads
 * back. A push moves a waiting run to the new head. A check run's `external_id`
 * is its run's id; a run created twice is collapsed (duplicate-runs.ts).
 */
import type { Evaluation } from '../../engine/state.js';
import type { GitHubClient, RepoRef } from '../client.js';
import { checkRunOutput, fit, FLOWGATE_PREFIX, type HistoryLinks } from './render.js';
import { decodeRecord, outputText, RecordRefused, type AppRecord } from './record.js';
import { collapseRuns, type FoundRuns } from './duplicate-runs.js';
import type { StoredRun } from './stored-run.js';
import { SUMMARY_CHECK, type FoundSummary } from './summary-check.js';

interface RunsAnswer {
  repository: Record<string, { checkSuites?: { nodes: { checkRuns: { nodes: { databaseId: number; name: string; status: string; text: string | null; permalink: string }[] } }[] } } | null> | null;
}

/** The app's check runs on several commits, in one request. Without an app id (the CLI), every app's are read and told apart by name and record. */
export function runsQuery(shas: readonly string[], withApp = true): string {
  const definitions = shas.map((_, index) => `$c${index}: GitObjectID!`).join(', ');
  const suites = withApp ? 'checkSuites(first: 10, filterBy: { appId: $appId })' : 'checkSuites(first: 20)';
  // ALL, not LATEST: a run created twice has two check runs of one name, and LATEST would hide the older one's record.
  const runs = withApp ? 'checkRuns(first: 50, filterBy: { appId: $appId, checkType: ALL })' : 'checkRuns(first: 50, filterBy: { checkType: ALL })';
  const fields = shas.map((_, index) => `c${index}: object(oid: $c${index}) { ... on Commit { ${suites} { nodes { ${runs} { nodes { databaseId name status text permalink } } } } } }`).join(' ');
  return `query FlowgateRuns($owner: String!, $name: String!, ${withApp ? '$appId: Int!, ' : ''}${definitions}) { repository(owner: $owner, name: $name) { ${fields} } }`;
}

/** The app's runs, one per run id (see findAllRuns); duplicates are left as they are. */
export async function findRuns(gh: GitHubClient, repo: RepoRef, shas: readonly string[], appId: number | undefined, log: (message: string) => void = () => {}, recordSecret?: string): Promise<StoredRun[]> {
  return (await findAllRuns(gh, repo, shas, appId, log, recordSecret)).runs;
}

/**
 * The app's runs on the first of `shas` that has any: the head, then earlier
 * commits of the PR, in case a push arrived while the app was not listening.
 * One request for all of them. A run found twice on that commit comes once, with
 * both records; the other check runs are returned for the caller to close
 * (completeDuplicates) after it has written the run that goes on.
 * With `recordSecret` (Action mode) every record must carry its signature: an
 * unsigned, altered or wiped record stops the event (RecordRefused).
 */
export async function findAllRuns(gh: GitHubClient, repo: RepoRef, shas: readonly string[], appId: number | undefined, log: (message: string) => void = () => {}, recordSecret?: string): Promise<FoundRuns & { summary?: FoundSummary }> {
  if (shas.length === 0) return { runs: [], duplicates: [] };
  const variables: Record<string, unknown> = { owner: repo.owner, name: repo.name, ...(appId !== undefined ? { appId } : {}) };
  shas.forEach((sha, index) => (variables[`c${index}`] = sha));
  const answer = await gh.graphql<RunsAnswer>(runsQuery(shas, appId !== undefined), variables);
  return runsFrom(shas.map((sha, index) => ({ sha, suites: answer.repository?.[`c${index}`]?.checkSuites?.nodes ?? [] })), appId, log, recordSecret);
}

/** The app's check runs on a commit, as a query asked them (runsQuery, or APP_RUNS_FRAGMENT in the event's one query). */
export type RunsOnCommit = { sha: string; suites: readonly { checkRuns: { nodes: readonly CheckRunNode[] } }[] };
type CheckRunNode = { databaseId: number; name: string; status: string; text: string | null; permalink: string };

/** The fragment the event's one query reads the app's check runs on a commit with (and when its suites were created). */
export const APP_RUNS_FRAGMENT = /* GraphQL */ `
  fragment FlowgateAppRuns on Commit {
    appRuns: checkSuites(first: 10, filterBy: { appId: $appId }) {
      nodes { createdAt branch { name } checkRuns(first: 50, filterBy: { appId: $appId, checkType: ALL }) { nodes { databaseId name status text permalink } } }
    }
  }
`;

/**
 * findAllRuns, from check runs already read: the runs on the first commit that has any, the `Flowgate` check on the
 * first. What a push left in progress on the commits after that one (a close GitHub answered badly, an event cut
 * short) is returned too, from every commit read: `summariesLeft` and `runsLeft` (the check runs of runs that went on in
 * a newer one) for the event to close, and a waiting run found only on an older commit joins the runs, to be moved.
 */
export function runsFrom(commits: readonly RunsOnCommit[], appId: number | undefined, log: (message: string) => void = () => {}, recordSecret?: string): FoundRuns & { summary?: FoundSummary } {
  // The `Flowgate` check on the head: the newest, which is the one GitHub shows and branch protection reads.
  let summary: FoundSummary | undefined;
  // Those a push left in progress on earlier commits, which would show pending there for ever.
  const summariesLeft: number[] = [];
  const older: StoredRun[] = [];
  let chosen: FoundRuns | undefined;
  for (const [index, { sha, suites }] of commits.entries()) {
    const runs: StoredRun[] = [];
    for (const suite of suites) {
      for (const checkRun of suite.checkRuns.nodes) {
        if (index === 0 && appId !== undefined && checkRun.name === SUMMARY_CHECK && checkRun.databaseId > (summary?.id ?? 0)) summary = { id: checkRun.databaseId, text: checkRun.text };
        if (index > 0 && appId !== undefined && checkRun.name === SUMMARY_CHECK && checkRun.status !== 'COMPLETED') summariesLeft.push(checkRun.databaseId);
        if (!checkRun.name.startsWith(FLOWGATE_PREFIX)) continue;
        if (chosen) {
          // Past the commit the runs are on, only a check run still in progress matters: one a push left behind.
          if (checkRun.status === 'COMPLETED' || !checkRun.text) continue;
          const decoded = decodeRecord(checkRun.text, recordSecret);
          if (decoded.ok) older.push({ checkRunId: checkRun.databaseId, sha, status: checkRun.status.toLowerCase(), record: decoded.record, url: checkRun.permalink });
          continue;
        }
        // A check run the app closed as moved or duplicate keeps no record: it is no run any more.
        if (!checkRun.text && (recordSecret === undefined || checkRun.status === 'COMPLETED')) continue;
        const decoded = decodeRecord(checkRun.text ?? '', recordSecret);
        if (!decoded.ok && recordSecret !== undefined) throw refused(checkRun, sha, decoded.error);
        if (!decoded.ok) {
          log(`check run ${checkRun.databaseId} (${checkRun.name}) has no readable record: ${decoded.error}`);
          continue;
        }
        runs.push({ checkRunId: checkRun.databaseId, sha, status: checkRun.status.toLowerCase(), record: decoded.record, url: checkRun.permalink });
      }
    }
    if (!chosen && runs.length > 0) chosen = collapseRuns(runs);
  }
  const going = new Set((chosen?.runs ?? []).map((run) => run.record.run.id));
  // A waiting run an event did not get to move (it failed half-way through a push's runs) is still a run: it goes on,
  // with its record, and is moved now; otherwise it would be dropped for a fresh one, or not gate at all.
  const unmoved = older.filter((run) => !going.has(run.record.run.id));
  const found = chosen ? (unmoved.length > 0 ? collapseRuns([...chosen.runs, ...chosen.duplicates.map(({ duplicate }) => duplicate), ...unmoved]) : chosen) : { runs: [], duplicates: [] };
  const runsLeft = older.filter((run) => going.has(run.record.run.id));
  return { ...found, ...(summary ? { summary } : {}), ...(summariesLeft.length > 0 ? { summariesLeft } : {}), ...(runsLeft.length > 0 ? { runsLeft } : {}) };
}

function refused(checkRun: { databaseId: number; name: string }, sha: string, error: string): RecordRefused {
  return new RecordRefused(
    `check run ${checkRun.databaseId} (${checkRun.name}) on ${sha.slice(0, 7)}: its record is not signed with this workflow's secret (${error}). ` +
      'Another workflow with checks: write may have written or altered it, so Flowgate acts on nothing of this pull request and counts no decision. ' +
      "If the secret input was changed while runs were open, restore the secret they were signed with; otherwise find which workflow wrote the check run (its history is in the repository's Actions tab).",
  );
}

/** GitHub's limits on check run buttons. */
export const MAX_ACTIONS = 3;
export const MAX_LABEL = 20;
export const MAX_DESCRIPTION = 40;
export const MAX_IDENTIFIER = 20;

export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

/** Approve and Decline, while a gate is open. Which gate is known from the run's state when the click arrives. */
export function buttonsFor(evaluation: Evaluation): CheckRunAction[] {
  const gate = evaluation.run.waiting_on.find((waiting) => waiting.kind === 'approval');
  if (!gate || evaluation.run.status !== 'waiting') return [];
  const where = (gate.gate ? `${gate.step}/${gate.gate}` : gate.step).slice(0, MAX_DESCRIPTION - 8);
  return [
    { label: 'Approve', description: `Approve ${where}`, identifier: 'approve' },
    { label: 'Decline', description: `Decline ${where}`, identifier: 'decline' },
  ];
}

export interface WriteCheckRun {
  repo: RepoRef;
  sha: string;
  evaluation: Evaluation;
  record: AppRecord;
  links: HistoryLinks;
  /** Update this check run; create one when absent. */
  checkRunId?: number;
  /** Signs the record (Action mode). */
  recordSecret?: string;
  detailsUrl?: string;
}

/** The request that writes a run's check run; pure, so tests can read it. */
export function checkRunRequest(write: WriteCheckRun): { route: string; params: Record<string, unknown> } {
  const output = checkRunOutput(write.evaluation, write.links, { ...(write.record.run.label ? { label: write.record.run.label } : {}), sha: write.record.run.version });
  const historyText = output.text;
  const text = outputText(write.record, historyText, (body, limit) => fit([body], write.links, limit), write.recordSecret);
  const common = {
    owner: write.repo.owner,
    repo: write.repo.name,
    name: output.name,
    external_id: write.record.run.id,
    status: output.status,
    ...(output.conclusion ? { conclusion: output.conclusion, completed_at: write.evaluation.run.ended_at } : {}),
    ...(write.detailsUrl ? { details_url: write.detailsUrl } : {}),
    output: { title: output.title.slice(0, 255), summary: output.summary, text },
    actions: buttonsFor(write.evaluation),
  };
  return write.checkRunId === undefined
    ? { route: 'POST /repos/{owner}/{repo}/check-runs', params: { ...common, head_sha: write.sha, started_at: write.evaluation.run.started_at } }
    : { route: 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', params: { ...common, check_run_id: write.checkRunId } };
}

export async function writeCheckRun(gh: GitHubClient, write: WriteCheckRun): Promise<{ id: number; url?: string }> {
  const { route, params } = checkRunRequest(write);
  // A create retried after a lost answer would make the run twice; an update may be retried.
  const { data } = await gh.request(route, write.checkRunId === undefined ? { ...params, request: { retries: 0 } } : params);
  const created = data as { id: number; html_url?: string | null };
  return { id: created.id, ...(created.html_url ? { url: created.html_url } : {}) };
}

/** Closes a run's check run on a commit the PR has moved past; the run goes on in a new one on the head. */
export async function supersede(gh: GitHubClient, repo: RepoRef, run: StoredRun, head: string): Promise<void> {
  await gh.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
    owner: repo.owner,
    repo: repo.name,
    check_run_id: run.checkRunId,
    status: 'completed',
    conclusion: 'neutral',
    output: { title: `Moved to ${head.slice(0, 7)}`, summary: `A push moved this run to ${head}; it goes on there.`, text: '' },
    actions: [],
  });
}
