/**
 * `POST /graphql`: the pull request's facts, its timeline and the git data the
 * app reads (files at a commit, a PR's commits and changed files). The query
 * runs against GitHub's published schema in ../graphql.ts.
 */
import type { SandboxContext } from '../context.js';
import { createGraphQL } from '../graphql.js';
import type { Route } from '../router.js';

export function graphqlRoutes(ctx: SandboxContext): Route[] {
  const execute = createGraphQL(ctx.state);
  return [
    [
      'POST',
      '/graphql',
      async (_, body) => {
        const result = await execute(String(body.query ?? ''), body.variables as Record<string, unknown> | undefined);
        return { status: 200, body: result };
      },
    ],
  ];
}
