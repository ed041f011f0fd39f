/**
 * Turning a step's actions into effects: data the shell applies later, each
 * keyed so that applying it twice is impossible.
 */
import type { CompiledFlow } from '../flow/compile.js';
import type { Action } from '../flow/schema.js';
import { neutraliseDeep, neutraliseMentions } from '../flow/mentions.js';
import { renderTemplate } from '../flow/template.js';
import type { Facts, Verdict } from './facts.js';
import type { PrContext } from './pr-context.js';
import type { DecisionRecord, EffectBody, RunState } from './state.js';
import { extend } from './extend.js';

/** A link that completes a callback wait, signed by the shell: the engine never holds the secret. */
export type CallbackLink = (request: { run: string; step: string; attempt: number; from: number; timeoutMs?: number }) => { url: string; token: string };

export interface EngineContext {
  flow: CompiledFlow;
  /** Signs callback links; without it (the simulator) templates get a placeholder. */
  callbackLink?: CallbackLink;
  /** Facts with events in time order. */
  facts: Facts;
  /** Each event's time in epoch milliseconds, parsed once. */
  times: readonly number[];
  pr: PrContext;
  /** The stored verdicts (facts.verdicts), by decision ref. */
  verdicts: ReadonlyMap<string, readonly Verdict[]>;
}

const isoCache = new Map<number, string>();
/**
 * ISO 8601 for an epoch time. Formatting costs more than the rest of an evaluation,
 * and the same instants recur across evaluations of one PR, so answers are kept.
 */
export function iso(time: number): string {
  let text = isoCache.get(time);
  if (text === undefined) {
    if (isoCache.size >= 100_000) isoCache.clear();
    text = new Date(time).toISOString();
    isoCache.set(time, text);
  }
  return text;
}
/** `2026-11-25 09:00 UTC`: how times read in rules and history. */
export const readableTime = (time: number): string => `${iso(time).slice(0, 16).replace('T', ' ')} UTC`;

export interface TemplateExtras {
  step?: { id: string; name: string; attempt: number };
  gate?: { need: number; have: number; approvers: string; deadline?: string; waiting_on: string };
  decision?: DecisionRecord;
}

/**
 * The variables a message template sees; docs/templates.md lists them. Text that
 * whoever opened the PR controls has its mentions and closing keywords made
 * inert (flow/mentions.ts): the app's comments must not ping or close on their
 * behalf. Webhook, dispatch and workflow payloads get that text unchanged (`rawView`).
 */
export function templateView(context: EngineContext, state: RunState, now: number, extras: TemplateExtras = {}): object {
  return new GitHubTextView(rawTemplateView(context, state, now, extras));
}

/** The same view with user text as it was, for machine payloads. */
const rawView = (view: object): object => GitHubTextView.rawOf(view);

type RawView = ReturnType<typeof rawTemplateView>;

/**
 * A view for GitHub text. What the PR's author controls is made inert when a template first
 * reads it: most templates read one or two variables, and neutralising every step's outputs for
 * each message cost more than the rest of it (a view is rendered at once, before the state moves
 * on, so the outcome is the same). Mustache finds the getters with `in`; the raw view is a
 * private field, which no template can name.
 *
 * A class, not a plain object given getters and a hidden property one by one with
 * Object.defineProperty: on Node 20, objects made that way outlived every young-generation
 * collection until the next full one, with all they reached (a loop making such views kept 13
 * of every 17 MB it allocated through each collection; one making this class keeps none), and
 * each collection's pause grew with them (issue 12, the engine's p99; see extend.ts).
 * Pinned by test/unit/engine-p99-retention.test.ts.
 */
class GitHubTextView {
  readonly #raw: RawView;
  #pr: unknown;
  #step: unknown;
  #steps: unknown;
  #fields: unknown;
  #decision: unknown;
  readonly repo: RawView['repo'];
  readonly run: RawView['run'];
  readonly flow: RawView['flow'];
  readonly gate: RawView['gate'];
  readonly callbacks: RawView['callbacks'];
  readonly now: RawView['now'];

  constructor(raw: RawView) {
    this.#raw = raw;
    this.repo = raw.repo;
    this.run = raw.run;
    this.flow = raw.flow;
    this.gate = raw.gate;
    this.callbacks = raw.callbacks;
    this.now = raw.now;
  }

