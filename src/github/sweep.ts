/**
 * The sweep: first redelivers webhooks that failed (transport/redelivery.ts),
 * then wakes runs whose timers are due (escalations, reminders, deadlines)
 * when no event would.
 *
 * It costs what is due, not what is waiting. Every evaluation records when the
 * PR is next due in the sweep index (sweep-index.ts: Redis, or this process's
 * memory), and a sweep claims the PRs due now and evaluates only those, a few
 * at a time per installation: with nothing due it makes no request at all.
 * Once per `fullPassEveryMs` (default hourly), and at the first sweep of a
 * process whose index is in memory, it makes the full pass instead: it asks
 * GitHub for the PRs the app marked as waiting on a timer, one search per
 * installation, and evaluates each, which repairs any entry that was lost or
 * is stale. Without an index every sweep is a full pass.
 * With REDIS_URL one replica sweeps per period; the app refuses to start a
 * second sweep in one process while one runs.
 */
import { statusOf, type GitHubClient, type RepoRef } from './client.js';
import { sweepPullRequest, type HandlerDeps } from './handle.js';
import { WAITING_LABEL } from './relevance.js';
import { redeliverFailed, type RedeliveryOptions } from './transport/redelivery.js';
import type { IndexedPull } from './sweep-index.js';

/** GitHub's secondary limits allow some concurrency, not much: a few PRs at a time per installation. */
export const PER_INSTALLATION = 4;
/** Installations swept at once. */
const INSTALLATIONS_AT_ONCE = 4;
/** At most this many due PRs per sweep; the rest stay due for the next one. */
const MAX_DUE_PER_SWEEP = 2_000;
/** A claimed PR whose handling failed (or whose sweeper died) is due again this much later. */
const CLAIM_LEASE_MS = 10 * 60_000;
export const FULL_PASS_EVERY_MS = 3600_000;

export interface SweepDeps extends Omit<HandlerDeps, 'gh'> {
  /** The app itself (JWT), to list installations and deliveries. */
  appClient: () => Promise<GitHubClient>;
  clientFor: (installation: number) => Promise<GitHubClient>;
  /** Redelivery of failed webhooks: the events the app acts on, and what this process has redelivered. Unset, nothing is redelivered. */
  redelivery?: Omit<RedeliveryOptions, 'now'>;
  /** How often the full pass runs, which finds waiting PRs on GitHub (default hourly). */
  fullPassEveryMs?: number;
}

export interface SweepReport {
  installations: number;
  pulls: number;
  /** `due`: only the PRs the index says are due; `full`: every PR GitHub shows as waiting. */
  pass?: 'due' | 'full';
  /** GUIDs of failed deliveries asked to be delivered again. */
  redelivered: string[];
  /** GUIDs redelivered by someone else (see RedeliveryReport.foreign). */
  foreign?: string[];
  errors: string[];
  /** Why the sweep did not run. */
  skipped?: string;
}

interface Installation {
  id: number;
  account: { login: string; type?: string } | null;
}

interface SearchItem {
  number: number;
  repository_url: string;
}

export async function sweep(deps: SweepDeps): Promise<SweepReport> {
  const report: SweepReport = { installations: 0, pulls: 0, pass: 'due', redelivered: [], errors: [] };
  const app = await deps.appClient();
  if (deps.redelivery) {
    try {
      const redelivery = await redeliverFailed(app, { ...deps.redelivery, now: deps.now() });
      report.redelivered = redelivery.redelivered;
      report.errors.push(...redelivery.errors);
      if (redelivery.foreign.length > 0) report.foreign = redelivery.foreign;
      if (redelivery.abandoned.length > 0) deps.log(`not redelivering ${redelivery.abandoned.length} event(s) that failed every time: ${redelivery.abandoned.join(', ')}`);
    } catch (error) {
      // An older GitHub Enterprise Server has no deliveries API: nothing to redeliver from, not a fault of this sweep.
      if (statusOf(error) === 404) deps.log('GitHub has no webhook deliveries API here; failed webhooks are not redelivered');
      else report.errors.push(`listing webhook deliveries: ${(error as Error).message}`);
    }
  }
  const now = deps.now();
  const index = deps.dueIndex;
  if (index && !(await index.takeFullPass(now, deps.fullPassEveryMs ?? FULL_PASS_EVERY_MS))) {
    const due = await index.claimDue(now, MAX_DUE_PER_SWEEP, CLAIM_LEASE_MS);
    const byInstallation = new Map<number, IndexedPull[]>();
    for (const pull of due) byInstallation.set(pull.installation, [...(byInstallation.get(pull.installation) ?? []), pull]);
    await inTurn([...byInstallation], INSTALLATIONS_AT_ONCE, async ([installation, pulls]) => {
      report.installations += 1;
      let gh: GitHubClient;
      try {
        gh = await deps.clientFor(installation);
      } catch (error) {
        report.errors.push(`installation ${installation}: ${(error as Error).message}`);
        // Uninstalled: its PRs leave the index, or they would come due again every lease for ever.
        if (statusOf(error) === 404) for (const pull of pulls) await forget(deps, pull);
        return;
      }
      await sweepPulls(deps, gh, installation, pulls, report);
    });
    return report;
  }
  report.pass = 'full';
  for (let page = 1; page <= 100; page += 1) {
    const { data } = await app.request('GET /app/installations', { per_page: 100, page });
    const installations = (data as Installation[]).filter((installation) => installation.account);
    await inTurn(installations, INSTALLATIONS_AT_ONCE, async (installation) => {
      report.installations += 1;
      try {
        await sweepInstallation(deps, installation, report);
      } catch (error) {
        report.errors.push(`installation ${installation.id} (${installation.account!.login}): ${(error as Error).message}`);
      }
    });
    if ((data as Installation[]).length < 100) break;
  }
  return report;
}

