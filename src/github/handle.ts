/**
 * One webhook, end to end: skip it if it cannot matter; otherwise read what is
 * live, the PR's facts and its runs (one query at steady state: read-event.ts),
 * start the runs the event triggers, evaluate, apply effects, and write each
 * run's check run and the sticky comment.
 * Every adapter (Probot server, Action) calls this; none has logic of its own.
 */
import { createHash } from 'node:crypto';
import type { CompiledFlow } from '../flow/compile.js';
import { evaluate, type EvaluateOptions } from '../engine/evaluate.js';
import type { Evaluation } from '../engine/state.js';
import { applyEffects, EffectPending, type Observed } from './effects/apply.js';
import type { DecisionLinks } from './effects/requests.js';
import { CallbackBody, verifyToken } from './callbacks/token.js';
import { decisionLinksFor, evaluateOptions, type CallbackConfig } from './callbacks/links.js';
import { buttonsFor, writeCheckRun } from './history/check-runs.js';
import { closeLeftBehind, type LeftBehind } from './history/left-behind.js';
import type { StoredRun } from './history/stored-run.js';
import { completeDuplicates } from './history/duplicate-runs.js';
import { checkRunOutput, versionText, type HistoryLinks } from './history/render.js';
import { peopleChangedBy, type GitHubCache } from './facts/cache.js';
import { statusOf, type GitHubClient, type RepoRef } from './client.js';
import type { Connections } from './effects/connections.js';
import { noLock, type Lock } from './lock.js';
import { promoteTag } from './releases/promote.js';
import { PullRequestNotFound, type GatheredFacts } from './facts/gather.js';
import { rememberFault, type AppRecord } from './history/record.js';
import { acceptCallback, type CallbackEvent } from './callbacks/accept.js';
import { rememberMoves, runFacts } from './run-facts.js';
import { keepsOnBaseMerge, proveBaseMerges } from './base-merges.js';
import { Payload } from './payload.js';
import { startRuns } from './start-runs.js';
import { readEvent, type EventRead } from './read-event.js';
import { checkPolicy } from './policy-check.js';
import { relevance, WAITING_LABEL, type AppIdentity, type KnownIdentity } from './relevance.js';
import { upsertSticky } from './history/sticky.js';
import type { Observer } from './observer.js';
import { nextDue, type SweepIndex } from './sweep-index.js';
import { currentRuns, policyProblems, summaryOf, writeSummaryCheck } from './history/summary-check.js';
import { DRAFT_ACTIONS, draftCheck, touchesFlows } from './releases/draft-check.js';

export interface HandlerDeps {
  gh: GitHubClient;
  /** Kept for the life of the app instance; see facts/cache.ts. */
  cache: GitHubCache;
  queue: PullRequestQueue;
  /** Across replicas (Redis), or none. */
  lock?: Lock;
  app: AppIdentity;
  connections: Connections;
  now: () => number;
  log: (message: string) => void;
  /** Where the app's callback route is reachable, and the secret tokens are signed with. */
  callbacks?: CallbackConfig;
  /** Told of effects and runs that change status (the server's metrics). */
  observer?: Observer;
  /**
   * False in the GitHub Action: its token is shared with every workflow of the repository, so deployments "by the app"
   * prove nothing; tags are not promoted and the default branch is always live (docs/action.md).
   */
  releases?: boolean;
  /**
   * False in the GitHub Action: team members and permissions are read in a query of their own (FlowgatePeople), which
   * the Action sends with its app token; GITHUB_TOKEN cannot read teams, so they are never asked in the event's query.
   */
  peopleInEventQuery?: boolean;
  /** Action mode: records are signed with this, and an unsigned or altered one stops the event (see history/record.ts). */
  recordSecret?: string;
  /** When each waiting PR is next due, for the sweep (sweep-index.ts); unset, the sweep finds them by label. */
  dueIndex?: SweepIndex;
}