  get pr(): unknown {
    const pr = this.#raw.pr;
    return (this.#pr ??= extend(pr, { title: neutraliseMentions(pr.title), body: neutraliseMentions(pr.body), base: neutraliseMentions(pr.base), head: neutraliseMentions(pr.head), labels: neutraliseDeep(pr.labels) }));
  }
  get step(): unknown {
    return (this.#step ??= neutraliseDeep(this.#raw.step));
  }
  get steps(): unknown {
    return (this.#steps ??= neutraliseDeep(this.#raw.steps));
  }
  get fields(): unknown {
    return (this.#fields ??= neutraliseDeep(this.#raw.fields));
  }
  get decision(): unknown {
    return (this.#decision ??= neutraliseDeep(this.#raw.decision));
  }

  static rawOf(view: object): object {
    return #raw in view ? (view as GitHubTextView).#raw : view;
  }
}

function rawTemplateView(context: EngineContext, state: RunState, now: number, extras: TemplateExtras) {
  const { facts, flow, pr } = context;
  const snapshot = facts.pr;
  const repoUrl = facts.repo.url ?? `https://github.com/${facts.repo.owner}/${facts.repo.name}`;
  const steps: Record<string, unknown> = {};
  for (const [id, step] of Object.entries(state.steps)) steps[id] = { status: step.status, outputs: step.outputs };
  return {
    pr: {
      number: snapshot.number,
      title: snapshot.title,
      url: snapshot.url ?? `${repoUrl}/pull/${snapshot.number}`,
      author: snapshot.author,
      base: snapshot.base,
      head: snapshot.head,
      head_sha: state.view.headSha,
      labels: state.view.labels,
      body: snapshot.body,
      draft: snapshot.draft,
      changed_files: snapshot.files.length,
      changed_lines: pr.changedLines,
    },
    repo: { owner: facts.repo.owner, name: facts.repo.name, full_name: `${facts.repo.owner}/${facts.repo.name}`, url: repoUrl },
    run: { id: facts.run.id, url: facts.run.url ?? '', status: state.status, flow: flow.name, started_at: iso(state.startedAt) },
    flow: { name: flow.name },
    step: extras.step ? extend(extras.step, { outputs: state.steps[extras.step.id]?.outputs ?? {} }) : {},
    steps,
    fields: pr.fields(),
    gate: extras.gate ?? {},
    decision: extras.decision ?? lastCounted(state) ?? {},
    callbacks: callbackLinks(context, state, now),
    now: iso(now),
  };
}

/** The attempt a step is on when it is open now, else the one it will be on when it next opens. */
export function nextAttempt(state: RunState, step: string): number {
  return state.active?.step === step ? state.active.attempt : (state.steps[step]?.attempts ?? 0) + 1;
}

/**
 * For each callback wait of the flow, the link that completes it: the attempt the
 * step is on when it waits now, else the attempt it will be on when it next waits.
 */
function callbackLinks(context: EngineContext, state: RunState, now: number): Record<string, { url: string; token: string; id: string }> {
  const links: Record<string, { url: string; token: string; id: string }> = {};
  for (const step of context.flow.steps) {
    if (step.wait?.kind !== 'callback') continue;
    const attempt = nextAttempt(state, step.id);
    const id = `${context.facts.run.id}:${step.id}:${attempt}`;
    const signed = context.callbackLink?.({ run: context.facts.run.id, step: step.id, attempt, from: now, ...(step.wait.timeoutMs !== undefined ? { timeoutMs: step.wait.timeoutMs } : {}) });
    links[step.id] = signed ? extend(signed, { id }) : { url: `(the app signs a link for ${id})`, token: `(token for ${id})`, id };
  }
  return links;
}

function lastCounted(state: RunState): DecisionRecord | undefined {
  for (let index = state.decisions.length - 1; index >= 0; index -= 1) {
    if (state.decisions[index]!.counted) return state.decisions[index];
  }
  return undefined;
}

const render = (template: string, view: object): string => renderTemplate(template, view);

function renderBody(body: Record<string, string | number | boolean> | undefined, view: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body ?? {})) out[key] = typeof value === 'string' ? render(value, view) : value;
  return out;
}

export type ActionOutcome = { ok: true; effects: EffectBody[] } | { ok: false; error: string };

/** The effects of one action; fails only when the action cannot be carried out at all. */
export function effectsOfAction(action: Action, context: EngineContext, state: RunState, view: object): ActionOutcome {
  const snapshot = context.facts.pr;
  if ('comment' in action) return { ok: true, effects: [{ type: 'comment', body: render(action.comment, view) }] };
  if ('label' in action) return { ok: true, effects: [{ type: 'label', labels: action.label }] };
  if ('unlabel' in action) return { ok: true, effects: [{ type: 'unlabel', labels: action.unlabel }] };
  if ('request_reviewers' in action) {
    const users = (action.request_reviewers.users ?? []).filter((user) => user.toLowerCase() !== context.pr.author);
    return { ok: true, effects: [{ type: 'request_reviewers', users, teams: action.request_reviewers.teams ?? [] }] };
  }
  if ('merge' in action) {
    const sha = (action.merge.sha ?? 'approved') === 'approved' ? state.approvedSha : state.view.headSha;
    if (sha === undefined) return { ok: false, error: 'no approved commit to merge: no gate has approved in this run' };
    const effect: EffectBody = { type: 'merge', method: action.merge.method ?? 'merge', sha };
    if (action.merge.commit_title !== undefined) effect.commit_title = render(action.merge.commit_title, view);
    if (action.merge.commit_message !== undefined) effect.commit_message = render(action.merge.commit_message, view);
    return { ok: true, effects: [effect] };
  }
  if ('close' in action) {
    const comment = action.close.comment;
    const effects: EffectBody[] = comment !== undefined ? [{ type: 'comment', body: render(comment, view) }] : [];
    return { ok: true, effects: [...effects, { type: 'close' }] };
  }
  if ('dispatch_workflow' in action) {
    const { workflow, ref, inputs } = action.dispatch_workflow;
    const rendered: Record<string, string> = {};
    for (const [key, value] of Object.entries(inputs ?? {})) rendered[key] = render(value, rawView(view));
    return { ok: true, effects: [{ type: 'dispatch_workflow', workflow, ref: ref !== undefined ? render(ref, rawView(view)) : snapshot.base, inputs: rendered }] };
  }
  if ('repository_dispatch' in action) {
    const { event_type, client_payload } = action.repository_dispatch;
    return { ok: true, effects: [{ type: 'repository_dispatch', event_type, client_payload: renderBody(client_payload, rawView(view)) }] };
  }
  if ('webhook' in action) {
    return { ok: true, effects: [{ type: 'webhook', connection: action.webhook.connection, body: renderBody(action.webhook.body, rawView(view)) }] };
  }
  const { users, teams, connection, message, decide } = action.notify;
  const target = decide !== undefined ? { step: decide, attempt: nextAttempt(state, decide) } : undefined;
  return { ok: true, effects: [{ type: 'notify', users: users ?? [], teams: teams ?? [], ...(connection !== undefined ? { connection } : {}), message: render(message, view), ...(target ? { decide: target } : {}) }] };
}
