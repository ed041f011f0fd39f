/**
 * A small GitHub for effect tests: one pull request, the writes effects make,
 * every request recorded, and faults injected where a real network would put
 * them: before GitHub applies a request, after it did (the answer lost), or as
 * a kill of the process.
 */
import type { GitHubClient } from '../../src/github/client.js';
import type { Effect, Evaluation } from '../../src/engine/state.js';
import type { AppRecord } from '../../src/github/history/record.js';
import { newRecord } from '../../src/github/history/record.js';

export const HEAD = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
export const APP = 'flowgate[bot]';

/** The process died: nothing after this point happened. */
export class Killed extends Error {
  constructor() {
    super('killed');
  }
}

export type FaultKind = 'timeout' | 500 | 502 | 'rate-limit' | 'network';
export interface Fault {
  /** The start of a route, e.g. `PUT /repos`. */
  route: string;
  /** Before GitHub applied the request, or after (its answer lost). */
  when: 'before' | 'after';
  kind: FaultKind;
}

export function failureOf(kind: FaultKind): Error {
  switch (kind) {
    case 'timeout':
      // As @octokit/request reports an AbortSignal.timeout: a 500 whose cause is a TimeoutError.
      return Object.assign(new Error('The operation was aborted due to timeout'), { status: 500, cause: Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }) });
    case 'network':
      return Object.assign(new Error('other side closed'), { status: 500 });
    case 'rate-limit':
      return Object.assign(new Error('You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'), {
        status: 403,
        response: { status: 403, headers: { 'retry-after': '60' }, data: {} },
      });
    default:
      return Object.assign(new Error(kind === 500 ? 'Internal Server Error' : 'Bad Gateway'), { status: kind, response: { status: kind, headers: {}, data: {} } });
  }
}

const refused = (status: number, message: string): Error => Object.assign(new Error(message), { status, response: { status, headers: {}, data: { message } } });

export class FakeGitHub implements GitHubClient {
  state: 'OPEN' | 'CLOSED' | 'MERGED' = 'OPEN';
  head = HEAD;
  mergedAt?: string;
  labels = new Set<string>();
  reviewers: string[] = [];
  comments: { id: number; login: string; body: string }[] = [];
  dispatches: Record<string, unknown>[] = [];
  merges = 0;
  checkRuns: { id: number; head_sha: string; external_id?: string; params: Record<string, unknown> }[] = [];
  /** Every request, as `METHOD /path` with the route's own placeholders. */
  sent: { route: string; params: Record<string, unknown> }[] = [];
  faults: Fault[] = [];
  /** Requests left before the process is killed. */
  killAfter?: number;
  #nextId = 100;

  async graphql<T>(query: string): Promise<T> {
    this.#count('POST /graphql', { query });
    if (query.includes('pullRequest')) return { repository: { pullRequest: { state: this.state, headRefOid: this.head } } } as T;
    throw new Error(`the fake does not answer ${query.slice(0, 60)}`);
  }

  async request(route: string, params: Record<string, unknown> = {}): Promise<{ status: number; data: unknown; headers: Record<string, unknown> }> {
    this.#count(route, params);
    const fault = this.#takeFault(route);
    if (fault?.when === 'before') throw failureOf(fault.kind);
    const answer = this.#apply(route, params);
    if (fault?.when === 'after') throw failureOf(fault.kind);
    return { status: 200, headers: {}, ...answer };
  }

  /** What the facts query shows at the start of an event. */
  observed() {
    return { state: this.state, headSha: this.head, appComments: this.comments.filter((comment) => comment.login === APP).map(({ id, body }) => ({ id, body })) };
  }

  /** The caller writing the record into the check run: a request like any other, which can fail or be killed. */
  async persistRecord(): Promise<void> {
    this.#count('PATCH (the record)', {});
    const fault = this.#takeFault('PATCH (the record)');
    if (fault) throw failureOf(fault.kind);
  }

