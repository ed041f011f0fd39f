/**
 * Plays a scenario against flows offline: a miniature GitHub that applies the
 * engine's effects (labels, merges, closes …) and feeds the results back as
 * events, exactly as the GitHub shell will.
 */
import { compileFlow } from '../flow/compile.js';
import type { Flow } from '../flow/schema.js';
import { evaluate } from '../engine/evaluate.js';
import type { FactEvent, Facts, PullRequestSnapshot } from '../engine/facts.js';
import type { Evaluation, RunStatus } from '../engine/state.js';
import { matchTrigger, type PullRequestAction } from '../engine/triggers.js';
import type { Scenario, ScenarioEntry } from './scenario.js';

export const APP_LOGIN = 'flowgate[bot]';
/** Rounds of apply-and-re-evaluate at one instant; a flow needs a handful at most. */
const MAX_SETTLE_ROUNDS = 50;

export interface FlowSource {
  file: string;
  flow: Flow;
}

export interface SimulatedInput {
  at: string;
  text: string;
}

export interface SimulatedRun {
  flow: string;
  file: string;
  evaluation: Evaluation;
}

export interface Simulation {
  scenario: string;
  now: string;
  flows: { name: string; file: string; matched: boolean; reason: string }[];
  inputs: SimulatedInput[];
  runs: SimulatedRun[];
  outcome: RunStatus | 'no-run';
}

interface Tagged {
  event: FactEvent;
  /** Effect results belong to one run; GitHub events belong to all. */
  run?: string;
}

export function simulate(flows: readonly FlowSource[], scenario: Scenario, times: readonly number[]): Simulation {
  const pr = snapshotOf(scenario);
  const trigger: PullRequestAction = scenario.trigger ?? 'opened';
  const start = Date.parse(scenario.start);
  const selected = flows.filter(({ flow }) => scenario.flow === undefined || flow.name === scenario.flow);
  const matches = selected.map(({ flow, file }) => ({ flow: compileFlow(flow), file, match: matchTrigger(flow, pr, trigger) }));
  const runs = matches
    .filter(({ match }) => match.matched)
    .map(({ flow, file }, index) => ({ flow, file, id: `sim-${pr.number}-${index + 1}-${slug(flow.name)}` }));

  const repo = scenario.repo ?? { owner: 'acme', name: 'widgets' };
  const log: Tagged[] = [];
  const inputs: SimulatedInput[] = [];
  const applied = new Set<string>();
  const faults = scenario.faults ?? [];
  const startHead = pr.head_sha;
  const factsFor = (run: (typeof runs)[number]): Facts => ({
    repo,
    run: { id: run.id, started_at: new Date(start).toISOString(), head_sha: startHead },
    pr,
    events: log.filter((tagged) => tagged.run === undefined || tagged.run === run.id).map((tagged) => tagged.event),
  });

  /** Evaluates every run at `now`, applies what is pending, and repeats until nothing is. */
  const settle = (now: number) => {
    for (let round = 0; round < MAX_SETTLE_ROUNDS; round += 1) {
      let pending = 0;
      for (const run of runs) {
        for (const effect of evaluate(run.flow, factsFor(run), now).effects) {
          if (effect.status !== 'pending' || applied.has(effect.key)) continue;
          applied.add(effect.key);
          pending += 1;
          const at = new Date(now).toISOString();
          const fault = refusal(effect, pr) ?? faults.find((candidate) => candidate.effect === effect.type);
          log.push({ run: run.id, event: { type: 'effect', at, key: effect.key, ok: !fault, ...(fault ? { error: fault.error } : {}) } });
          if (!fault) for (const event of githubEventsOf(effect, pr, at)) log.push({ event });
        }
      }
      if (pending === 0) return;
    }
    throw new Error(`simulate: effects kept coming after ${MAX_SETTLE_ROUNDS} rounds at one instant`);
  };

  settle(start);
  let now = start;
  (scenario.events ?? []).forEach((entry, index) => {
    now = times[index]!;
    settle(now);
    const attemptOf = (step: string): number => {
      for (const run of runs) {
        const attempts = evaluate(run.flow, factsFor(run), now).steps.find((candidate) => candidate.id === step)?.attempts;
        if (attempts) return attempts;
      }
      return 1;
    };
    const event = eventOf(entry, index, now, pr, attemptOf);
    if (event) {
      inputs.push({ at: event.at, text: describeInput(event) });
      log.push({ event });
      if (event.type === 'push') pr.head_sha = event.sha;
      if (event.type === 'labeled' && !pr.labels.includes(event.label)) pr.labels.push(event.label);
      if (event.type === 'unlabeled') pr.labels = pr.labels.filter((label) => label !== event.label);
    }
    settle(now);
  });

  const results = runs.map((run) => ({ flow: run.flow.name, file: run.file, evaluation: evaluate(run.flow, factsFor(run), now) }));
  return {
    scenario: scenario.name,
    now: new Date(now).toISOString(),
    flows: matches.map(({ flow, file, match }) => ({ name: flow.name, file, matched: match.matched, reason: match.reason })),
    inputs,
    runs: results,
    outcome: overallOutcome(results.map((run) => run.evaluation.run.status)),
  };
}

