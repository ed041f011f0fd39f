/**
 * Pull requests: request reviewers, merge, update the branch, and close. A merge refuses a PR
 * that is not open and, given a `sha`, a head that moved (409, as GitHub); it
 * records what was merged, at which commit, in the ground truth.
 */
import type { SandboxContext } from '../context.js';
import { pullObject, pullPayload } from '../payloads.js';
import type { Route } from '../router.js';
import { Refused } from '../state.js';
import { pullOf, repoOf } from './params.js';
import { updateBranch } from '../base-branch.js';

export function pullRoutes(ctx: SandboxContext): Route[] {
  const { state, clock } = ctx;
  return [
    [
      'POST',
      '/repos/{owner}/{repo}/pulls/{number}/requested_reviewers',
      (params, body) => {
        const pull = pullOf(ctx, params);
        pull.requestedReviewers.users.push(...((body.reviewers as string[] | undefined) ?? []));
        pull.requestedReviewers.teams.push(...((body.team_reviewers as string[] | undefined) ?? []));
        return { status: 201, body: pullObject(ctx, repoOf(ctx, params), pull, 'pull-request-simple') };
      },
    ],
    [
      'PUT',
      '/repos/{owner}/{repo}/pulls/{number}/merge',
      (params, body) => {
        const pull = pullOf(ctx, params);
        const repo = repoOf(ctx, params);
        if (pull.state !== 'open') throw new Refused(405, 'Pull Request is not mergeable');
        if (body.sha !== undefined && body.sha !== pull.headSha) throw new Refused(409, 'Head branch was modified. Review and try the merge again.');
        const head = repo.commits.get(pull.headSha)!;
        const merge = state.commit(repo, diffChanges(repo.commits.get(repo.branches[pull.base]!)!.tree, head.tree), repo.branches[pull.base], ctx.appLogin, String(body.commit_title ?? `Merge pull request #${pull.number}`));
        repo.branches[pull.base] = merge.oid;
        Object.assign(pull, { state: 'closed', merged: true, mergeSha: merge.oid });
        const at = clock.tick();
        ctx.truth.merge({ repo: `${repo.owner}/${repo.name}`.toLowerCase(), number: pull.number, sha: pull.headSha, at, by: ctx.appLogin });
        pull.timeline.push({ __typename: 'MergedEvent', at, createdAt: at, actor: { login: ctx.appLogin } }, { __typename: 'ClosedEvent', at, createdAt: at, actor: { login: ctx.appLogin } });
        ctx.queueEmit('pull_request', { action: 'closed', number: pull.number, pull_request: pullPayload(ctx, repo, pull) }, repo, ctx.appLogin);
        return { status: 200, body: { sha: merge.oid, merged: true, message: 'Pull Request successfully merged' } };
      },
    ],
    [
      'PUT',
      '/repos/{owner}/{repo}/pulls/{number}/update-branch',
      (params, body) => {
        // GitHub answers 202 and merges in the background; the sandbox merges at once and queues `synchronize`.
        const expected = typeof body.expected_head_sha === 'string' ? body.expected_head_sha : undefined;
        let updated: ReturnType<typeof updateBranch>;
        try {
          updated = updateBranch(ctx, `${params.owner}/${params.repo}`, Number(params.number), ctx.appLogin, expected);
        } catch (error) {
          // GitHub's 422 is a validation error, which names its documentation.
          if (!(error instanceof Refused) || error.status !== 422) throw error;
          return { status: 422, body: { message: error.message, documentation_url: 'https://docs.github.com/rest/pulls/pulls#update-a-pull-request-branch' } };
        }
        const { repo, payload } = updated;
        ctx.queueEmit('pull_request', payload, repo, ctx.appLogin);
        return { status: 202, body: { message: 'Updating pull request branch.', url: `${ctx.url}/repos/${repo.owner}/${repo.name}/pulls/${params.number}` } };
      },
    ],
    [
      'PATCH',
      '/repos/{owner}/{repo}/pulls/{number}',
      (params, body) => {
        const pull = pullOf(ctx, params);
        const repo = repoOf(ctx, params);
        if (body.state === 'closed' && pull.state === 'open') {
          pull.state = 'closed';
          const at = clock.tick();
          pull.timeline.push({ __typename: 'ClosedEvent', at, createdAt: at, actor: { login: ctx.appLogin } });
          ctx.queueEmit('pull_request', { action: 'closed', number: pull.number, pull_request: pullPayload(ctx, repo, pull) }, repo, ctx.appLogin);
        }
        return { status: 200, body: pullObject(ctx, repo, pull, 'pull-request') };
      },
    ],
  ];
}

/** The changes that turn one tree into another. */
function diffChanges(from: Record<string, string>, to: Record<string, string>): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  for (const path of new Set([...Object.keys(from), ...Object.keys(to)])) if (from[path] !== to[path]) changes[path] = to[path] ?? null;
  return changes;
}
