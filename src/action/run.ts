/**
 * The GitHub Action's adapter: reads the workflow's event, and hands it to the
 * same core the server runs (handleWebhook, sweepPullRequest, completeCallback).
 * Nothing here decides anything about a run; it only chooses the entry point,
 * builds the clients, and reports what happened. A run outside the PR's own
 * concurrency group (the sweep, a callback without `pr`, a fork's follow-up)
 * handles no PR: it hands the PR to a run in that group (pr-group.ts).
 */
import { handleWebhook, PullRequestQueue, sweepPullRequest, type HandlerDeps, type Outcome } from '../github/handle.js';
import { GitHubCache } from '../github/facts/cache.js';
import { connectionsFromEnv } from '../github/effects/connections.js';
import { EffectPending } from '../github/effects/apply.js';
import { RecordRefused } from '../github/history/record.js';
import { statusOf, type RepoRef } from '../github/client.js';
import { classify, type ActionEvent } from './event.js';
import { EtagStore } from './etags.js';
import { input, readWorkflowRun, type WorkflowRun } from './inputs.js';
import { sandboxClock } from './sandbox-clock.js';
import { tokenClient, withPeopleReader, type RequestTally } from './transport.js';
import { handOver, type Forwarded } from './pr-group.js';
import { routeCallback } from './callback.js';
import { sweepByHandOver } from './sweep.js';

/** GITHUB_TOKEN is a token of the GitHub Actions app: what it writes is `github-actions[bot]`'s. */
export const ACTIONS_IDENTITY = { id: 15368, login: 'github-actions[bot]' } as const;
/** Callback tokens name an installation; an action has none, and its token is for this repository only. */
export const ACTION_INSTALLATION = 0;

export interface ActionReport {
  /** `forwarded`: this run was outside the PR's group, and handed the PR to a run in it (the dispatches sent). */
  result: 'handled' | 'skipped' | 'deferred' | 'forwarded' | 'failed';
  /** Why it was skipped, deferred or failed. */
  reason?: string;
  event: string;
  runs: Outcome['runs'];
  callback?: Outcome['callback'];
  forwarded?: Forwarded[];
  requests: RequestTally;
}

type ActionOutcome = Outcome & { forwarded?: Forwarded[] };

export async function runAction(env: NodeJS.ProcessEnv): Promise<ActionReport> {
  const tally: RequestTally = { sent: 0, notModified: 0 };
  const report = (result: ActionReport['result'], event: string, extra: Partial<ActionReport> = {}): ActionReport => ({ result, event, runs: [], ...extra, requests: { ...tally } });
  const read = readWorkflowRun(env);
  if (!read.ok) return report('failed', env.GITHUB_EVENT_NAME ?? '', { reason: read.error });
  const run = read.value;
  const event = classify(run.eventName, run.payload, run.repo);
  if (event.kind === 'skip') return report('skipped', run.eventName, { reason: event.reason });
  if (event.kind === 'deferred') return report('deferred', run.eventName, { reason: event.reason });
  if (event.kind === 'misconfigured') return report('failed', run.eventName, { reason: event.error });
  const secret = run.inputs.secret;
  if (!secret) {
    return report('failed', run.eventName, { reason: 'the input `secret` is empty: Flowgate signs its record and callback tokens with it, and will not act without it. Add a repository secret (e.g. FLOWGATE_SECRET, 32+ random bytes) and pass `secret: ${{ secrets.FLOWGATE_SECRET }}`' });
  }
  const clock = sandboxClock(env, run.apiUrl);
  const etagPath = input(env, 'etag-cache');
  const etags = EtagStore.load(etagPath, secret);
  const throttle = !clock;
  const gh = withPeopleReader(
    await tokenClient({ token: run.inputs.token, apiUrl: run.apiUrl, tally, etags, throttle, ...(clock ? { onResponse: clock.see } : {}) }),
    // The app token's requests are its own budget, not GITHUB_TOKEN's: counted apart, not in the `requests` output.
    run.inputs.appToken ? await tokenClient({ token: run.inputs.appToken, apiUrl: run.apiUrl, tally: { sent: 0, notModified: 0 }, throttle, ...(clock ? { onResponse: clock.see } : {}) }) : undefined,
  );
  const deps: HandlerDeps = {
    gh,
    cache: new GitHubCache(),
    queue: new PullRequestQueue(),
    app: ACTIONS_IDENTITY,
    connections: connectionsFromEnv(env),
    now: clock?.now ?? Date.now,
    log: (message) => console.log(message),
    // Without callback-url there is no route to link to: a wait's link is the repository_dispatch that sends its token back.
    callbacks: { ...(run.inputs.callbackUrl ? { publicUrl: run.inputs.callbackUrl } : {}), secret },
    recordSecret: secret,
    // Any workflow with this token could deploy "as the app": releases are for the server app (docs/action.md).
    releases: false,
    // GITHUB_TOKEN cannot read teams: people go in their own query, which the app token (if any) sends.
    peopleInEventQuery: false,
  };
  try {
    const outcome = await dispatch(deps, run, event);
    etags.save(etagPath, secret);
    const refused = outcome.callback && outcome.callback.status >= 400 ? outcome.callback.error : undefined;
    if (refused) return report('failed', run.eventName, { reason: `callback refused (${outcome.callback!.status}): ${refused}`, runs: outcome.runs, callback: outcome.callback });
    if (outcome.forwarded?.length) return report('forwarded', run.eventName, { runs: outcome.runs, forwarded: outcome.forwarded, reason: forwardedReason(outcome.forwarded) });
    return report(outcome.skipped ? 'skipped' : 'handled', run.eventName, { runs: outcome.runs, ...(outcome.skipped ? { reason: outcome.skipped } : {}), ...(outcome.callback ? { callback: outcome.callback } : {}) });
  } catch (error) {
    return report('failed', run.eventName, { reason: failureReason(error) });
  }
}

