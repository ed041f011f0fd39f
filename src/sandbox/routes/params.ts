/**
 * The repository and pull request a route's path names (`{owner}/{repo}`,
 * `{number}`); either throws NotFound, which the router answers as 404.
 */
import type { SandboxContext } from '../context.js';
import type { PullRequest, Repository } from '../state.js';

export type Params = Record<string, string>;

export const repoOf = (ctx: SandboxContext, params: Params): Repository => ctx.state.repo(`${params.owner}/${params.repo}`);

export const pullOf = (ctx: SandboxContext, params: Params): PullRequest => ctx.state.pull(`${params.owner}/${params.repo}`, Number(params.number));
