/**
 * Issue comments on pull requests: list (paged), create, edit, delete, and
 * react once per emoji. The app's own new comment sends `issue_comment.created`
 * as GitHub does; its edits and deletions send no webhook here.
 */
import { addComment, removeComment } from '../changes.js';
import type { SandboxContext } from '../context.js';
import { shaped } from '../openapi-shapes.js';
import { commentPayload, issuePayload, userPayload } from '../payloads.js';
import type { Route } from '../router.js';
import { NotFound, type PullRequest } from '../state.js';
import { pullOf, repoOf } from './params.js';

export function commentRoutes(ctx: SandboxContext): Route[] {
  const { state, clock } = ctx;
  /** Comment ids are unique across pull requests, as on GitHub. */
  const pullWithComment = (id: number): PullRequest | undefined => [...state.pulls.values()].find((candidate) => candidate.comments.some((comment) => comment.id === id));
  return [
    [
      'GET',
      '/repos/{owner}/{repo}/issues/{number}/comments',
      (params, _, query) => {
        const perPage = Number(query.get('per_page') ?? 30);
        const pageNumber = Number(query.get('page') ?? 1);
        const comments = pullOf(ctx, params).comments.slice((pageNumber - 1) * perPage, pageNumber * perPage);
        return { status: 200, body: comments.map((comment) => commentPayload(ctx, comment, repoOf(ctx, params), Number(params.number))) };
      },
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/issues/{number}/comments',
      (params, body) => {
        const pull = pullOf(ctx, params);
        const repo = repoOf(ctx, params);
        const comment = addComment(ctx, pull, ctx.appLogin, String(body.body ?? ''));
        ctx.queueEmit('issue_comment', { action: 'created', issue: issuePayload(ctx, repo, pull), comment: commentPayload(ctx, comment, repo, pull.number) }, repo, ctx.appLogin);
        return { status: 201, body: commentPayload(ctx, comment, repo, pull.number) };
      },
    ],
    [
      'PATCH',
      '/repos/{owner}/{repo}/issues/comments/{id}',
      (params, body) => {
        const pull = pullWithComment(Number(params.id));
        const comment = pull?.comments.find((candidate) => candidate.id === Number(params.id));
        if (!pull || !comment) throw new NotFound(`comment ${params.id}`);
        comment.body = String(body.body ?? '');
        comment.updated_at = clock.iso();
        return { status: 200, body: commentPayload(ctx, comment, repoOf(ctx, params), pull.number) };
      },
    ],
    [
      'DELETE',
      '/repos/{owner}/{repo}/issues/comments/{id}',
      (params) => {
        const pull = pullWithComment(Number(params.id));
        if (!pull) throw new NotFound(`comment ${params.id}`);
        removeComment(pull, Number(params.id));
        return { status: 204 };
      },
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/issues/comments/{id}/reactions',
      (params, body) => {
        const comment = [...state.pulls.values()].flatMap((pull) => pull.comments).find((candidate) => candidate.id === Number(params.id));
        if (!comment) throw new NotFound(`comment ${params.id}`);
        const content = String(body.content ?? '');
        comment.reactions ??= [];
        const existing = comment.reactions.find((reaction) => reaction.user === ctx.appLogin && reaction.content === content);
        const reaction = existing ?? { id: state.nextId(), user: ctx.appLogin, content };
        if (!existing) comment.reactions.push(reaction);
        return { status: existing ? 200 : 201, body: shaped('reaction', { id: reaction.id, node_id: `RE_${reaction.id}`, user: userPayload(ctx, reaction.user), content: reaction.content as 'eyes', created_at: clock.iso() }) };
      },
    ],
  ];
}
