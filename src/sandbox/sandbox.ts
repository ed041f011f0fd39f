/**
 * A local GitHub for the demo and the end-to-end tests: a stateful, in-memory
 * GitHub served over HTTP on loopback. The app reaches it through its normal
 * Octokit with a base URL; people's actions (open a PR, review, label, comment,
 * push, click a check run button) change its state and send signed webhooks.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliveryRoutes } from './deliveries.js';
import { FaultSwitch, SECONDARY_RATE_LIMIT, type RequestInfo } from './faults.js';
import { createGraphQL } from './graphql.js';
import { GroundTruth } from './ground-truth.js';
import { shaped } from './openapi-shapes.js';
import { Clock, GitHubState, NotFound, Refused, type CheckRun, type Permission, type PullRequest, type Repository } from './state.js';

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

/** One attempt to deliver a webhook, as GitHub's delivery log keeps it. */
export interface Delivery {
  /** The event's GUID (`X-GitHub-Delivery`), shared by its redeliveries. */
  id: string;
  name: string;
  payload: Record<string, unknown>;
  /** The app's HTTP answer; absent when none came (no URL, connection refused or cut, timed out). */
  status?: number;
  /** This attempt's own id in the delivery log. */
  deliveryId: number;
  redelivery: boolean;
  /** How it went, in GitHub's words: `OK`, `Invalid HTTP Response: 500`, `failed to connect`, `timed out`. */
  outcome?: string;
  deliveredAt?: string;
  durationMs?: number;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
type Handler = (params: Record<string, string>, body: Record<string, unknown>, query: URLSearchParams) => Answer | Promise<Answer>;

export class Sandbox {
  readonly clock: Clock;
  readonly state: GitHubState;
  readonly deliveries: Delivery[] = [];
  /** Every API request the app made, in order: `METHOD /path`. */
  readonly requests: string[] = [];
  /** Every REST answer given, for checking them against GitHub's OpenAPI description. */
  readonly responses: { method: string; path: string; status: number; body: unknown; fault?: string }[] = [];
  readonly appId: number;
  readonly appLogin: string;
  /** Faults and in-flight hooks for the app's requests. */
  readonly faults: FaultSwitch;
  /** What people really did and what was merged, at which commit. */
  readonly truth = new GroundTruth();
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
  #queue: Delivery[] = [];
  #draining: Promise<void> | undefined;
  #graphql: ReturnType<typeof createGraphQL>;
  #routes: [method: string, pattern: RegExp, keys: string[], handler: Handler][] = [];
  /** Set while the sandbox serves a request: people acting in a fault hook must not wait for deliveries (one is in flight). */
  #serving = new AsyncLocalStorage<true>();
  /** Sockets a timeout fault is holding, cut on stop. */
  #held = new Set<() => void>();
  #deliveryIds = 7_000_000;

  constructor(options: SandboxOptions = {}) {
    this.clock = new Clock(options.start ?? '2026-11-24T09:00:00Z');
    this.state = new GitHubState(this.clock);
    this.appId = options.appId ?? 4242;
    this.appLogin = `${options.appSlug ?? 'flowgate'}[bot]`;
    this.state.user(this.appLogin, 'Bot');
    this.webhookUrl = options.webhookUrl;
    this.webhookSecret = options.webhookSecret ?? 'sandbox-secret';
    this.faults = new FaultSwitch(options.seed ?? 1);
    this.#graphql = createGraphQL(this.state);
    this.#defineRoutes();
  }

