/**
 * What a workflow event asks of Flowgate, from its name and payload alone:
 * the webhook the server would get, a sweep, a callback, a fork's follow-up,
 * or nothing. No API call is made here.
 */
import type { RepoRef } from '../github/client.js';

export type ActionEvent =
  | { kind: 'webhook'; name: string; payload: Record<string, unknown> }
  | { kind: 'sweep' }
  | { kind: 'callback'; body: unknown }
  /** A fork's event ran with a read-only token; this run (in the base repository) finishes its work. */
  | { kind: 'follow-up'; headOwner: string; headBranch: string; event: string }
  | { kind: 'deferred'; reason: string }
  | { kind: 'skip'; reason: string }
  /** The workflow is set up so that Flowgate must not act: the step fails and says how to fix it. */
  | { kind: 'misconfigured'; error: string };

/** The workflow events a run of the fork's own read-only token cannot act on: GitHub's rule for forks. */
const READ_ONLY_ON_FORKS = new Set(['pull_request_review', 'pull_request_review_comment']);

export const CALLBACK_EVENT_TYPE = 'flowgate-callback';

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
    case 'repository_dispatch':
      if (payload.action !== CALLBACK_EVENT_TYPE) return { kind: 'skip', reason: `repository_dispatch of type ${String(payload.action)}: Flowgate takes ${CALLBACK_EVENT_TYPE}` };
      return { kind: 'callback', body: payload.client_payload ?? {} };
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
