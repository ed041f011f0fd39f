/**
 * Installations: the app's installation on a repository, its installation
 * tokens, and the list of its installations (which the sweep walks).
 */
import { randomUUID } from 'node:crypto';
import type { SandboxContext } from '../context.js';
import { shaped } from '../openapi-shapes.js';
import { userPayload } from '../payloads.js';
import type { Route } from '../router.js';
import { repoOf } from './params.js';

export function installationRoutes(ctx: SandboxContext): Route[] {
  const { state, clock } = ctx;
  return [
    ['GET', '/repos/{owner}/{repo}/installation', (params) => ({ status: 200, body: { id: repoOf(ctx, params).installationId, app_id: ctx.appId } })],
    ['POST', '/app/installations/{id}/access_tokens', () => ({ status: 201, body: { token: `ghs_sandbox_${randomUUID()}`, expires_at: new Date(clock.now() + 3600_000).toISOString(), permissions: {}, repository_selection: 'all' } })],
    [
      'GET',
      '/app/installations',
      (_, __, query) => {
        const page = Number(query.get('page') ?? 1);
        const all = [...state.installations].map(([owner, id]) => shaped('installation', { id, account: userPayload(ctx, owner), app_id: ctx.appId, target_type: 'User', repository_selection: 'all', permissions: {}, events: [], created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', access_tokens_url: `https://api.github.com/app/installations/${id}/access_tokens`, repositories_url: 'https://api.github.com/installation/repositories', html_url: `https://github.com/settings/installations/${id}`, target_id: state.user(owner).id, app_slug: ctx.appLogin.replace('[bot]', '') }));
        return { status: 200, body: page === 1 ? all : [] };
      },
    ],
  ];
}
