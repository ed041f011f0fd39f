/**
 * Listing a repository's pull requests (`GET /repos/{owner}/{repo}/pulls`),
 * filtered by state and by `head` (`owner:branch`, a fork's owner for a fork's
 * PR): how the Action's `workflow_run` follow-up finds the PR a fork's review
 * was on, since GitHub leaves `workflow_run.pull_requests` empty for forks.
 */
import type { SandboxContext } from '../context.js';
import { pullObject } from '../payloads.js';
import type { Route } from '../router.js';
import { repoOf } from './params.js';

export function pullListRoutes(ctx: SandboxContext): Route[] {
  return [
    [
      'GET',
      '/repos/{owner}/{repo}/pulls',
      (params, _, query) => {
        const repo = repoOf(ctx, params);
        const state = query.get('state') ?? 'open';
        const head = query.get('head')?.toLowerCase();
        const key = `${repo.owner}/${repo.name}#`.toLowerCase();
        const pulls = [...ctx.state.pulls.entries()]
          .filter(([at, pull]) => at.startsWith(key) && (state === 'all' || pull.state === state) && (!head || `${pull.headOwner ?? repo.owner}:${pull.head}`.toLowerCase() === head))
          .map(([, pull]) => pull);
        const perPage = Number(query.get('per_page') ?? 30);
        const page = Number(query.get('page') ?? 1);
        return { status: 200, body: pulls.slice((page - 1) * perPage, page * perPage).map((pull) => pullObject(ctx, repo, pull, 'pull-request-simple')) };
      },
    ],
  ];
}
