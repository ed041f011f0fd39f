/**
 * Deployments, their statuses, and environments. A deployment made through
 * the API is the app's (the sandbox does not tell tokens apart; a person's is
 * made with Sandbox.deployAs). A success status marks the environment's
 * earlier deployments inactive, as GitHub's `auto_inactive` does.
 */
import type { SandboxContext } from '../context.js';
import { deploymentPayload, deploymentStatusPayload, environmentPayload } from '../release-payloads.js';
import { addDeployment, deploymentOf } from '../release-changes.js';
import type { Route } from '../router.js';
import { NotFound, Refused } from '../state.js';
import { repoOf } from './params.js';

const STATES = new Set(['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success']);

export function deploymentRoutes(ctx: SandboxContext): Route[] {
  const { state, clock } = ctx;
  return [
    [
      'POST',
      '/repos/{owner}/{repo}/deployments',
      (params, body) => {
        const repo = repoOf(ctx, params);
        return { status: 201, body: deploymentPayload(ctx, repo, addDeployment(ctx, repo, ctx.appLogin, body)) };
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/deployments',
      (params, _, query) => {
        const repo = repoOf(ctx, params);
        const filters = (['environment', 'sha', 'ref', 'task'] as const).flatMap((field) => (query.get(field) ? [[field, query.get(field)!] as const] : []));
        const all = state.releases.deploymentsOf(repo).filter((deployment) => filters.every(([field, value]) => deployment[field] === value)).reverse();
        const perPage = Math.min(Number(query.get('per_page') ?? 30), 100);
        const page = Number(query.get('page') ?? 1);
        return { status: 200, body: all.slice((page - 1) * perPage, page * perPage).map((deployment) => deploymentPayload(ctx, repo, deployment)) };
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/deployments/{id}',
      (params) => {
        const repo = repoOf(ctx, params);
        return { status: 200, body: deploymentPayload(ctx, repo, deploymentOf(ctx, repo, Number(params.id))) };
      },
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/deployments/{id}/statuses',
      (params, body) => {
        const repo = repoOf(ctx, params);
        const deployment = deploymentOf(ctx, repo, Number(params.id));
        const stateName = String(body.state ?? '');
        if (!STATES.has(stateName)) throw new Refused(422, `state is not one of ${[...STATES].join(', ')}`);
        const at = clock.tick();
        // GitHub's description makes the URLs URIs; unset, they point at the repository's deployments page.
        const page = `https://github.com/${repo.owner}/${repo.name}/deployments`;
        const status = { id: state.nextId(), state: stateName, creator: ctx.appLogin, description: String(body.description ?? ''), environment: String(body.environment ?? deployment.environment), log_url: String(body.log_url ?? body.target_url ?? page), environment_url: String(body.environment_url ?? page), created_at: at };
        deployment.statuses.push(status);
        deployment.updated_at = at;
        if (stateName === 'success' && body.auto_inactive !== false) {
          for (const other of state.releases.deploymentsOf(repo)) {
            const latest = other.statuses.at(-1)?.state;
            if (other === deployment || other.environment !== deployment.environment || other.transient_environment || other.production_environment || latest !== 'success') continue;
            other.statuses.push({ ...status, id: state.nextId(), state: 'inactive', description: `Superseded by deployment ${deployment.id}` });
          }
        }
        return { status: 201, body: deploymentStatusPayload(ctx, repo, deployment, status) };
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/deployments/{id}/statuses',
      (params) => {
        const repo = repoOf(ctx, params);
        const deployment = deploymentOf(ctx, repo, Number(params.id));
        return { status: 200, body: [...deployment.statuses].reverse().map((status) => deploymentStatusPayload(ctx, repo, deployment, status)) };
      },
    ],
    [
      'PUT',
      '/repos/{owner}/{repo}/environments/{name}',
      (params) => {
        const repo = repoOf(ctx, params);
        const environments = state.releases.environments(repo);
        const at = clock.tick();
        const existing = environments.get(params.name!);
        const environment = existing ? { ...existing, updated_at: at } : { id: state.nextId(), name: params.name!, created_at: at, updated_at: at };
        environments.set(environment.name, environment);
        return { status: 200, body: environmentPayload(repo, environment) };
      },
    ],
    [
      'GET',
      '/repos/{owner}/{repo}/environments/{name}',
      (params) => {
        const repo = repoOf(ctx, params);
        const environment = state.releases.environments(repo).get(params.name!);
        if (!environment) throw new NotFound(`environment ${params.name}`);
        return { status: 200, body: environmentPayload(repo, environment) };
      },
    ],
  ];
}