export interface Outcome {
  skipped?: string;
  runs: { flow: string; id: string; status: Evaluation['run']['status']; started: boolean; pr?: number; waitingOn?: string[]; history?: { title: string; summary: string; text: string } }[];
  /** For a callback: how it went, as an HTTP status and an error a sender can act on. */
  callback?: { status: number; error?: string };
}

interface PrEvent {
  name: string;
  payload: Payload;
  callback?: CallbackEvent;
}


/** Events on one PR are handled one at a time, so two racing webhooks cannot both apply an effect. */
export class PullRequestQueue {
  #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const next = (this.#tails.get(key) ?? Promise.resolve()).then(work, work);
    const settled = next.catch(() => undefined);
    this.#tails.set(key, settled);
    void settled.then(() => this.#tails.get(key) === settled && this.#tails.delete(key));
    return next;
  }
}

/**
 * What a webhook's payload alone settles, with no request: people it changes are forgotten, and a delivery
 * that cannot change a run is skipped. A server screens with what it knows of itself before asking GitHub
 * (its login costs GET /app), so a skipped delivery depends on nothing outside the process; undefined: handle it.
 */
export function screenWebhook(deps: Pick<HandlerDeps, 'cache' | 'now'>, name: string, raw: unknown, app: KnownIdentity): Outcome | undefined {
  // Team members and permissions changed: forget what was cached of them (no request; the next event reads them).
  const peopleScope = peopleChangedBy(name, raw);
  if (peopleScope) deps.cache.people.forget(peopleScope, deps.now());
  const verdict = relevance(name, raw, app);
  return verdict.relevant ? undefined : { skipped: verdict.reason, runs: [] };
}

export async function handleWebhook(deps: HandlerDeps, name: string, raw: unknown): Promise<Outcome> {
  const screened = screenWebhook(deps, name, raw, deps.app);
  if (screened) return screened;
  const parsed = Payload.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { skipped: `malformed ${name} payload: ${issue.path.join('.') || '(root)'}: ${issue.message}`, runs: [] };
  }
  const payload = parsed.data;
  if (name === 'push') {
    if (!payload.repository || !payload.after) return { skipped: 'a push without a repository or commit', runs: [] };
    const repo: RepoRef = { owner: payload.repository.owner.login, name: payload.repository.name };
    if (payload.ref?.startsWith('refs/tags/')) {
      if (deps.releases === false) return { skipped: `a tag push: releases are not promoted here (the GitHub Action's token is every workflow's, so a promotion could not be told from a forgery); the default branch stays live`, runs: [] };
      const promoted = await promoteTag(deps, repo, payload.repository.default_branch, payload.ref.slice('refs/tags/'.length), payload.after);
      return { ...(promoted.skipped ? { skipped: promoted.skipped } : {}), runs: [] };
    }
    const checked = await checkPolicy(deps, repo, payload.repository.default_branch, payload.after);
    return { ...(checked.skipped ? { skipped: checked.skipped } : {}), runs: [] };
  }
  const number = payload.pull_request?.number ?? payload.issue?.number ?? payload.check_run?.pull_requests?.[0]?.number;
  if (!payload.repository || number === undefined) return { skipped: 'no pull request in the payload', runs: [] };
  const repo: RepoRef = { owner: payload.repository.owner.login, name: payload.repository.name };
  return serialise(deps, repo, number, (signal) => handlePullRequest({ ...deps, signal }, { name, payload }, repo, number));
}

/** One event per PR at a time: in this process (the queue) and across replicas (the lock, if any). */
function serialise<T>(deps: Pick<HandlerDeps, 'queue' | 'lock'>, repo: RepoRef, number: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const key = `${repo.owner}/${repo.name}#${number}`;
  // GitHub gives a webhook 10 seconds: wait up to 8 for another replica, else fail with LockBusy (the
  // delivery is redelivered by the sweep). The lock is refreshed while the event runs; if it is lost,
  // `signal` aborts and the event stops before its next write.
  return deps.queue.run(key, () => (deps.lock ?? noLock).hold(`pr:${key}`, 60_000, 8_000, work));
}