const SEVERITY: (RunStatus | 'no-run')[] = ['no-run', 'succeeded', 'waiting', 'cancelled', 'declined', 'failed'];

/** The most severe run status: what a script branching on the exit code needs to know. */
export function overallOutcome(statuses: readonly RunStatus[]): RunStatus | 'no-run' {
  return statuses.reduce<RunStatus | 'no-run'>((worst, status) => (SEVERITY.indexOf(status) > SEVERITY.indexOf(worst) ? status : worst), 'no-run');
}

function snapshotOf(scenario: Scenario): PullRequestSnapshot {
  const { pr } = scenario;
  return {
    number: pr.number ?? 1,
    title: pr.title,
    body: pr.body ?? '',
    author: pr.author,
    ...(pr.author_type ? { author_type: pr.author_type } : {}),
    base: pr.base ?? 'main',
    head: pr.head ?? 'feature',
    head_sha: pr.head_sha ?? 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0',
    draft: pr.draft ?? false,
    labels: [...(pr.labels ?? [])],
    files: (pr.files ?? []).map((file) => ({ path: file.path, additions: file.additions ?? 1, deletions: file.deletions ?? 0 })),
    committers: pr.committers ?? [pr.author],
    teams: scenario.teams ?? {},
    permissions: scenario.permissions ?? {},
    codeowners: scenario.codeowners ?? null,
    bots: scenario.bots ?? [],
  };
}

/** What GitHub itself refuses, whatever the scenario's faults: a merge at a commit that is no longer the head. */
function refusal(effect: Evaluation['effects'][number], pr: PullRequestSnapshot): { error: string } | undefined {
  if (effect.type === 'merge' && effect.sha !== pr.head_sha) return { error: '409: head moved' };
  return undefined;
}

/** What GitHub itself would emit after an effect is applied. */
function githubEventsOf(effect: Evaluation['effects'][number], pr: PullRequestSnapshot, at: string): FactEvent[] {
  switch (effect.type) {
    case 'label':
      return effect.labels.filter((label) => !pr.labels.includes(label)).map((label) => (pr.labels.push(label), { type: 'labeled', at, actor: APP_LOGIN, label }));
    case 'unlabel':
      return effect.labels.filter((label) => pr.labels.includes(label)).map((label) => {
        pr.labels = pr.labels.filter((name) => name !== label);
        return { type: 'unlabeled', at, actor: APP_LOGIN, label };
      });
    case 'merge':
      return [{ type: 'closed', at, actor: APP_LOGIN, merged: true }];
    case 'close':
      return [{ type: 'closed', at, actor: APP_LOGIN, merged: false }];
    default:
      return [];
  }
}