  async start(): Promise<string> {
    this.#server = createServer((request, response) => void this.#serve(request, response));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await this.settle();
    for (const cut of this.#held) cut();
    await new Promise<void>((resolve, reject) => {
      if (!this.#server) return resolve();
      this.#server.close((error) => (error ? reject(error) : resolve()));
      // Keep-alive sockets of clients that are gone would hold the close for seconds.
      this.#server.closeAllConnections();
    });
  }

  // ------------------------------------------------------------ what people do

  createRepo(fullName: string, files: Record<string, string>, options: { permissions?: Record<string, Permission>; teams?: Record<string, string[]> } = {}): Repository {
    const [owner, name] = fullName.split('/') as [string, string];
    const repo = this.state.createRepo(owner, name, files);
    Object.assign(repo.permissions, options.permissions ?? {});
    for (const [team, members] of Object.entries(options.teams ?? {})) this.state.teams.set(team.toLowerCase(), members);
    return repo;
  }

  /** A branch from the default branch with these changes, and a pull request for it. */
  async openPullRequest(fullName: string, pr: { author: string; title: string; body?: string; branch: string; changes: Record<string, string | null>; labels?: string[]; draft?: boolean }): Promise<PullRequest> {
    const repo = this.state.repo(fullName);
    const base = repo.branches[repo.defaultBranch]!;
    this.clock.tick();
    const commit = this.state.commit(repo, pr.changes, base, pr.author, pr.title);
    repo.branches[pr.branch] = commit.oid;
    const number = [...this.state.pulls.keys()].filter((key) => key.startsWith(`${fullName.toLowerCase()}#`)).length + 1;
    const pull: PullRequest = {
      id: this.state.nextId(),
      number,
      title: pr.title,
      body: pr.body ?? '',
      author: pr.author,
      base: repo.defaultBranch,
      head: pr.branch,
      baseSha: base,
      headSha: commit.oid,
      draft: pr.draft ?? false,
      state: 'open',
      merged: false,
      labels: [...(pr.labels ?? [])],
      commits: [commit.oid],
      timeline: [{ __typename: 'PullRequestCommit', at: commit.at, commit: { oid: commit.oid, author: { user: { login: pr.author } }, committer: { user: { login: pr.author } } } }],
      comments: [],
      requestedReviewers: { users: [], teams: [] },
      createdAt: this.clock.iso(),
    };
    this.state.pulls.set(`${fullName.toLowerCase()}#${number}`, pull);
    await this.#emit('pull_request', { action: 'opened', number, pull_request: this.#pullPayload(repo, pull) }, repo, pr.author);
    return pull;
  }

  async review(fullName: string, number: number, by: string, state: 'approved' | 'changes_requested' | 'commented', body = ''): Promise<void> {
    const { repo, pull } = this.#find(fullName, number);
    const at = this.clock.tick();
    const id = this.state.nextId();
    pull.timeline.push({ __typename: 'PullRequestReview', at, databaseId: id, state: state.toUpperCase(), submittedAt: at, body, author: { login: by }, commit: { oid: pull.headSha } });
    this.#witness('review', repo, pull, by, state);
    // A review's pull_request is GitHub's "simple" form: it has no merged flag.
    const { merged: _merged, ...simple } = this.#pullPayload(repo, pull);
    await this.#emit('pull_request_review', { action: 'submitted', review: { id, state, body, commit_id: pull.headSha, user: this.#userPayload(by), submitted_at: at }, pull_request: simple }, repo, by);
  }

  async comment(fullName: string, number: number, by: string, body: string): Promise<void> {
    const { repo, pull } = this.#find(fullName, number);
    const comment = this.#addComment(pull, by, body);
    this.#witness('comment', repo, pull, by, body);
    await this.#emit('issue_comment', { action: 'created', issue: this.#issuePayload(repo, pull), comment: this.#commentPayload(comment, repo, pull.number) }, repo, by);
  }

  async label(fullName: string, number: number, by: string, name: string): Promise<void> {
    const { repo, pull } = this.#find(fullName, number);
    if (pull.labels.includes(name)) return;
    this.#addLabel(pull, by, name);
    this.#witness('label', repo, pull, by, name);
    await this.#emit('pull_request', { action: 'labeled', number, label: { name }, pull_request: this.#pullPayload(repo, pull) }, repo, by);
  }

  async push(fullName: string, number: number, by: string, changes: Record<string, string | null>): Promise<string> {
    const { repo, pull } = this.#find(fullName, number);
    this.clock.tick();
    const before = pull.headSha;
    const commit = this.state.commit(repo, changes, before, by, `Update from ${by}`);
    repo.branches[pull.head] = commit.oid;
    pull.headSha = commit.oid;
    pull.commits.push(commit.oid);
    pull.timeline.push({ __typename: 'PullRequestCommit', at: commit.at, commit: { oid: commit.oid, author: { user: { login: by } }, committer: { user: { login: by } } } });
    this.#witness('push', repo, pull, by, commit.oid);
    await this.#emit('pull_request', { action: 'synchronize', number, before, after: commit.oid, pull_request: this.#pullPayload(repo, pull) }, repo, by);
    return commit.oid;
  }

  /** Another app (a CI system) completes a check run on a commit, sending `check_run.completed`. */
  async completeCheckRun(fullName: string, sha: string, name: string, conclusion: string, appId = 15368): Promise<void> {
    const repo = this.state.repo(fullName);
    const id = this.state.nextId();
    const at = this.clock.tick();
    const run = { id, repo: `${repo.owner}/${repo.name}`.toLowerCase(), app_id: appId, name, head_sha: sha, status: 'completed', conclusion, external_id: null, details_url: null, started_at: at, completed_at: at, output: { title: name, summary: '', text: null }, actions: [] };
    this.state.checkRuns.set(id, run);
    const pulls = [...this.state.pulls.values()].filter((pull) => pull.headSha === sha && pull.state === 'open');
    await this.#emit('check_run', { action: 'completed', check_run: { ...this.#checkRunPayload(run, pulls), app: { id: appId, slug: 'ci' } } }, repo, 'ci[bot]');
  }

  /** A click on one of a check run's buttons. */
  async clickButton(fullName: string, checkRunId: number, by: string, identifier: string): Promise<void> {
    const run = this.state.checkRuns.get(checkRunId);
    if (!run) throw new NotFound(`check run ${checkRunId}`);
    const repo = this.state.repo(fullName);
    const pulls = [...this.state.pulls.values()].filter((pull) => pull.headSha === run.head_sha && pull.state === 'open');
    for (const pull of pulls) this.#witness('button', repo, pull, by, identifier);
    await this.#emit('check_run', { action: 'requested_action', check_run: this.#checkRunPayload(run, pulls), requested_action: { identifier } }, repo, by);
  }

  /** A repository_dispatch, as `POST /repos/{owner}/{repo}/dispatches` by someone with a token would cause. */
  async dispatch(fullName: string, by: string, eventType: string, clientPayload: Record<string, unknown>): Promise<void> {
    const repo = this.state.repo(fullName);
    await this.#emit('repository_dispatch', { action: eventType, branch: repo.defaultBranch, client_payload: clientPayload }, repo, by);
  }

  /** Removes a label as a person, sending `pull_request.unlabeled`. */
  async unlabel(fullName: string, number: number, by: string, name: string): Promise<void> {
    const { repo, pull } = this.#find(fullName, number);
    if (!pull.labels.includes(name)) return;
    pull.labels = pull.labels.filter((label) => label !== name);
    pull.timeline.push({ __typename: 'UnlabeledEvent', at: this.clock.tick(), createdAt: this.clock.iso(), actor: { login: by }, label: { name } });
    this.#witness('unlabel', repo, pull, by, name);
    await this.#emit('pull_request', { action: 'unlabeled', number, label: { name }, pull_request: this.#pullPayload(repo, pull) }, repo, by);
  }

  /** Edits a comment as a person, sending `issue_comment.edited` with the body it had. */
  async editComment(fullName: string, number: number, commentId: number, by: string, body: string): Promise<void> {
    const { repo, pull } = this.#find(fullName, number);
    const comment = pull.comments.find((candidate) => candidate.id === commentId);
    if (!comment) throw new NotFound(`comment ${commentId}`);
    const from = comment.body;
    comment.body = body;
    comment.updated_at = this.clock.tick();
    const item = pull.timeline.find((entry) => entry.__typename === 'IssueComment' && entry.databaseId === commentId);
    if (item) Object.assign(item, { body, lastEditedAt: comment.updated_at });
    this.#witness('comment-edit', repo, pull, by, body);
    await this.#emit('issue_comment', { action: 'edited', changes: { body: { from } }, issue: this.#issuePayload(repo, pull), comment: this.#commentPayload(comment, repo, pull.number) }, repo, by);
  }

  /** Deletes a comment as a person, sending `issue_comment.deleted`: it leaves the timeline too, as on GitHub. */
  async deleteComment(fullName: string, number: number, commentId: number, by: string): Promise<void> {
    const { repo, pull } = this.#find(fullName, number);
    const comment = this.#removeComment(pull, commentId);
    await this.#emit('issue_comment', { action: 'deleted', issue: this.#issuePayload(repo, pull), comment: this.#commentPayload(comment, repo, pull.number) }, repo, by);
  }

  #removeComment(pull: PullRequest, commentId: number): PullRequest['comments'][number] {
    const comment = pull.comments.find((candidate) => candidate.id === commentId);
    if (!comment) throw new NotFound(`comment ${commentId}`);
    pull.comments = pull.comments.filter((candidate) => candidate !== comment);
    pull.timeline = pull.timeline.filter((entry) => !(entry.__typename === 'IssueComment' && entry.databaseId === commentId));
    return comment;
  }

  /** Sends a webhook again, as GitHub's "Redeliver" does: the same GUID and payload, a new attempt in the log. */
  async redeliver(delivery: Delivery): Promise<void> {
    this.#enqueue(this.#attempt(delivery.id, delivery.name, delivery.payload, true));
    await this.settle();
  }

  /** Sends any payload as a signed webhook, as if GitHub had (the proof's fuzzing); returns its log entry once answered. */
  async deliverPayload(name: string, payload: Record<string, unknown>): Promise<Delivery> {
    const attempt = this.#attempt(randomUUID(), name, payload, false);
    this.#enqueue(attempt);
    await this.settle();
    return attempt;
  }

  /** Sends a webhook `copies` times at once (same GUID and payload), each a redelivery in the log. */
  async redeliverAtOnce(delivery: Delivery, copies: number): Promise<void> {
    await this.settle();
    const attempts = Array.from({ length: copies }, () => this.#attempt(delivery.id, delivery.name, delivery.payload, true));
    this.deliveries.push(...attempts);
    await Promise.all(attempts.map((attempt) => this.#deliver(attempt)));
    await this.settle();
  }

  /** The log's attempt with this id, for the deliveries API. */
  deliveryById(deliveryId: number): Delivery | undefined {
    return this.deliveries.find((delivery) => delivery.deliveryId === deliveryId);
  }

  /** Queues a redelivery of a logged attempt without waiting for it (the API's `attempts` route). */
  queueRedelivery(delivery: Delivery): void {
    this.#enqueue(this.#attempt(delivery.id, delivery.name, delivery.payload, true));
  }

  /**
   * Waits until every webhook sent so far, and those they caused, has been
   * delivered or has failed. Webhooks sent while no URL is set are not kept
   * waiting: they fail at once ("failed to connect") and stay in the log, so
   * they can be redelivered once the app listens.
   */
  async settle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  pullRequest(fullName: string, number: number): PullRequest {
    return this.state.pull(fullName, number);
  }

  checkRunsFor(sha: string): CheckRun[] {
    return [...this.state.checkRuns.values()].filter((run) => run.head_sha === sha);
  }

  // ------------------------------------------------------------ webhooks

  async #emit(name: string, payload: Record<string, unknown>, repo: Repository, sender: string): Promise<void> {
    this.#queueEmit(name, payload, repo, sender);
    // A person acting in a fault hook acts while the app's request, and so a delivery, is in flight: waiting would wait for itself.
    if (this.#serving.getStore()) return;
    await this.settle();
  }

  /** Deliveries go one at a time, in order; one caused by the app's own API call waits for the delivery in flight. */
  async #drain(): Promise<void> {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) await this.#deliver(next);
  }

  async #deliver(delivery: Delivery): Promise<void> {
    const started = Date.now();
    delivery.deliveredAt = this.clock.iso();
    try {
      if (!this.webhookUrl) throw new Error('no webhook URL');
      if (this.faults.losesDelivery(delivery)) throw new Error('lost on the way');
      const body = JSON.stringify(delivery.payload);
      const signature = `sha256=${createHmac('sha256', this.webhookSecret).update(body).digest('hex')}`;
      const post = (url: string) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-github-event': delivery.name, 'x-github-delivery': delivery.id, 'x-hub-signature-256': signature, 'user-agent': 'GitHub-Hookshot/sandbox', 'x-sandbox-now': String(this.clock.now()) },
          body,
          signal: AbortSignal.timeout(this.deliveryTimeoutMs),
        });
      // Mirrors get the same delivery at the same moment; only the primary's answer is logged.
      const copies = Array.from({ length: Math.max(0, this.deliveryCopies - 1) }, () => this.webhookUrl!);
      const mirrored = [...this.mirrorUrls, ...copies].map((url) => post(url).then((answer) => answer.arrayBuffer(), () => undefined));
      const [response] = await Promise.all([post(this.webhookUrl), ...mirrored]);
      delivery.status = response.status;
      delivery.outcome = response.ok ? 'OK' : `Invalid HTTP Response: ${response.status}`;
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      delivery.outcome = (error as Error).name === 'TimeoutError' ? 'timed out' : 'failed to connect';
    } finally {
      delivery.durationMs = Date.now() - started;
    }
  }

