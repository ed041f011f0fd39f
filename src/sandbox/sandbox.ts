/**
 * A local GitHub for the demo and the end-to-end tests: a stateful, in-memory
 * GitHub served over HTTP on loopback. The app reaches it through its normal
 * Octokit with a base URL; people's actions (open a PR, review, label, comment,
 * push, click a check run button) change its state and send signed webhooks.
 * This class wires the parts together and is their public face: the server
 * (server.ts, router.ts), the REST routes by resource (routes/), the payloads
 * (payloads.ts), what people do (people.ts) and the webhooks (webhooks.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { SandboxContext } from './context.js';
import { WorkflowTokens } from './actions-token.js';
import { FaultSwitch } from './faults.js';
import { GroundTruth } from './ground-truth.js';
import { envelope } from './payloads.js';
import * as people from './people.js';
import * as baseBranch from './base-branch.js';
import * as releases from './people-releases.js';
import type { DeploymentRecord } from './release-state.js';
import { createRouter } from './router.js';
import { allRoutes } from './routes/index.js';
import { close, listen, type HttpContext } from './server.js';
import { Clock, GitHubState, type CheckRun, type PullRequest, type Repository } from './state.js';
import { attempt, createOutbox, deliver, enqueue, settle, type Delivery, type Outbox } from './webhooks.js';

export type { Delivery } from './webhooks.js';

export interface SandboxOptions {
  /** Where webhooks go, and the secret they are signed with. */
  webhookUrl?: string;
  webhookSecret?: string;
  appId?: number;
  appSlug?: string;
  start?: string;
  /** Seeds the fault switch's chances. */
  seed?: number;
}

export class Sandbox {
  readonly clock: Clock;
  readonly state: GitHubState;
  readonly deliveries: Delivery[] = [];
  /** Every API request the app made, in order: `METHOD /path`. */
  readonly requests: string[] = [];
  /** Every GraphQL operation the app sent: its name and text. */
  readonly queries: { name: string; query: string }[] = [];
  /** Every REST answer given, for checking them against GitHub's OpenAPI description. */
  readonly responses: { method: string; path: string; status: number; body: unknown; fault?: string }[] = [];
  readonly appId: number;
  readonly appLogin: string;
  /** Faults and in-flight hooks for the app's requests. */
  readonly faults: FaultSwitch;
  /** What people really did and what was merged, at which commit. */
  readonly truth = new GroundTruth();
  /** The `GITHUB_TOKEN`s of workflow runs (actions-token.ts); a read-only one is refused every write. */
  readonly workflowTokens = new WorkflowTokens();
  /** GitHub gives a webhook 10 seconds to be answered. */
  deliveryTimeoutMs = 10_000;
  url = '';
  webhookUrl: string | undefined;
  /** Other replicas that receive every webhook too, at the same moment (the proof's "same delivery to both"). */
  mirrorUrls: string[] = [];
  /** Each webhook is sent this many times at once to the webhook URL (a duplicate delivery racing itself). */
  deliveryCopies = 1;
  readonly webhookSecret: string;
  #server: Server | undefined;
  #outbox: Outbox;
  #context: SandboxContext;
  #http: HttpContext;

  constructor(options: SandboxOptions = {}) {
    this.clock = new Clock(options.start ?? '2026-11-24T09:00:00Z');
    this.state = new GitHubState(this.clock);
    this.appId = options.appId ?? 4242;
    this.appLogin = `${options.appSlug ?? 'flowgate'}[bot]`;
    this.state.user(this.appLogin, 'Bot');
    this.webhookUrl = options.webhookUrl;
    this.webhookSecret = options.webhookSecret ?? 'sandbox-secret';
    this.faults = new FaultSwitch(options.seed ?? 1);
    this.#outbox = createOutbox(this);
    // Set while the sandbox serves a request: people acting in a fault hook must not wait for deliveries (one is in flight).
    const serving = new AsyncLocalStorage<true>();
    const sandbox = this;
    const queueEmit = (name: string, payload: Record<string, unknown>, repo: Repository, sender: string) =>
      enqueue(this.#outbox, attempt(this.#outbox, randomUUID(), name, envelope(this.#context, payload, repo, sender), false));
    this.#context = {
      state: this.state,
      clock: this.clock,
      truth: this.truth,
      appId: this.appId,
      appLogin: this.appLogin,
      get url() {
        return sandbox.url;
      },
      queueEmit,
      emit: async (name, payload, repo, sender) => {
        queueEmit(name, payload, repo, sender);
        // A person acting in a fault hook acts while the app's request, and so a delivery, is in flight: waiting would wait for itself.
        if (serving.getStore()) return;
        await this.settle();
      },
    };
    this.#http = { clock: this.clock, faults: this.faults, requests: this.requests, responses: this.responses, serving, held: new Set(), tokens: this.workflowTokens, answer: createRouter(allRoutes(this.#context, this)) };
  }