  writes(): string[] {
    return this.sent.filter((request) => !request.route.startsWith('GET') && request.route !== 'POST /graphql').map((request) => request.route);
  }

  #count(route: string, params: Record<string, unknown>): void {
    if (this.killAfter !== undefined) {
      if (this.killAfter <= 0) throw new Killed();
      this.killAfter -= 1;
    }
    this.sent.push({ route, params });
  }

  #takeFault(route: string): Fault | undefined {
    const index = this.faults.findIndex((fault) => route.startsWith(fault.route));
    return index === -1 ? undefined : this.faults.splice(index, 1)[0];
  }

  #apply(route: string, params: Record<string, unknown>): { data: unknown; status?: number } {
    switch (route) {
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const comment = { id: (this.#nextId += 1), login: APP, body: String(params.body) };
        this.comments.push(comment);
        return { data: { id: comment.id, body: comment.body, user: { login: APP } }, status: 201 };
      }
      case 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments':
        return { data: Number(params.page ?? 1) === 1 ? this.comments.map(({ id, body, login }) => ({ id, body, user: { login } })) : [] };
      case 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const comment = this.comments.find((candidate) => candidate.id === params.comment_id);
        if (!comment) throw refused(404, 'Not Found');
        comment.body = String(params.body);
        return { data: { id: comment.id } };
      }
      case 'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const before = this.comments.length;
        this.comments = this.comments.filter((candidate) => candidate.id !== params.comment_id);
        if (this.comments.length === before) throw refused(404, 'Not Found');
        return { data: '', status: 204 };
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels':
        for (const label of params.labels as string[]) this.labels.add(label);
        return { data: [...this.labels].map((name) => ({ name })) };
      case 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}':
        if (!this.labels.delete(String(params.name))) throw refused(404, 'Label does not exist');
        return { data: [] };
      case 'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers':
        for (const user of params.reviewers as string[]) if (!this.reviewers.includes(user)) this.reviewers.push(user);
        return { data: {}, status: 201 };
      case 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge':
        if (this.state !== 'OPEN') throw refused(405, 'Pull Request is not mergeable');
        if (params.sha !== this.head) throw refused(409, 'Head branch was modified. Review and try the merge again.');
        this.state = 'MERGED';
        this.mergedAt = this.head;
        this.merges += 1;
        return { data: { merged: true, sha: 'm3rg3' } };
      case 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}':
        if (params.state === 'closed' && this.state === 'OPEN') this.state = 'CLOSED';
        return { data: {} };
      case 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches':
      case 'POST /repos/{owner}/{repo}/dispatches':
        this.dispatches.push(params);
        return { data: '', status: 204 };
      case 'POST /repos/{owner}/{repo}/check-runs': {
        const run = { id: (this.#nextId += 1), head_sha: String(params.head_sha), external_id: params.external_id as string, params };
        this.checkRuns.push(run);
        return { data: { id: run.id, html_url: `https://github.com/runs/${run.id}` }, status: 201 };
      }
      case 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': {
        const run = this.checkRuns.find((candidate) => candidate.id === params.check_run_id);
        if (!run) throw refused(404, 'Not Found');
        run.params = { ...run.params, ...params };
        return { data: { id: run.id } };
      }
      default:
        throw new Error(`the fake does not answer ${route}`);
    }
  }
}

export const REPO = { owner: 'acme', name: 'widgets' };

export function pending(key: string, body: object, origin: Effect['origin'] = 'action'): Effect {
  return { key, step: 'ship', attempt: 1, at: '2026-11-24T09:00:00.000Z', cause: 'test', origin, status: 'pending', ...body } as Effect;
}

/** An evaluation that asks for these effects; applyEffects reads nothing else of it. */
export function asking(effects: Effect[]): Evaluation {
  return { effects } as unknown as Evaluation;
}

export const freshRecord = (): AppRecord => newRecord({ id: 'run1', flow: 'ship', version: 'c1', started_at: '2026-11-24T09:00:00Z' });

export const NOW = () => Date.parse('2026-11-24T10:00:00Z');
