/**
 * What each effect asks of GitHub, as Octokit routes with parameters, or of a
 * connection. Pure, so the applier is a loop and tests can read the plan.
 */
import type { Effect } from '../../engine/state.js';
import { effectComment } from '../history/markers.js';

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
}

export type Request =
  | { kind: 'github'; route: string; params: Record<string, unknown>; /** Statuses that mean the effect already holds. */ alreadyDone?: number[] }
  | { kind: 'connection'; connection: string; body: Record<string, unknown> };

const mentions = (users: readonly string[], teams: readonly string[]): string =>
  [...users.map((user) => `@${user}`), ...teams.map((team) => `@${team}`)].join(' ');

/** Signed Approve and Decline links for a gate, for chat messages. */
export type DecisionLinks = (decide: { step: string; attempt: number }, connection: string) => { approve: string; decline: string } | undefined;

export function requestsFor(effect: Effect, pr: PullRequestRef, decisionLinks?: DecisionLinks): Request[] {
  const issue = { owner: pr.owner, repo: pr.repo, issue_number: pr.number };
  const pull = { owner: pr.owner, repo: pr.repo, pull_number: pr.number };
  switch (effect.type) {
    case 'comment':
      return [{ kind: 'github', route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', params: { ...issue, body: effectComment(effect.key, effect.body) } }];
    case 'label':
      return [{ kind: 'github', route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels', params: { ...issue, labels: effect.labels } }];
    case 'unlabel':
      return effect.labels.map((name) => ({ kind: 'github', route: 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', params: { ...issue, name }, alreadyDone: [404] }));
    case 'request_reviewers':
      return [
        {
          kind: 'github',
          route: 'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
          // GitHub takes team slugs of the repository's own organization.
          params: { ...pull, reviewers: effect.users, team_reviewers: effect.teams.map((team) => team.split('/').pop()!) },
        },
      ];
    case 'merge':
      return [
        {
          kind: 'github',
          route: 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
          params: {
            ...pull,
            sha: effect.sha,
            merge_method: effect.method,
            ...(effect.commit_title !== undefined ? { commit_title: effect.commit_title } : {}),
            ...(effect.commit_message !== undefined ? { commit_message: effect.commit_message } : {}),
          },
        },
      ];
    case 'close':
      return [{ kind: 'github', route: 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}', params: { ...pull, state: 'closed' } }];
    case 'dispatch_workflow':
      return [
        {
          kind: 'github',
          route: 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
          params: { owner: pr.owner, repo: pr.repo, workflow_id: effect.workflow, ref: effect.ref, inputs: effect.inputs },
        },
      ];
    case 'repository_dispatch':
      // The key lets a receiver drop a repeat; the app itself never sends a dispatch twice.
      return [
        {
          kind: 'github',
          route: 'POST /repos/{owner}/{repo}/dispatches',
          params: { owner: pr.owner, repo: pr.repo, event_type: effect.event_type, client_payload: { ...effect.client_payload, flowgate_effect_key: effect.key } },
        },
      ];
    case 'webhook':
      return [{ kind: 'connection', connection: effect.connection, body: effect.body }];
    case 'notify': {
      const who = mentions(effect.users, effect.teams);
      if (effect.connection !== undefined) {
        const links = effect.decide ? decisionLinks?.(effect.decide, effect.connection) : undefined;
        // Slack-compatible: `text`, with links as <url|label>; the links also stand on their own for other bridges.
        const text = `${who ? `${who} ` : ''}${effect.message}${links ? `\n<${links.approve}|Approve> · <${links.decline}|Decline>` : ''}`;
        return [{ kind: 'connection', connection: effect.connection, body: { text, ...(links ? { flowgate: { step: effect.decide!.step, approve: links.approve, decline: links.decline } } : {}) } }];
      }
      return [{ kind: 'github', route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', params: { ...issue, body: effectComment(effect.key, `${who ? `${who}: ` : ''}${effect.message}`) } }];
    }
  }
}

/**
 * How the app makes sure an effect happens once (see the table in apply.ts):
 * `observed`: GitHub shows whether it happened, or doing it again changes nothing;
 * `keyed`: sent outside GitHub, again after a crash, with an Idempotency-Key;
 * `intent`: GitHub cannot show it and a repeat would act twice, so it is sent at most once.
 */
export type Delivery = 'observed' | 'keyed' | 'intent';

export function deliveryOf(effect: Effect): Delivery {
  if (effect.type === 'webhook' || (effect.type === 'notify' && effect.connection !== undefined)) return 'keyed';
  if (effect.type === 'dispatch_workflow' || effect.type === 'repository_dispatch') return 'intent';
  return 'observed';
}

/** How a failed request reads in the history, e.g. `409: head moved`. */
export function describeFailure(effect: Effect, status: number | undefined, message: string): string {
  if (effect.type === 'merge' && status === 409) return '409: head moved';
  if (effect.type === 'merge' && status === 405) return `405: not mergeable (${message})`;
  if (status === 403 || status === 404) return `${status}: the app lacks access (${message})`;
  if (status === 422) return `422: GitHub refused it (${message})`;
  return status === undefined ? message : `${status}: ${message}`;
}