/** Runs `work` over `items`, at most `limit` at once. */
async function inTurn<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) await work(items[index]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Evaluates the runs of these PRs of one installation, a few at a time. */
async function sweepPulls(deps: Omit<HandlerDeps, 'gh'>, gh: GitHubClient, installation: number, pulls: readonly IndexedPull[], report: SweepReport): Promise<void> {
  await inTurn(pulls, PER_INSTALLATION, async (pull) => {
    report.pulls += 1;
    try {
      await sweepPullRequest({ ...deps, gh }, { owner: pull.owner, name: pull.name }, pull.number, installation);
    } catch (error) {
      report.errors.push(`${pull.owner}/${pull.name}#${pull.number}: ${(error as Error).message}`);
      // Gone (deleted, transferred): nothing will ever be due there. Any other failure leaves the claim to lapse and retry.
      if (statusOf(error) === 404) await forget(deps, pull);
    }
  });
}

async function forget(deps: Omit<HandlerDeps, 'gh'>, pull: IndexedPull): Promise<void> {
  await deps.dueIndex?.record(pull, undefined).catch((error: Error) => deps.log(`sweep index: ${error.message}`));
}

/**
 * The sweep of one repository with the client given: the GitHub Action's, whose
 * token reaches this repository only and cannot list installations or deliveries.
 * Always a full pass (an Action keeps no index between workflow runs): the same
 * search and the same evaluation per PR as the app's.
 */
export async function sweepRepository(deps: HandlerDeps, repo: RepoRef, installation: number): Promise<SweepReport> {
  const report: SweepReport = { installations: 0, pulls: 0, pass: 'full', redelivered: [], errors: [] };
  await sweepSearch(deps, deps.gh, `repo:${repo.owner}/${repo.name}`, installation, report);
  return report;
}

async function sweepInstallation(deps: SweepDeps, installation: Installation, report: SweepReport): Promise<void> {
  const gh = await deps.clientFor(installation.id);
  const owner = installation.account!;
  const scope = owner.type === 'Organization' ? `org:${owner.login}` : `user:${owner.login}`;
  await sweepSearch(deps, gh, scope, installation.id, report);
}

/** Evaluates each open PR in `scope` that carries the waiting label. */
async function sweepSearch(deps: Omit<HandlerDeps, 'gh'>, gh: GitHubClient, scope: string, installation: number, report: SweepReport): Promise<void> {
  for await (const pulls of waitingPulls(gh, scope, installation)) await sweepPulls(deps, gh, installation, pulls, report);
}

/**
 * The open PRs in `scope` that carry the waiting label, a page (one search) at a
 * time: what a full pass looks at. The GitHub Action's sweep hands each to a run
 * of its own (src/action/sweep.ts).
 */
export async function* waitingPulls(gh: GitHubClient, scope: string, installation: number): AsyncGenerator<IndexedPull[]> {
  for (let page = 1; page <= 10; page += 1) {
    const { data } = await gh.request('GET /search/issues', { q: `is:pr is:open label:"${WAITING_LABEL}" ${scope}`, per_page: 100, page });
    const items = (data as { items: SearchItem[] }).items;
    yield items.map((item) => {
      const [name, owner] = item.repository_url.split('/').reverse() as [string, string];
      return { installation, owner, name, number: item.number };
    });
    if (items.length < 100) break;
  }
}