  #enqueue(delivery: Delivery): void {
    this.deliveries.push(delivery);
    this.#queue.push(delivery);
    this.#kick();
  }

  /**
   * Starts draining unless a drain runs. The promise is cleared by its own
   * callback, after it was stored: a drain with nothing to await (no URL) once
   * left a settled promise behind, and settle() spun on it for ever.
   */
  #kick(): void {
    if (this.#draining || this.#queue.length === 0) return;
    const draining: Promise<void> = this.#drain().finally(() => {
      if (this.#draining === draining) this.#draining = undefined;
      this.#kick();
    });
    this.#draining = draining;
  }

  #attempt(guid: string, name: string, payload: Record<string, unknown>, redelivery: boolean): Delivery {
    this.#deliveryIds += 1;
    return { id: guid, name, payload, deliveryId: this.#deliveryIds, redelivery };
  }

  #queueEmit(name: string, payload: Record<string, unknown>, repo: Repository, sender: string): void {
    this.#enqueue(this.#attempt(randomUUID(), name, { ...payload, repository: this.#repoPayload(repo), sender: this.#userPayload(sender), installation: { id: repo.installationId } }, false));
  }

  /** Ground truth: a person's action on a PR, with the head it was made on. */
  #witness(kind: Parameters<GroundTruth['actions']['push']>[0]['kind'], repo: Repository, pull: PullRequest, actor: string, detail: string): void {
    this.truth.action({ kind, repo: `${repo.owner}/${repo.name}`.toLowerCase(), number: pull.number, actor, head: pull.headSha, at: this.clock.iso(), detail });
  }

  // ------------------------------------------------------------ payloads

  #userPayload(login: string) {
    const user = this.state.user(login);
    const api = `https://api.github.com/users/${encodeURIComponent(user.login)}`;
    return shaped('simple-user', {
      login: user.login,
      id: user.id,
      node_id: `U_${user.id}`,
      type: user.type,
      html_url: `https://github.com/${encodeURIComponent(user.login)}`,
      url: api,
      avatar_url: `https://avatars.githubusercontent.com/u/${user.id}`,
      gravatar_id: '',
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      site_admin: false,
    });
  }

  #repoPayload(repo: Repository) {
    return {
      id: repo.id,
      node_id: `R_${repo.id}`,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      private: false,
      owner: this.#userPayload(repo.owner),
      html_url: `https://github.com/${repo.owner}/${repo.name}`,
      default_branch: repo.defaultBranch,
    };
  }

  #pullPayload(repo: Repository, pull: PullRequest) {
    return {
      id: pull.id,
      number: pull.number,
      html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}`,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      draft: pull.draft,
      merged: pull.merged,
      user: this.#userPayload(pull.author),
      labels: pull.labels.map((name) => ({ name })),
      head: { ref: pull.head, sha: pull.headSha, repo: this.#repoPayload(repo) },
      base: { ref: pull.base, sha: pull.baseSha, repo: this.#repoPayload(repo) },
      created_at: pull.createdAt,
      updated_at: this.clock.iso(),
    };
  }

  /** A pull request as REST answers it. */
  #pullObject(repo: Repository, pull: PullRequest, component: 'pull-request' | 'pull-request-simple') {
    const api = `https://api.github.com/repos/${repo.owner}/${repo.name}`;
    return shaped(component, {
      id: pull.id,
      node_id: `PR_${pull.id}`,
      number: pull.number,
      url: `${api}/pulls/${pull.number}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}`,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      user: this.#userPayload(pull.author),
      labels: pull.labels.map((name) => this.#labelPayload(repo, name)),
      draft: pull.draft,
      merged: pull.merged,
      created_at: pull.createdAt,
      updated_at: this.clock.iso(),
      head: { ref: pull.head, sha: pull.headSha, label: `${repo.owner}:${pull.head}`, user: this.#userPayload(repo.owner) },
      base: { ref: pull.base, sha: pull.baseSha, label: `${repo.owner}:${pull.base}`, user: this.#userPayload(repo.owner) },
      author_association: 'MEMBER',
    });
  }

  #issuePayload(repo: Repository, pull: PullRequest) {
    return { number: pull.number, title: pull.title, state: pull.state, user: this.#userPayload(pull.author), pull_request: { url: `${this.url}/repos/${repo.owner}/${repo.name}/pulls/${pull.number}`, html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}` } };
  }

  #commentPayload(comment: PullRequest['comments'][number], repo?: Repository, number?: number) {
    const where = repo ? `${repo.owner}/${repo.name}` : 'unknown/unknown';
    return shaped('issue-comment', {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      body: comment.body,
      user: this.#userPayload(comment.user),
      created_at: comment.created_at,
      updated_at: comment.updated_at,
      url: `https://api.github.com/repos/${where}/issues/comments/${comment.id}`,
      html_url: `https://github.com/${where}/pull/${number ?? 0}#issuecomment-${comment.id}`,
      issue_url: `https://api.github.com/repos/${where}/issues/${number ?? 0}`,
      author_association: 'MEMBER',
    });
  }

  #appPayload() {
    const slug = this.appLogin.replace('[bot]', '');
    return shaped('integration', {
      id: this.appId,
      slug,
      node_id: `A_${this.appId}`,
      name: 'Flowgate',
      description: 'Approval flows for GitHub that live in git.',
      owner: this.#userPayload('acme'),
      external_url: 'https://github.com/',
      html_url: `https://github.com/apps/${slug}`,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      permissions: { checks: 'write', contents: 'write', issues: 'write', pull_requests: 'write' },
      events: ['pull_request', 'pull_request_review', 'issue_comment', 'check_run'],
    });
  }

  /** A check run as REST answers it; webhooks use the same fields. */
  #checkRunPayload(run: CheckRun & { repo?: string }, pulls: PullRequest[]) {
    const where = run.repo ?? 'unknown/unknown';
    return shaped('check-run', {
      id: run.id,
      node_id: `CR_${run.id}`,
      head_sha: run.head_sha,
      name: run.name,
      status: run.status,
      conclusion: run.conclusion,
      external_id: run.external_id,
      details_url: run.details_url,
      started_at: run.started_at,
      completed_at: run.completed_at,
      url: `https://api.github.com/repos/${where}/check-runs/${run.id}`,
      html_url: `https://github.com/${where}/runs/${run.id}`,
      check_suite: { id: run.id + 1_000_000 },
      output: { ...run.output, annotations_count: 0, annotations_url: `https://api.github.com/repos/${where}/check-runs/${run.id}/annotations` },
      app: this.#appPayload(),
      pull_requests: pulls.map((pull) => ({ number: pull.number, id: pull.id, url: `https://api.github.com/repos/${where}/pulls/${pull.number}`, head: { ref: pull.head, sha: pull.headSha, repo: { id: 0, name: '', url: 'https://api.github.com/' } }, base: { ref: pull.base, sha: pull.baseSha, repo: { id: 0, name: '', url: 'https://api.github.com/' } } })),
    });
  }

  #labelPayload(repo: Repository, name: string) {
    return shaped('label', { id: labelId(name), node_id: `L_${labelId(name)}`, name, url: `https://api.github.com/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`, description: null, color: 'ededed', default: false });
  }

  // ------------------------------------------------------------ state changes shared by people and the app

  #find(fullName: string, number: number) {
    return { repo: this.state.repo(fullName), pull: this.state.pull(fullName, number) };
  }

  #addComment(pull: PullRequest, by: string, body: string) {
    const at = this.clock.tick();
    const comment = { id: this.state.nextId(), body, user: by, created_at: at, updated_at: at };
    pull.comments.push(comment);
    pull.timeline.push({ __typename: 'IssueComment', at, databaseId: comment.id, createdAt: at, body, author: { login: by } });
    return comment;
  }

  #addLabel(pull: PullRequest, by: string, name: string): void {
    pull.labels.push(name);
    pull.timeline.push({ __typename: 'LabeledEvent', at: this.clock.tick(), createdAt: this.clock.iso(), actor: { login: by }, label: { name } });
  }

  // ------------------------------------------------------------ HTTP

  #route(method: string, path: string, handler: Handler): void {
    const keys: string[] = [];
    const pattern = new RegExp(`^${path.replace(/\{(\w+)\}/g, (_, key: string) => (keys.push(key), '([^/]+)'))}$`);
    this.#routes.push([method, pattern, keys, handler]);
  }

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const reply = (status: number, body?: unknown, headers: Record<string, string> = {}, fault?: string) => {
      if (url.pathname !== '/graphql') this.responses.push({ method: request.method ?? 'GET', path: url.pathname, status, body, ...(fault ? { fault } : {}) });
      // x-sandbox-now: the sandbox's clock, for an app in another process that must keep the same time.
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-sandbox-now': String(this.clock.now()), ...headers });
      response.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (!request.headers.authorization) return reply(401, { message: 'Requires authentication' });
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return reply(400, { message: 'Problems parsing JSON' });
    }
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (!path.startsWith('/app/')) this.requests.push(`${request.method} ${path}`);
    const info: RequestInfo = { method: request.method ?? 'GET', path, body };
    const { fault, before, after } = this.faults.decide(info);
    const hold = () => this.#hold(response);
    await this.#serving.run(true, async () => {
      for (const hook of before) await hook(info);
    });
    if (fault === 'error-before') return reply(500, SERVER_ERROR, {}, fault);
    if (fault === 'rate-limit') return reply(403, SECONDARY_RATE_LIMIT, { 'retry-after': String(this.faults.retryAfterSeconds) }, fault);
    if (fault === 'timeout-before') return hold();
    const answer = await this.#serving.run(true, () => this.#answer(request.method ?? 'GET', path, body, url.searchParams));
    await this.#serving.run(true, async () => {
      for (const hook of after) await hook(info);
    });
    if (fault === 'error-after') return reply(500, SERVER_ERROR, {}, fault);
    if (fault === 'timeout-after') return hold();
    return reply(answer.status, answer.body, answer.headers);
  }

  /** Applies a request to the sandbox's state and says what GitHub would answer. */
  async #answer(method: string, path: string, body: Record<string, unknown>, query: URLSearchParams): Promise<Answer> {
    for (const [routeMethod, pattern, keys, handler] of this.#routes) {
      const match = routeMethod === method ? pattern.exec(path) : null;
      if (!match) continue;
      const params = Object.fromEntries(keys.map((key, index) => [key, decodeURIComponent(match[index + 1]!)]));
      try {
        return await handler(params, body, query);
      } catch (error) {
        if (error instanceof NotFound) return { status: 404, body: { message: 'Not Found', detail: error.message } };
        if (error instanceof Refused) return { status: error.status, body: { message: error.message } };
        return { status: 500, body: { message: (error as Error).message } };
      }
    }
    return { status: 404, body: { message: `Not Found: ${method} ${path}` } };
  }

  /** An answer that never comes: the socket stays open until the client gives up or the cap, then is cut. */
  #hold(response: ServerResponse): void {
    const cut = () => {
      clearTimeout(timer);
      this.#held.delete(cut);
      response.socket?.destroy();
    };
    const timer = setTimeout(cut, this.faults.timeoutCapMs);
    this.#held.add(cut);
    response.on('close', () => {
      clearTimeout(timer);
      this.#held.delete(cut);
    });
  }

  #defineRoutes(): void {
    const repoOf = (params: Record<string, string>) => this.state.repo(`${params.owner}/${params.repo}`);
    const pullOf = (params: Record<string, string>) => this.state.pull(`${params.owner}/${params.repo}`, Number(params.number));

    this.#route('POST', '/graphql', async (_, body) => {
      const result = await this.#graphql(String(body.query ?? ''), body.variables as Record<string, unknown> | undefined);
      return { status: 200, body: result };
    });
    this.#route('GET', '/repos/{owner}/{repo}/installation', (params) => ({ status: 200, body: { id: repoOf(params).installationId, app_id: this.appId } }));
    this.#route('POST', '/app/installations/{id}/access_tokens', () => ({ status: 201, body: { token: `ghs_sandbox_${randomUUID()}`, expires_at: new Date(this.clock.now() + 3600_000).toISOString(), permissions: {}, repository_selection: 'all' } }));

    this.#route('GET', '/app/installations', (_, __, query) => {
      const page = Number(query.get('page') ?? 1);
      const all = [...this.state.installations].map(([owner, id]) => shaped('installation', { id, account: this.#userPayload(owner), app_id: this.appId, target_type: 'User', repository_selection: 'all', permissions: {}, events: [], created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', access_tokens_url: `https://api.github.com/app/installations/${id}/access_tokens`, repositories_url: 'https://api.github.com/installation/repositories', html_url: `https://github.com/settings/installations/${id}`, target_id: this.state.user(owner).id, app_slug: this.appLogin.replace('[bot]', '') }));
      return { status: 200, body: page === 1 ? all : [] };
    });
    this.#route('GET', '/search/issues', (_, __, query) => {
      const q = query.get('q') ?? '';
      const label = /label:"([^"]+)"|label:(\S+)/.exec(q);
      const owner = /(?:user|org):(\S+)/.exec(q)?.[1]?.toLowerCase();
      const items = [...this.state.pulls.entries()]
        .filter(([key, pull]) => (!owner || key.startsWith(`${owner}/`)) && (!/is:open/.test(q) || pull.state === 'open') && (!label || pull.labels.includes((label[1] ?? label[2])!)))
        .map(([key, pull]) => {
          const [fullName] = key.split('#') as [string];
          const repo = this.state.repo(fullName);
          return shaped('issue-search-result-item', {
            id: pull.id,
            node_id: `I_${pull.id}`,
            number: pull.number,
            title: pull.title,
            state: pull.state,
            user: this.#userPayload(pull.author),
            labels: pull.labels.map((name) => this.#labelPayload(repo, name)),
            url: `https://api.github.com/repos/${repo.owner}/${repo.name}/issues/${pull.number}`,
            repository_url: `https://api.github.com/repos/${repo.owner}/${repo.name}`,
            html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}`,
            pull_request: { url: `https://api.github.com/repos/${repo.owner}/${repo.name}/pulls/${pull.number}`, html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}`, diff_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}.diff`, patch_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}.patch` },
            created_at: pull.createdAt,
            updated_at: this.clock.iso(),
          });
        });
      const page = Number(query.get('page') ?? 1);
      return { status: 200, body: { total_count: items.length, incomplete_results: false, search_type: 'lexical', items: page === 1 ? items : [] } };
    });
    this.#route('GET', '/repos/{owner}/{repo}/commits/{ref}/check-runs', (params, _, query) => {
      const appId = query.get('app_id');
      const runs = [...this.state.checkRuns.values()].filter((run) => run.repo === `${params.owner}/${params.repo}`.toLowerCase() && run.head_sha === params.ref && (!appId || String(run.app_id) === appId));
      return { status: 200, body: { total_count: runs.length, check_runs: runs.map((run) => this.#checkRunPayload(run, [])) } };
    });
    this.#route('POST', '/repos/{owner}/{repo}/check-runs', (params, body) => {
      repoOf(params);
      const id = this.state.nextId();
      const run = { ...this.#checkRunFields(body), id, repo: `${params.owner}/${params.repo}`.toLowerCase(), app_id: this.appId, head_sha: String(body.head_sha), started_at: String(body.started_at ?? this.clock.iso()) };
      this.state.checkRuns.set(id, run);
      return { status: 201, body: this.#checkRunPayload(run, []) };
    });
    this.#route('PATCH', '/repos/{owner}/{repo}/check-runs/{id}', (params, body) => {
      const run = this.state.checkRuns.get(Number(params.id));
      if (!run || run.app_id !== this.appId) throw new NotFound(`check run ${params.id}`);
      Object.assign(run, this.#checkRunFields(body, run));
      return { status: 200, body: this.#checkRunPayload(run, []) };
    });

    this.#route('GET', '/repos/{owner}/{repo}/issues/{number}/comments', (params, _, query) => {
      const perPage = Number(query.get('per_page') ?? 30);
      const pageNumber = Number(query.get('page') ?? 1);
      const comments = pullOf(params).comments.slice((pageNumber - 1) * perPage, pageNumber * perPage);
      return { status: 200, body: comments.map((comment) => this.#commentPayload(comment, repoOf(params), Number(params.number))) };
    });
    this.#route('POST', '/repos/{owner}/{repo}/issues/{number}/comments', (params, body) => {
      const pull = pullOf(params);
      const comment = this.#addComment(pull, this.appLogin, String(body.body ?? ''));
      this.#queueEmit('issue_comment', { action: 'created', issue: this.#issuePayload(repoOf(params), pull), comment: this.#commentPayload(comment, repoOf(params), pull.number) }, repoOf(params), this.appLogin);
      return { status: 201, body: this.#commentPayload(comment, repoOf(params), pull.number) };
    });
    this.#route('PATCH', '/repos/{owner}/{repo}/issues/comments/{id}', (params, body) => {
      const pull = [...this.state.pulls.values()].find((candidate) => candidate.comments.some((comment) => comment.id === Number(params.id)));
      const comment = pull?.comments.find((candidate) => candidate.id === Number(params.id));
      if (!pull || !comment) throw new NotFound(`comment ${params.id}`);
      comment.body = String(body.body ?? '');
      comment.updated_at = this.clock.iso();
      return { status: 200, body: this.#commentPayload(comment, repoOf(params), pull.number) };
    });
    this.#route('DELETE', '/repos/{owner}/{repo}/issues/comments/{id}', (params) => {
      const pull = [...this.state.pulls.values()].find((candidate) => candidate.comments.some((comment) => comment.id === Number(params.id)));
      if (!pull) throw new NotFound(`comment ${params.id}`);
      this.#removeComment(pull, Number(params.id));
      return { status: 204 };
    });
    this.#route('POST', '/repos/{owner}/{repo}/issues/comments/{id}/reactions', (params, body) => {
      const comment = [...this.state.pulls.values()].flatMap((pull) => pull.comments).find((candidate) => candidate.id === Number(params.id));
      if (!comment) throw new NotFound(`comment ${params.id}`);
      const content = String(body.content ?? '');
      comment.reactions ??= [];
      const existing = comment.reactions.find((reaction) => reaction.user === this.appLogin && reaction.content === content);
      const reaction = existing ?? { id: this.state.nextId(), user: this.appLogin, content };
      if (!existing) comment.reactions.push(reaction);
      return { status: existing ? 200 : 201, body: shaped('reaction', { id: reaction.id, node_id: `RE_${reaction.id}`, user: this.#userPayload(reaction.user), content: reaction.content as 'eyes', created_at: this.clock.iso() }) };
    });
    this.#route('POST', '/repos/{owner}/{repo}/issues/{number}/labels', (params, body) => {
      const pull = pullOf(params);
      for (const name of (body.labels as string[] | undefined) ?? []) {
        if (pull.labels.includes(name)) continue;
        this.#addLabel(pull, this.appLogin, name);
        this.#queueEmit('pull_request', { action: 'labeled', number: pull.number, label: { name }, pull_request: this.#pullPayload(repoOf(params), pull) }, repoOf(params), this.appLogin);
      }
      return { status: 200, body: pull.labels.map((name) => this.#labelPayload(repoOf(params), name)) };
    });
    this.#route('DELETE', '/repos/{owner}/{repo}/issues/{number}/labels/{name}', (params) => {
      const pull = pullOf(params);
      if (!pull.labels.includes(params.name!)) throw new NotFound(`label ${params.name}`);
      pull.labels = pull.labels.filter((name) => name !== params.name);
      pull.timeline.push({ __typename: 'UnlabeledEvent', at: this.clock.tick(), createdAt: this.clock.iso(), actor: { login: this.appLogin }, label: { name: params.name! } });
      this.#queueEmit('pull_request', { action: 'unlabeled', number: pull.number, label: { name: params.name }, pull_request: this.#pullPayload(repoOf(params), pull) }, repoOf(params), this.appLogin);
      return { status: 200, body: pull.labels.map((name) => this.#labelPayload(repoOf(params), name)) };
    });
    this.#route('POST', '/repos/{owner}/{repo}/pulls/{number}/requested_reviewers', (params, body) => {
      const pull = pullOf(params);
      pull.requestedReviewers.users.push(...((body.reviewers as string[] | undefined) ?? []));
      pull.requestedReviewers.teams.push(...((body.team_reviewers as string[] | undefined) ?? []));
      return { status: 201, body: this.#pullObject(repoOf(params), pull, 'pull-request-simple') };
    });
    this.#route('PUT', '/repos/{owner}/{repo}/pulls/{number}/merge', (params, body) => {
      const pull = pullOf(params);
      const repo = repoOf(params);
      if (pull.state !== 'open') throw new Refused(405, 'Pull Request is not mergeable');
      if (body.sha !== undefined && body.sha !== pull.headSha) throw new Refused(409, 'Head branch was modified. Review and try the merge again.');
      const head = repo.commits.get(pull.headSha)!;
      const merge = this.state.commit(repo, diffChanges(repo.commits.get(repo.branches[pull.base]!)!.tree, head.tree), repo.branches[pull.base], this.appLogin, String(body.commit_title ?? `Merge pull request #${pull.number}`));
      repo.branches[pull.base] = merge.oid;
      Object.assign(pull, { state: 'closed', merged: true, mergeSha: merge.oid });
      const at = this.clock.tick();
      this.truth.merge({ repo: `${repo.owner}/${repo.name}`.toLowerCase(), number: pull.number, sha: pull.headSha, at, by: this.appLogin });
      pull.timeline.push({ __typename: 'MergedEvent', at, createdAt: at, actor: { login: this.appLogin } }, { __typename: 'ClosedEvent', at, createdAt: at, actor: { login: this.appLogin } });
      this.#queueEmit('pull_request', { action: 'closed', number: pull.number, pull_request: this.#pullPayload(repo, pull) }, repo, this.appLogin);
      return { status: 200, body: { sha: merge.oid, merged: true, message: 'Pull Request successfully merged' } };
    });
    this.#route('PATCH', '/repos/{owner}/{repo}/pulls/{number}', (params, body) => {
      const pull = pullOf(params);
      if (body.state === 'closed' && pull.state === 'open') {
        pull.state = 'closed';
        const at = this.clock.tick();
        pull.timeline.push({ __typename: 'ClosedEvent', at, createdAt: at, actor: { login: this.appLogin } });
        this.#queueEmit('pull_request', { action: 'closed', number: pull.number, pull_request: this.#pullPayload(repoOf(params), pull) }, repoOf(params), this.appLogin);
      }
      return { status: 200, body: this.#pullObject(repoOf(params), pull, 'pull-request') };
    });
    this.#route('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches', (params) => (repoOf(params), { status: 204 }));
    this.#route('POST', '/repos/{owner}/{repo}/dispatches', (params) => (repoOf(params), { status: 204 }));
    for (const [method, path, handler] of deliveryRoutes(this)) this.#route(method, path, handler);
  }

  #checkRunFields(body: Record<string, unknown>, current?: CheckRun): Omit<CheckRun, 'id' | 'app_id' | 'head_sha' | 'started_at'> {
    const output = (body.output as CheckRun['output'] | undefined) ?? current?.output ?? { title: null, summary: null, text: null };
    const status = String(body.status ?? current?.status ?? 'queued');
    return {
      name: String(body.name ?? current?.name ?? ''),
      status: body.conclusion ? 'completed' : status,
      conclusion: (body.conclusion as string | undefined) ?? (status === 'completed' ? (current?.conclusion ?? 'neutral') : null),
      external_id: (body.external_id as string | undefined) ?? current?.external_id ?? null,
      details_url: (body.details_url as string | undefined) ?? current?.details_url ?? null,
      completed_at: (body.completed_at as string | undefined) ?? (body.conclusion ? this.clock.iso() : (current?.completed_at ?? null)),
      output: { title: output.title ?? null, summary: output.summary ?? null, text: output.text ?? null },
      actions: (body.actions as CheckRun['actions'] | undefined) ?? current?.actions ?? [],
    };
  }
}

/** What GitHub says when it fails (basic-error's shape). */
const SERVER_ERROR = { message: 'Server Error', documentation_url: 'https://docs.github.com/rest' };

/** A stable id for a label name. */
function labelId(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_000_007;
  return hash;
}

/** The changes that turn one tree into another. */
function diffChanges(from: Record<string, string>, to: Record<string, string>): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  for (const path of new Set([...Object.keys(from), ...Object.keys(to)])) if (from[path] !== to[path]) changes[path] = to[path] ?? null;
  return changes;
}