/** Wakes the runs on one PR for their timers: the sweep's event. */
export function sweepPullRequest(deps: HandlerDeps, repo: RepoRef, number: number, installation: number): Promise<Outcome> {
  const payload: Payload = { repository: { owner: { login: repo.owner }, name: repo.name, default_branch: '' }, installation: { id: installation } };
  return serialise(deps, repo, number, (signal) => handlePullRequest({ ...deps, signal }, { name: 'sweep', payload }, repo, number));
}

/** A callback from an agent, a chat bridge or a CI job: verified, checked against the run as it is now, then recorded once. */
export async function completeCallback(
  deps: Omit<HandlerDeps, 'gh'> & { clientFor: (installation: number) => Promise<GitHubClient> },
  raw: unknown,
  /** The repository a repository_dispatch came from: the token must be for it. */
  from?: RepoRef,
): Promise<Outcome> {
  const refuse = (status: number, error: string): Outcome => ({ runs: [], callback: { status, error } });
  const parsed = CallbackBody.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return refuse(400, `invalid callback: ${issue.path.join('.') || '(body)'}: ${issue.message}`);
  }
  if (!deps.callbacks) return refuse(503, 'callbacks are not configured on this server (set FLOWGATE_PUBLIC_URL)');
  const verified = verifyToken(parsed.data.token, deps.callbacks.secret, deps.now());
  if (!verified.ok) return refuse(401, verified.error);
  const { claims } = verified;
  if (from && claims.repo.toLowerCase() !== `${from.owner}/${from.name}`.toLowerCase()) {
    return refuse(403, `the token is for ${claims.repo}, not ${from.owner}/${from.name}`);
  }
  const [owner, name] = claims.repo.split('/') as [string, string];
  let gh: GitHubClient;
  try {
    gh = await deps.clientFor(claims.installation);
  } catch (error) {
    if (statusOf(error) === 404) return refuse(404, `the app is no longer installed where the token points (installation ${claims.installation} for ${claims.repo})`);
    throw error;
  }
  const payload: Payload = { repository: { owner: { login: owner }, name, default_branch: '' } };
  return serialise(deps, { owner, name }, claims.pr, (signal) => handlePullRequest({ ...deps, gh, signal }, { name: 'callback', payload, callback: { claims, body: parsed.data } }, { owner, name }, claims.pr));
}

