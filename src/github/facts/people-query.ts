/**
 * Team membership and repository permission for the people a flow needs to
 * judge, in one GraphQL request: one alias per team and per login. Values travel
 * as variables, never spliced into the query text.
 */
import type { PullRequestSnapshot } from '../../engine/facts.js';

export interface PeopleQuery {
  /** The whole query; empty when nothing is asked. */
  query: string;
  /** Its parts, for a query that asks them among its own fields (read-event.ts): `$owner` and `$name` are the repository's. */
  parts: ExtraFields;
  variables: Record<string, string>;
  /** Reads the answer into the snapshot's `teams` and `permissions`, and names the teams with more members to page through. */
  read(data: unknown): Pick<PullRequestSnapshot, 'teams' | 'permissions'> & { morePages: { team: string; cursor: string }[] };
}

type Members = { members: { nodes: { login: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null;
type Collaborators = { edges: { permission: string; node: { login: string } }[] } | null;

const PERMISSIONS: Record<string, PullRequestSnapshot['permissions'][string]> = {
  READ: 'read',
  TRIAGE: 'triage',
  WRITE: 'write',
  MAINTAIN: 'maintain',
  ADMIN: 'admin',
};

/** More fields for the same request, with their variables. */
export interface ExtraFields {
  definitions: string[];
  fields: string[];
  variables: Record<string, string>;
}

/** Teams as `org/slug` (each org's teams are asked of that org); logins for repository permission. */
export function peopleQuery(repo: { owner: string; name: string }, teams: readonly string[], logins: readonly string[], extra?: ExtraFields): PeopleQuery {
  const variables: Record<string, string> = { ...extra?.variables };
  const definitions = [...(extra?.definitions ?? [])];
  const byOrg = new Map<string, string[]>();
  for (const team of new Set(teams.map((team) => team.toLowerCase()))) {
    const [org, slug] = team.split('/') as [string, string];
    byOrg.set(org, [...(byOrg.get(org) ?? []), slug]);
  }
  const parts: string[] = [];
  const teamAliases: [alias: string, team: string][] = [];
  [...byOrg].forEach(([org, slugs], orgIndex) => {
    variables[`org${orgIndex}`] = org;
    definitions.push(`$org${orgIndex}: String!`);
    const fields = slugs.map((slug, index) => {
      const alias = `t${orgIndex}_${index}`;
      variables[alias] = slug;
      definitions.push(`$${alias}: String!`);
      teamAliases.push([alias, `${org}/${slug}`]);
      return `${alias}: team(slug: $${alias}) { members(first: 100, membership: ALL) { nodes { login } pageInfo { hasNextPage endCursor } } }`;
    });
    parts.push(`o${orgIndex}: organization(login: $org${orgIndex}) { ${fields.join(' ')} }`);
  });
  const loginAliases: [alias: string, login: string][] = [];
  const uniqueLogins = [...new Set(logins.map((login) => login.toLowerCase()))].filter((login) => !login.endsWith('[bot]'));
  const collaborators = uniqueLogins.map((login, index) => {
    const alias = `p${index}`;
    variables[alias] = login;
    definitions.push(`$${alias}: String!`);
    loginAliases.push([alias, login]);
    return `${alias}: collaborators(login: $${alias}, first: 1) { edges { permission node { login } } }`;
  });
  if (collaborators.length > 0) parts.push(`repository(owner: $owner, name: $name) { ${collaborators.join(' ')} }`);
  parts.push(...(extra?.fields ?? []));
  // GitHub refuses a declared variable that no field uses.
  if (parts.some((part) => part.includes('$owner'))) {
    Object.assign(variables, { owner: repo.owner, name: repo.name });
    definitions.unshift('$owner: String!', '$name: String!');
  }
  const query = parts.length === 0 ? '' : `query FlowgatePeople(${definitions.join(', ')}) { ${parts.join(' ')} }`;

  return {
    query,
    parts: { definitions, fields: parts, variables },
    variables,
    read(data) {
      const root = (data ?? {}) as Record<string, Record<string, Members | Collaborators> | null>;
      const result: ReturnType<PeopleQuery['read']> = { teams: {}, permissions: {}, morePages: [] };
      for (const [alias, team] of teamAliases) {
        const orgIndex = alias.slice(1, alias.indexOf('_'));
        const members = root[`o${orgIndex}`]?.[alias] as Members | undefined;
        // A team the app cannot see counts as empty: nobody qualifies through it.
        result.teams[team] = members?.members.nodes.map((node) => node.login) ?? [];
        const page = members?.members.pageInfo;
        if (page?.hasNextPage && page.endCursor) result.morePages.push({ team, cursor: page.endCursor });
      }
      for (const [alias, login] of loginAliases) {
        const edge = (root.repository?.[alias] as Collaborators | undefined)?.edges.find((candidate) => candidate.node.login.toLowerCase() === login);
        result.permissions[login] = edge ? (PERMISSIONS[edge.permission] ?? 'read') : 'none';
      }
      return result;
    },
  };
}
