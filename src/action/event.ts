/**
 * What a workflow event asks of Flowgate, from its name and payload alone:
 * the webhook the server would get, a sweep, a callback, a fork's follow-up,
 * a PR sent to its own concurrency group (`flowgate-pr`), or nothing. No API
 * call is made here.
 */
import type { RepoRef } from '../github/client.js';

export type ActionEvent =
  | { kind: 'webhook'; name: string; payload: Record<string, unknown> }
  | { kind: 'sweep' }
  /** `pr`: the PR the sender named, which put this run in that PR's group; checked against the token's before use. */
  | { kind: 'callback'; body: unknown; pr?: number }
  /** "Look at PR N" (a sweep, a callback or a follow-up sent it to run in `flowgate-<N>`): only the number is read. */
  | { kind: 'pull'; number: number }
  /** A fork's event ran with a read-only token; this run (in the base repository) finishes its work. */
  | { kind: 'follow-up'; headOwner: string; headBranch: string; event: string }
  | { kind: 'deferred'; reason: string }
  | { kind: 'skip'; reason: string }
  /** The workflow is set up so that Flowgate must not act: the step fails and says how to fix it. */
  | { kind: 'misconfigured'; error: string };

/** The workflow events a run of the fork's own read-only token cannot act on: GitHub's rule for forks. */
const READ_ONLY_ON_FORKS = new Set(['pull_request_review', 'pull_request_review_comment']);

export const CALLBACK_EVENT_TYPE = 'flowgate-callback';
/**
 * The repository_dispatch that hands a PR to a run in its own concurrency group
 * (`flowgate-<pr>`, from `client_payload.pr`), so it queues with that PR's events.
 */
export const PR_EVENT_TYPE = 'flowgate-pr';
/** The repository_dispatch types the workflow takes (examples/workflows/flowgate.yml). */
export const DISPATCH_TYPES: readonly string[] = [CALLBACK_EVENT_TYPE, PR_EVENT_TYPE];

/**
 * `client_payload.pr` as the workflow's concurrency group reads it: a JSON number
 * that is a positive whole number, or the group (`flowgate-07`, `flowgate-7.5`)
 * would not be the PR's.
 */
export function prNumberOf(value: unknown): { ok: true; pr: number } | { ok: false; error: string } {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return { ok: true, pr: value };
  const shown = value === undefined ? 'nothing' : JSON.stringify(value);
  return { ok: false, error: `client_payload.pr: expected the pull request's number, a positive whole number such as 42 (not a string), got ${shown}` };
}

interface Shape {
  action?: unknown;
  client_payload?: unknown;
  pull_request?: { head?: { repo?: { full_name?: unknown } | null } };
  repository?: { full_name?: unknown };
  workflow_run?: { event?: unknown; head_branch?: unknown; head_repository?: { full_name?: unknown; owner?: { login?: unknown } } | null };
}

export function classify(eventName: string, raw: Record<string, unknown>, repo: RepoRef): ActionEvent {
  const payload = raw as Shape;
  const here = `${repo.owner}/${repo.name}`.toLowerCase();
  const fromFork = (full: unknown) => typeof full === 'string' && full.toLowerCase() !== here;
  switch (eventName) {
    case 'pull_request_target':
      // The same payload as the app's `pull_request` webhook, judged by the default branch's workflow.
      return { kind: 'webhook', name: 'pull_request', payload: raw };
    case 'pull_request':
      return { kind: 'misconfigured', error: 'the workflow runs on `pull_request`, where a PR can change the workflow that judges it: use `pull_request_target` (see docs/action.md)' };
    case 'pull_request_review':
    case 'pull_request_review_comment':
      if (READ_ONLY_ON_FORKS.has(eventName) && fromFork(payload.pull_request?.head?.repo?.full_name)) {
        return { kind: 'deferred', reason: `a ${eventName} on a fork's pull request runs with a read-only token and no secrets; the workflow_run follow-up in ${repo.owner}/${repo.name} acts on it when this run completes` };
      }
      return eventName === 'pull_request_review' ? { kind: 'webhook', name: eventName, payload: raw } : { kind: 'skip', reason: 'review comments are not decisions' };
    case 'issue_comment':
    case 'push':
      // A push: the handler skips a tag (releases are off in the Action: docs/action.md) and checks the default branch's flows.
      return { kind: 'webhook', name: eventName, payload: raw };
    case 'schedule':
    case 'workflow_dispatch':
      return { kind: 'sweep' };
    case 'repository_dispatch': {
      const clientPayload = payload.client_payload;
      const sent = typeof clientPayload === 'object' && clientPayload !== null && !Array.isArray(clientPayload) ? (clientPayload as Record<string, unknown>) : undefined;
      if (payload.action === PR_EVENT_TYPE) {
        const pr = prNumberOf(sent?.pr);
        return pr.ok ? { kind: 'pull', number: pr.pr } : { kind: 'misconfigured', error: `repository_dispatch ${PR_EVENT_TYPE}: ${pr.error}` };
      }
      if (payload.action !== CALLBACK_EVENT_TYPE) return { kind: 'skip', reason: `repository_dispatch of type ${String(payload.action)}: Flowgate takes ${DISPATCH_TYPES.join(' and ')}` };
      if (!sent || !('pr' in sent)) return { kind: 'callback', body: clientPayload ?? {} };
      const { pr: named, ...body } = sent;
      const pr = prNumberOf(named);
      if (!pr.ok) return { kind: 'misconfigured', error: `repository_dispatch ${CALLBACK_EVENT_TYPE}: ${pr.error}` };
      return { kind: 'callback', body, pr: pr.pr };
    }
    case 'workflow_run': {
      const run = payload.workflow_run;
      const event = typeof run?.event === 'string' ? run.event : '';
      const headOwner = run?.head_repository?.owner?.login;
      if (!READ_ONLY_ON_FORKS.has(event) || !fromFork(run?.head_repository?.full_name) || typeof headOwner !== 'string' || typeof run?.head_branch !== 'string') {
        return { kind: 'skip', reason: `a workflow_run for ${event || 'an event'} that was not a fork's read-only run: nothing to follow up` };
      }
      return { kind: 'follow-up', headOwner, headBranch: run.head_branch, event };
    }
    default:
      return { kind: 'skip', reason: `${eventName} events do not affect flows` };
  }
}