async function handlePullRequest(deps: HandlerDeps & { signal?: AbortSignal }, event: PrEvent, repo: RepoRef, number: number): Promise<Outcome> {
  const { gh } = deps;
  const { name, payload } = event;
  const now = deps.now();
  let read: EventRead | { skipped: string };
  try {
    read = await readEvent(deps, payload, repo, number, now);
  } catch (error) {
    if (error instanceof PullRequestNotFound && event.callback) return { runs: [], callback: { status: 404, error: error.message } };
    throw error;
  }
  if ('skipped' in read) return { skipped: read.skipped, runs: [] };
  const { live: liveRead, liveFlows, facts, pinned } = read;
  const live = liveRead.set;
  const { runs: found, duplicates, summary } = read.found;
  const head = facts.pr.head_sha;
  // A finished run stays on its commit; only a waiting run follows the PR to its new head.
  const stored = found.filter((run) => run.sha === head || run.status !== 'completed');

  // What only webhooks tell: the time of a push, and a click on a check run's button (on the commit of the check run clicked).
  const at = new Date(now).toISOString();
  for (const run of stored) {
    // Runs recorded before the head was: their first head is the commit their first push left, or their check run's.
    run.record.run.head_sha ??= run.record.pushes[0]?.before ?? run.sha;
    if (name === 'pull_request' && payload.action === 'synchronize' && payload.after && !run.record.pushes.some((push) => push.sha === payload.after && push.before === payload.before)) {
      run.record.pushes.push({ at, sha: payload.after, ...(payload.before ? { before: payload.before } : {}), ...(payload.sender ? { actor: payload.sender.login } : {}) });
    }
    if (name === 'check_run' && payload.action === 'requested_action' && payload.check_run?.id === run.checkRunId && payload.sender) {
      const action = payload.requested_action?.identifier;
      if (action === 'approve' || action === 'decline') run.record.buttons.push({ at, actor: payload.sender.login, action, sha: payload.check_run.head_sha });
    }
    rememberMoves(run.record, facts);
  }
  // Whether the head's moves since an approval only merged the base branch: asked only then, for runs whose flow keeps approvals so.
  const keeps = stored.filter((run) => keepsOnBaseMerge((pinned.get(run.record.run.version) ?? []).find((flow) => flow.name === run.record.run.flow)));
  facts.requests += await proveBaseMerges(gh, repo, facts, keeps.map((run) => run.record), deps.cache);

  const installation = payload.installation?.id ?? event.callback?.claims.installation;
  const options = evaluateOptions(deps, repo, number, installation);
  // A refused callback changes no run; the event still brings the runs up to date (a deadline may have passed).
  const refusal = event.callback ? acceptCallback(deps.connections, event.callback, stored, pinned, repo, facts, now, options) : undefined;
  if (refusal?.status === 404) return { runs: [], callback: refusal };

  const started = startRuns(name, payload, facts, liveFlows, found, live?.commit, number, now, liveRead.version.label);
  const runs = [...stored.map((run) => ({ run, isNew: false })), ...started.map((run) => ({ run, isNew: true }))];
  const outcome: Outcome = { runs: [] };
  const sticky: { flow: CompiledFlow; evaluation: Evaluation; checkRunUrl?: string; version?: string }[] = [];
  const observed: Observed = { state: facts.state, headSha: head, appComments: facts.appComments };
  const links = { pr: payload.pull_request?.html_url ?? `https://github.com/${repo.owner}/${repo.name}/pull/${number}` };
  let pending: EffectPending | undefined;
  const left: LeftBehind = { runs: [...(read.found.runsLeft ?? [])], summaries: read.found.summariesLeft ?? [] };
  const flowOf = (run: StoredRun, isNew: boolean) => (isNew ? liveFlows : (pinned.get(run.record.run.version) ?? [])).find((candidate) => candidate.name === run.record.run.flow);
  // The check branch protection requires: on every PR head of a repository with flows, written when it changes.
  const policyRef = facts.defaultBranch;
  const policy = policyProblems(liveRead.version.tag ?? policyRef ?? '', live);
  const postsSummary = ((live?.files.length ?? 0) > 0 || runs.length > 0 || summary !== undefined) && (facts.state === 'OPEN' || summary !== undefined);
  let summaryAt = summary;
  const writeSummary = async (states: readonly { flow: string; id: string; status: Evaluation['run']['status'] }[]) => {
    // No links: a run's URL is told in two forms (the create's html_url, the query's permalink), and would cost a write.
    const output = summaryOf(currentRuns(states).map(({ flow, status }) => ({ flow, status })), policy);
    summaryAt = (await writeSummaryCheck(gh, repo, head, output, summaryAt, deps.now())).found;
  };
  if (postsSummary) {
    // A merge waits for the required `Flowgate` check: a run about to merge at its approved commit has passed its gates, so
    // the check says so first, or GitHub would refuse the app's own merge while the check is still in progress. Only a merge
    // of the head itself: a merge of a commit the head moved past will be refused, and the head was approved by nobody.
    const before = runs.flatMap(({ run, isNew }) => {
      const flow = flowOf(run, isNew);
      if (!flow) return [];
      const evaluation = evaluate(flow, runFacts(repo, facts, run.record), now, options);
      const merging = evaluation.effects.some((effect) => effect.type === 'merge' && effect.status === 'pending' && effect.sha === head);
      return [{ flow: flow.name, id: run.record.run.id, status: merging ? ('succeeded' as const) : evaluation.run.status, merging }];
    });
    if (before.some((state) => state.merging)) await writeSummary(before);
  }
  for (const { run, isNew } of runs) {
    const flow = flowOf(run, isNew);
    if (!flow) {
      deps.log(`run ${run.record.run.id}: flow ${run.record.run.flow} is gone from ${run.record.run.version}; leaving the run as it is`);
      continue;
    }
    const moved = run.checkRunId > 0 && run.sha !== head ? { ...run } : undefined;
    let url = run.url;
    // Writes the run's check run: in place on the head, or a new one there (a new run, or one a push moved).
    const write = async (evaluation: Evaluation): Promise<void> => {
      deps.signal?.throwIfAborted();
      const inPlace = run.checkRunId > 0 && run.sha === head;
      run.record.written = digestOf(evaluation, run.record, links);
      const written = await writeCheckRun(gh, { repo, sha: head, evaluation, record: run.record, links, ...(inPlace ? { checkRunId: run.checkRunId } : {}), ...(deps.recordSecret !== undefined ? { recordSecret: deps.recordSecret } : {}) });
      Object.assign(run, { checkRunId: written.id, sha: head });
      if (written.url) url = written.url;
    };
    let evaluation: Evaluation;
    try {
      evaluation = await settle(deps, repo, number, flow, facts, run.record, options, { observed, persist: write, decisionLinks: decisionLinksFor(deps, repo, number, installation, run.record.run.id) });
    } catch (error) {
      if (!(error instanceof EffectPending)) throw error;
      // GitHub may or may not have applied it, or asked the app to wait: keep what is recorded, stop here,
      // and fail the event so it is delivered again (or the next event or sweep looks first and goes on).
      deps.log(`run ${run.record.run.id}: ${error.message}`);
      rememberFault(run.record, { at: new Date(deps.now()).toISOString(), key: error.key, text: error.message });
      pending = error;
      evaluation = evaluate(flow, runFacts(repo, facts, run.record), deps.now(), options);
    }
    // A decision is judged once: the record keeps each first verdict, and the engine reads it back.
    run.record.verdicts = evaluation.verdicts;
    if (isNew || (run.status !== 'completed' && evaluation.run.status !== 'waiting')) deps.observer?.run?.(evaluation.run.status);
    if (!(run.checkRunId > 0 && run.sha === head) || run.record.written !== digestOf(evaluation, run.record, links)) await write(evaluation);
    // Closed once the event's work is done (left-behind.ts).
    if (moved) left.runs.push(moved);
    sticky.push({ flow, evaluation, ...(url ? { checkRunUrl: url } : {}), version: versionText({ ...(run.record.run.label ? { label: run.record.run.label } : {}), sha: run.record.run.version }) });
    // What the check run shows, for adapters that report it elsewhere too (the Action's job summary).
    const { title, summary: overview, text: history } = checkRunOutput(evaluation, links, { ...(run.record.run.label ? { label: run.record.run.label } : {}), sha: run.record.run.version });
    const waitingOn = evaluation.run.waiting_on.map((waiting) => waiting.step);
    outcome.runs.push({ flow: flow.name, id: run.record.run.id, status: evaluation.run.status, started: isNew, pr: number, waitingOn, history: { title, summary: overview, text: history } });
    if (pending) break;
  }
  // A run created twice (a lost answer) goes on in one check run; the others close once it is written.
  if (duplicates.length > 0) await completeDuplicates(gh, repo, duplicates);
  if (pending) throw pending;
  if (postsSummary) await writeSummary(outcome.runs);
  await markWaiting(gh, repo, number, facts.pr.labels, sticky.map(({ evaluation }) => evaluation));
  if (deps.dueIndex && installation !== undefined) {
    // Lost or stale, an entry is repaired by the sweep's full pass: a failure here costs reads, never a timer.
    await deps.dueIndex.record({ ...repo, number, installation }, nextDue(sticky.map(({ evaluation }) => evaluation))).catch((error: Error) => deps.log(`sweep index: ${error.message}`));
  }
  const statusAsked = name === 'issue_comment' && STATUS_COMMAND.test(payload.comment?.body ?? '');
  if (statusAsked) deps.cache.sticky.delete(`${repo.owner}/${repo.name}#${number}`);
  if (sticky.length > 0 || statusAsked) await upsertSticky(gh, repo, number, deps.app.login, sticky, deps.cache, facts.appComments);
  if (statusAsked && payload.comment?.id !== undefined) {
    // GitHub keeps one reaction per person and kind, so a redelivery adds nothing.
    await gh.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', { owner: repo.owner, repo: repo.name, comment_id: payload.comment.id, content: 'eyes' });
  }
  if (event.callback) outcome.callback = refusal ?? { status: 202 };
  // A PR that edits the flows gets its draft check, last: the gate's own work comes first. The files are in the facts already.
  if (name === 'pull_request' && DRAFT_ACTIONS.has(payload.action ?? '') && facts.state === 'OPEN' && policyRef && touchesFlows(facts.pr.files)) {
    const openedAt = (payload.pull_request as { created_at?: unknown } | undefined)?.created_at;
    const startedAt = runs[0]?.run.record.run.started_at ?? (typeof openedAt === 'string' ? openedAt : new Date(now).toISOString());
    const drafted = await draftCheck(deps, { repo, number, defaultBranch: policyRef, gathered: facts, startedAt, live: liveRead });
    if (drafted.skipped) deps.log(`draft check on #${number}: ${drafted.skipped}`);
  }
  // Cosmetic, so last: a failure fails the event (it is redelivered) with its work done; a callback's answer stands.
  const unclosed = await closeLeftBehind(gh, repo, head, deps.now(), left);
  if (unclosed && !event.callback) throw unclosed;
  if (unclosed) deps.log(unclosed.message);
  return outcome;
}


