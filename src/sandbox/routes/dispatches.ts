/**
 * Dispatches the app sends (a workflow's `workflow_dispatch`, a repository's
 * `repository_dispatch`): accepted for a repository that exists, and nothing
 * more; no workflow runs in the sandbox.
 */
import type { SandboxContext } from '../context.js';
import type { Route } from '../router.js';
import { repoOf } from './params.js';

export function dispatchRoutes(ctx: SandboxContext): Route[] {
  return [
    ['POST', '/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches', (params) => (repoOf(ctx, params), { status: 204 })],
    ['POST', '/repos/{owner}/{repo}/dispatches', (params) => (repoOf(ctx, params), { status: 204 })],
  ];
}
