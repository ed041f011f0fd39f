/**
 * Labels on a pull request, set and removed by the app. Each change sends the
 * `pull_request.labeled` or `unlabeled` webhook GitHub would, once the app's
 * request is answered; a label already set is not set again.
 */
import { addLabel, removeLabel } from '../changes.js';
import type { SandboxContext } from '../context.js';
import { labelPayload, pullPayload } from '../payloads.js';
import type { Route } from '../router.js';
import { NotFound } from '../state.js';
import { pullOf, repoOf } from './params.js';

export function labelRoutes(ctx: SandboxContext): Route[] {
  return [
    [
      'POST',
      '/repos/{owner}/{repo}/issues/{number}/labels',
      (params, body) => {
        const pull = pullOf(ctx, params);
        const repo = repoOf(ctx, params);
        for (const name of (body.labels as string[] | undefined) ?? []) {
          if (pull.labels.includes(name)) continue;
          addLabel(ctx, pull, ctx.appLogin, name);
          ctx.queueEmit('pull_request', { action: 'labeled', number: pull.number, label: { name }, pull_request: pullPayload(ctx, repo, pull) }, repo, ctx.appLogin);
        }
        return { status: 200, body: pull.labels.map((name) => labelPayload(ctx, repo, name)) };
      },
    ],
    [
      'DELETE',
      '/repos/{owner}/{repo}/issues/{number}/labels/{name}',
      (params) => {
        const pull = pullOf(ctx, params);
        const repo = repoOf(ctx, params);
        const name = params.name!;
        if (!pull.labels.includes(name)) throw new NotFound(`label ${name}`);
        removeLabel(ctx, pull, ctx.appLogin, name);
        ctx.queueEmit('pull_request', { action: 'unlabeled', number: pull.number, label: { name }, pull_request: pullPayload(ctx, repo, pull) }, repo, ctx.appLogin);
        return { status: 200, body: pull.labels.map((labelName) => labelPayload(ctx, repo, labelName)) };
      },
    ],
  ];
}