/**
 * Keeps the sweep's index: the waiting label is on the PR exactly while one of
 * its runs has a timer pending. Changed only when it is wrong, so it costs a
 * request only when a timer starts or stops.
 */
async function markWaiting(gh: GitHubClient, repo: RepoRef, number: number, labels: readonly string[], evaluations: readonly Evaluation[]): Promise<void> {
  const timed = evaluations.some((evaluation) => evaluation.run.status === 'waiting' && evaluation.run.next_deadline !== undefined);
  const labelled = labels.includes(WAITING_LABEL);
  if (timed && !labelled) {
    await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { owner: repo.owner, repo: repo.name, issue_number: number, labels: [WAITING_LABEL] });
  } else if (!timed && labelled) {
    await gh.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', { owner: repo.owner, repo: repo.name, issue_number: number, name: WAITING_LABEL }).catch((error: unknown) => {
      if (statusOf(error) !== 404) throw error;
    });
  }
}

/** What a run's check run shows, hashed: equal digests, nothing to write. */
function digestOf(evaluation: Evaluation, record: AppRecord, links: HistoryLinks): string {
  const { written: _written, ...rest } = record;
  return createHash('sha256').update(JSON.stringify([checkRunOutput(evaluation, links), buttonsFor(evaluation), rest])).digest('base64url').slice(0, 22);
}