  async start(): Promise<string> {
    const { server, url } = await listen(this.#http);
    this.#server = server;
    this.url = url;
    return this.url;
  }

  async stop(): Promise<void> {
    await this.settle();
    await close(this.#http, this.#server);
  }

  // ------------------------------------------------------------ what people do (people.ts)

  createRepo(fullName: string, files: Record<string, string>, options: people.RepoAccess = {}): Repository {
    return people.createRepo(this.#context, fullName, files, options);
  }

  /** A branch from the default branch with these changes, and a pull request for it. */
  async openPullRequest(fullName: string, pr: people.NewPullRequest): Promise<PullRequest> {
    return people.openPullRequest(this.#context, fullName, pr);
  }

  async review(fullName: string, number: number, by: string, state: 'approved' | 'changes_requested' | 'commented', body = ''): Promise<void> {
    return people.review(this.#context, fullName, number, by, state, body);
  }

  async comment(fullName: string, number: number, by: string, body: string): Promise<void> {
    return people.comment(this.#context, fullName, number, by, body);
  }

  async label(fullName: string, number: number, by: string, name: string): Promise<void> {
    return people.label(this.#context, fullName, number, by, name);
  }

  async push(fullName: string, number: number, by: string, changes: Record<string, string | null>): Promise<string> {
    return people.push(this.#context, fullName, number, by, changes);
  }

  /** A commit on the default branch, so PRs fall behind it (no webhook). Returns its SHA. */
  pushToBase(fullName: string, by: string, changes: Record<string, string | null>): string {
    return baseBranch.pushToBase(this.#context, fullName, by, changes);
  }

  /** A person clicks "Update branch": GitHub merges the base branch into the head and sends `synchronize`. Returns the merge's SHA. */
  async updateBranch(fullName: string, number: number, by: string): Promise<string> {
    return baseBranch.clickUpdateBranch(this.#context, fullName, number, by);
  }

  /** A person pushes a merge commit of their own making (the base's tip, or `other`, into the head), with `edits` smuggled in. */
  async pushMerge(fullName: string, number: number, by: string, options: { other?: string; edits?: Record<string, string | null> } = {}): Promise<string> {
    return baseBranch.pushMerge(this.#context, fullName, number, by, options);
  }

  /** Another app (a CI system) completes a check run on a commit, sending `check_run.completed`. */
  async completeCheckRun(fullName: string, sha: string, name: string, conclusion: string, appId = 15368): Promise<void> {
    return people.completeCheckRun(this.#context, fullName, sha, name, conclusion, appId);
  }

  /** A click on one of a check run's buttons. */
  async clickButton(fullName: string, checkRunId: number, by: string, identifier: string): Promise<void> {
    return people.clickButton(this.#context, fullName, checkRunId, by, identifier);
  }

  /** A repository_dispatch, as `POST /repos/{owner}/{repo}/dispatches` by someone with a token would cause. */
  async dispatch(fullName: string, by: string, eventType: string, clientPayload: Record<string, unknown>): Promise<void> {
    return people.dispatch(this.#context, fullName, by, eventType, clientPayload);
  }

  /** Removes a label as a person, sending `pull_request.unlabeled`. */
  async unlabel(fullName: string, number: number, by: string, name: string): Promise<void> {
    return people.unlabel(this.#context, fullName, number, by, name);
  }

  /** Edits a comment as a person, sending `issue_comment.edited` with the body it had. */
  async editComment(fullName: string, number: number, commentId: number, by: string, body: string): Promise<void> {
    return people.editComment(this.#context, fullName, number, commentId, by, body);
  }

  /** Deletes a comment as a person, sending `issue_comment.deleted`: it leaves the timeline too, as on GitHub. */
  async deleteComment(fullName: string, number: number, commentId: number, by: string): Promise<void> {
    return people.deleteComment(this.#context, fullName, number, commentId, by);
  }

  // ------------------------------------------------------------ what people do with releases (people-releases.ts)

  /** A commit on the default branch, pushed (sends `push`); returns its SHA. */
  async pushToDefault(fullName: string, by: string, changes: Record<string, string | null>, message?: string): Promise<string> {
    return releases.pushToDefault(this.#context, fullName, by, changes, message);
  }

  /** Creates a tag at `sha`, or moves it there (sends `push` for the tag); `annotated` makes it `git tag -a`'s, a tag object. */
  async pushTag(fullName: string, tag: string, sha: string, by: string, annotated?: { message: string }): Promise<void> {
    return releases.pushTag(this.#context, fullName, tag, sha, by, annotated);
  }

  async deleteTag(fullName: string, tag: string, by: string): Promise<void> {
    return releases.deleteTag(this.#context, fullName, tag, by);
  }

  /** A deployment made by a person with their own token. */
  deployAs(fullName: string, by: string, body: Record<string, unknown>): DeploymentRecord {
    return releases.deployAs(this.#context, fullName, by, body);
  }

  // ------------------------------------------------------------ webhooks (webhooks.ts)

  /** Sends a webhook again, as GitHub's "Redeliver" does: the same GUID and payload, a new attempt in the log. */
  async redeliver(delivery: Delivery): Promise<void> {
    this.queueRedelivery(delivery);
    await this.settle();
  }

  /** Sends any payload as a signed webhook, as if GitHub had (the proof's fuzzing); returns its log entry once answered. */
  async deliverPayload(name: string, payload: Record<string, unknown>): Promise<Delivery> {
    const sent = attempt(this.#outbox, randomUUID(), name, payload, false);
    enqueue(this.#outbox, sent);
    await this.settle();
    return sent;
  }

  /** Sends a webhook `copies` times at once (same GUID and payload), each a redelivery in the log. */
  async redeliverAtOnce(delivery: Delivery, copies: number): Promise<void> {
    await this.settle();
    const attempts = Array.from({ length: copies }, () => attempt(this.#outbox, delivery.id, delivery.name, delivery.payload, true));
    this.deliveries.push(...attempts);
    await Promise.all(attempts.map((each) => deliver(this, each)));
    await this.settle();
  }

  /** The log's attempt with this id, for the deliveries API. */
  deliveryById(deliveryId: number): Delivery | undefined {
    return this.deliveries.find((delivery) => delivery.deliveryId === deliveryId);
  }

  /** Queues a redelivery of a logged attempt without waiting for it (the API's `attempts` route). */
  queueRedelivery(delivery: Delivery): void {
    enqueue(this.#outbox, attempt(this.#outbox, delivery.id, delivery.name, delivery.payload, true));
  }

  /**
   * Waits until every webhook sent so far, and those they caused, has been
   * delivered or has failed. Webhooks sent while no URL is set are not kept
   * waiting: they fail at once ("failed to connect", with `error` saying no URL
   * is set) and stay in the log, so they can be redelivered once the app
   * listens. It yields to timers between rounds, so it never starves the event
   * loop (test/integration/cost-settle.test.ts runs it under a kill bound).
   */
  async settle(): Promise<void> {
    await settle(this.#outbox);
  }

  pullRequest(fullName: string, number: number): PullRequest {
    return this.state.pull(fullName, number);
  }

  checkRunsFor(sha: string): CheckRun[] {
    return [...this.state.checkRuns.values()].filter((run) => run.head_sha === sha);
  }
}
