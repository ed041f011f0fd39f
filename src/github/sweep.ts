/**
 * The sweep: first redelivers webhooks that failed (transport/redelivery.ts),
 * then wakes runs whose timers are due (escalations, reminders, deadlines)
 * when no event would. It asks GitHub for the PRs the app marked as waiting on
 * a timer, one search per installation, and evaluates each one's runs at now.
 * Its cost grows with the number of waiting runs, not of repositories or PRs.
 * With REDIS_URL one replica sweeps per period; the app refuses to start a
 * second sweep in one process while one runs.
 */
import { statusOf, type GitHubClient, type RepoRef } from './client.js';
import { sweepPullRequest, type HandlerDeps } from './handle.js';
import { WAITING_LABEL } from './relevance.js';
import { redeliverFailed, type RedeliveryOptions } from './transport/redelivery.js';

export interface SweepDeps extends Omit<HandlerDeps, 'gh'> {
  /** The app itself (JWT), to list installations and deliveries. */
  appClient: () => Promise<GitHubClient>;
  clientFor: (installation: number) => Promise<GitHubClient>;
  /** Redelivery of failed webhooks: the events the app acts on, and what this process has redelivered. Unset, nothing is redelivered. */
  redelivery?: Omit<RedeliveryOptions, 'now'>;
}

export interface SweepReport {
  installations: number;
  pulls: number;
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
  const report: SweepReport = { installations: 0, pulls: 0, redelivered: [], errors: [] };
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
  for (let page = 1; page <= 100; page += 1) {
    const { data } = await app.request('GET /app/installations', { per_page: 100, page });
    const installations = data as Installation[];
    for (const installation of installations) {
      if (!installation.account) continue;
      report.installations += 1;
      try {
        await sweepInstallation(deps, installation, report);
      } catch (error) {
        report.errors.push(`installation ${installation.id} (${installation.account.login}): ${(error as Error).message}`);
      }
    }
    if (installations.length < 100) break;
  }
  return report;
}

/**
 * The sweep of one repository with the client given: the GitHub Action's, whose
 * token reaches this repository only and cannot list installations or deliveries.
 * The same search and the same evaluation per PR as the app's sweep.
 */
export async function sweepRepository(deps: HandlerDeps, repo: RepoRef, installation: number): Promise<SweepReport> {
  const report: SweepReport = { installations: 0, pulls: 0, redelivered: [], errors: [] };
  await sweepSearch(deps, `repo:${repo.owner}/${repo.name}`, installation, report);
  return report;
}

async function sweepInstallation(deps: SweepDeps, installation: Installation, report: SweepReport): Promise<void> {
  const gh = await deps.clientFor(installation.id);
  const owner = installation.account!;
  const scope = owner.type === 'Organization' ? `org:${owner.login}` : `user:${owner.login}`;
  await sweepSearch({ ...deps, gh }, scope, installation.id, report);
}

/** Evaluates each open PR in `scope` that carries the waiting label. */
async function sweepSearch(deps: HandlerDeps, scope: string, installation: number, report: SweepReport): Promise<void> {
  const { gh } = deps;
  for (let page = 1; page <= 10; page += 1) {
    const { data } = await gh.request('GET /search/issues', { q: `is:pr is:open label:"${WAITING_LABEL}" ${scope}`, per_page: 100, page });
    const items = (data as { items: SearchItem[] }).items;
    for (const item of items) {
      const [name, ownerLogin] = item.repository_url.split('/').reverse() as [string, string];
      report.pulls += 1;
      try {
        await sweepPullRequest(deps, { owner: ownerLogin, name }, item.number, installation);
      } catch (error) {
        report.errors.push(`${ownerLogin}/${name}#${item.number}: ${(error as Error).message}`);
      }
    }
    if (items.length < 100) break;
  }
}