const STATUS_COMMAND = /^\s*\/flowgate\s+status\b/im;

/** Evaluates, applies what is pending, and evaluates again until nothing is (effects can trigger more effects). */
async function settle(
  deps: HandlerDeps & { signal?: AbortSignal },
  repo: RepoRef,
  number: number,
  flow: CompiledFlow,
  gathered: GatheredFacts,
  record: AppRecord,
  options: EvaluateOptions,
  apply: { observed: Observed; persist: (evaluation: Evaluation) => Promise<void>; decisionLinks?: DecisionLinks | undefined },
): Promise<Evaluation> {
  let evaluation = evaluate(flow, runFacts(repo, gathered, record), deps.now(), options);
  const persist = () => apply.persist(evaluation);
  for (let round = 0; round < 10; round += 1) {
    deps.signal?.throwIfAborted();
    const applied = await applyEffects(deps.gh, repo, number, evaluation, record, deps.connections, deps.now, {
      observed: apply.observed,
      persist,
      ...(apply.decisionLinks ? { decisionLinks: apply.decisionLinks } : {}),
      ...(deps.observer ? { observer: deps.observer } : {}),
    });
    if (applied === 0) break;
    evaluation = evaluate(flow, runFacts(repo, gathered, record), deps.now(), options);
  }
  return evaluation;
}

export { runFacts };