/** The event a scenario entry stands for; a callback without an attempt goes to the step's current one, like a fresh token. */
function eventOf(entry: ScenarioEntry, index: number, now: number, pr: PullRequestSnapshot, attemptOf: (step: string) => number): FactEvent | undefined {
  const at = new Date(now).toISOString();
  if ('advance' in entry) return undefined;
  if ('review' in entry) {
    const { by, state, body, sha, id } = entry.review;
    return { type: 'review', at, actor: by, id: id ?? `r${index + 1}`, state, sha: sha ?? pr.head_sha, ...(body !== undefined ? { body } : {}) };
  }
  if ('dismiss_review' in entry) return { type: 'review_dismissed', at, actor: entry.dismiss_review.by, review_id: entry.dismiss_review.review };
  if ('label' in entry) return { type: 'labeled', at, actor: entry.label.by, label: entry.label.name };
  if ('unlabel' in entry) return { type: 'unlabeled', at, actor: entry.unlabel.by, label: entry.unlabel.name };
  if ('comment' in entry) return { type: 'comment', at, actor: entry.comment.by, id: `c${index + 1}`, body: entry.comment.body, ...(entry.comment.edited ? { edited: true } : {}) };
  if ('push' in entry) {
    const { sha, by, merged_base: merged } = entry.push;
    return { type: 'push', at, sha, before: pr.head_sha, ...(by ? { actor: by } : {}), ...(merged ? { base_merge: { merged, branch: pr.base } } : {}) };
  }
  if ('button' in entry) {
    const { by, action, step, reason, sha } = entry.button;
    return { type: 'button', at, actor: by, action, ...(step ? { step } : {}), ...(reason ? { reason } : {}), ...(sha ? { sha } : {}) };
  }
  if ('callback' in entry) {
    const { step, attempt, by, ...rest } = entry.callback;
    return { type: 'callback', at, step, attempt: attempt ?? attemptOf(step), ...(by ? { actor: by } : {}), ...rest };
  }
  if ('check_run' in entry) {
    const { name, conclusion, sha, url, app } = entry.check_run;
    const reporter = app === undefined ? {} : { app: typeof app === 'number' ? { id: app } : { id: 0, slug: app } };
    return { type: 'check_run', at, name, conclusion, sha: sha ?? pr.head_sha, ...(url ? { url } : {}), ...reporter };
  }
  if ('close' in entry) return { type: 'closed', at, actor: entry.close.by, merged: entry.close.merged ?? false };
  return { type: 'reopened', at, actor: entry.reopen.by };
}

function describeInput(event: FactEvent): string {
  switch (event.type) {
    case 'review':
      return `${event.actor} reviews: ${event.state.replace('_', ' ')}${event.body ? ` ("${event.body}")` : ''}`;
    case 'review_dismissed':
      return `${event.actor} dismisses review ${event.review_id}`;
    case 'labeled':
      return `${event.actor} adds label ${event.label}`;
    case 'unlabeled':
      return `${event.actor} removes label ${event.label}`;
    case 'comment':
      return `${event.actor} comments: ${event.body.split('\n')[0]}`;
    case 'push':
      return `${event.actor ?? 'someone'} pushes ${event.sha.slice(0, 7)}${event.base_merge && 'merged' in event.base_merge ? ` (only merges ${event.base_merge.branch}@${event.base_merge.merged.slice(0, 7)})` : ''}`;
    case 'button':
      return `${event.actor} clicks ${event.action}${event.step ? ` on ${event.step}` : ''}`;
    case 'callback':
      return `callback for ${event.step}#${event.attempt}${event.actor ? ` from ${event.actor}` : ''}: ${event.decision ?? event.result ?? 'success'}${event.summary ? ` (${event.summary})` : ''}`;
    case 'check_run':
      return `check run "${event.name}" concludes ${event.conclusion}`;
    case 'closed':
      return `${event.actor} ${event.merged ? 'merges' : 'closes'} the PR`;
    case 'reopened':
      return `${event.actor} reopens the PR`;
    case 'effect':
      return `effect ${event.key} ${event.ok ? 'applied' : `failed: ${event.error}`}`;
  }
}

const slug = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
