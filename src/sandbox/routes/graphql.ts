/**
 * `POST /graphql`: the pull request's facts, its timeline and the git data the
 * app reads (files at a commit, a PR's commits and changed files). The query
 * runs against GitHub's published schema in ../graphql.ts.
 */
import type { SandboxContext } from '../context.js';
import { createGraphQL } from '../graphql.js';
import type { Route } from '../router.js';

/** The GraphQL operations the app sent, by name with their text, for tests that check what one asked. */
export type GraphQLLog = { name: string; query: string }[];

export function graphqlRoutes(ctx: SandboxContext, log?: GraphQLLog): Route[] {
  const execute = createGraphQL(ctx.state);
  return [
    [
      'POST',
      '/graphql',
      async (_, body) => {
        const query = String(body.query ?? '');
        log?.push({ name: /\b(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? '(anonymous)', query });
        const result = await execute(query, body.variables as Record<string, unknown> | undefined);
        return { status: 200, body: result };
      },
    ],
  ];
}