async function dispatch(deps: HandlerDeps, run: WorkflowRun, event: Exclude<ActionEvent, { kind: 'skip' | 'deferred' | 'misconfigured' }>): Promise<ActionOutcome> {
  switch (event.kind) {
    case 'webhook':
      return handleWebhook(deps, event.name, { ...event.payload, installation: { id: ACTION_INSTALLATION } });
    case 'pull':
      // In flowgate-<number>: the sweep's per-PR step, reading everything again; the dispatch's payload is not read beyond the number.
      return sweepPullRequest(deps, run.repo, event.number, ACTION_INSTALLATION);
    case 'callback':
      return routeCallback(deps, event.body, event.pr, run.repo);
    case 'sweep': {
      const swept = await sweepByHandOver(deps, run.repo, ACTION_INSTALLATION);
      if (swept.errors.length > 0) throw new Error(`the sweep failed for ${swept.errors.join('; ')}${swept.forwarded.length ? ` (handed over: ${swept.forwarded.map((sent) => `#${sent.pr}`).join(', ')})` : ''}`);
      if (swept.waiting === 0) return { runs: [], skipped: 'no pull request waits on a timer' };
      return { runs: [], forwarded: swept.forwarded };
    }
    case 'follow-up':
      return followUp(deps, run.repo, event.headOwner, event.headBranch);
  }
}

/** A fork's review ran read-only: hand the open PRs of that fork's branch to runs in their groups, with this run's token. */
async function followUp(deps: HandlerDeps, repo: RepoRef, headOwner: string, headBranch: string): Promise<ActionOutcome> {
  const { data } = await deps.gh.request('GET /repos/{owner}/{repo}/pulls', { owner: repo.owner, repo: repo.name, state: 'open', head: `${headOwner}:${headBranch}`, per_page: 10 });
  const pulls = data as { number: number }[];
  if (pulls.length === 0) return { skipped: `no open pull request from ${headOwner}:${headBranch}`, runs: [] };
  const forwarded: Forwarded[] = [];
  for (const pull of pulls) forwarded.push(await handOver(deps.gh, repo, pull.number, 'fork-review'));
  return { runs: [], forwarded };
}

function forwardedReason(forwarded: readonly Forwarded[]): string {
  return `handed to a run in each pull request's own concurrency group: ${forwarded.map((sent) => `#${sent.pr} (repository_dispatch ${sent.eventType}, flowgate-${sent.pr})`).join(', ')}`;
}

function failureReason(error: unknown): string {
  if (error instanceof RecordRefused) return error.message;
  if (error instanceof EffectPending) return `${error.message}; the next event or the next scheduled sweep looks on GitHub first and goes on`;
  if (statusOf(error) === 403 && /not accessible by integration/i.test((error as Error).message)) {
    return `GitHub refused a write with this token (403 Resource not accessible by integration): give the job the permissions in docs/action.md (checks, contents, issues, pull-requests: write), or, on a fork's event, let the workflow_run follow-up act`;
  }
  return (error as Error).message;
}

