/**
 * What the flows need to know of people and code owners: team members, the
 * repository permission of everyone whose decision may need judging, and
 * CODEOWNERS at the base commit. Only what is not known is read, in one
 * request (people-query.ts), or inside the event's one query (read-event.ts).
 *
 * Each team and each person is kept on its own (cache.ts, PeopleCache), so a
 * new reviewer costs the read of one login. They are forgotten when a
 * `membership`, `member`, `team` or `organization` webhook says they changed,
 * and after GitHubCache.peopleTtlMs regardless (10 minutes; 1 with replicas, whose
 * webhooks reach one of them). CODEOWNERS at a commit never changes.
 */
import { lower } from '../../flow/compile.js';
import type { FactEvent, PullRequestSnapshot } from '../../engine/facts.js';
import { parseCommand, parseReassign } from '../../engine/commands.js';
import type { GitHubCache } from './cache.js';
import type { GitHubClient, RepoRef } from '../client.js';
import { peopleQuery, type ExtraFields, type PeopleQuery } from './people-query.js';

/** What the flows of a repository need to know about people and code owners (gather.ts, needsOf). */
export interface Needs {
  teams: string[];
  permissions: boolean;
  codeowners: boolean;
}
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

type Snapshot = Omit<PullRequestSnapshot, 'teams' | 'permissions' | 'codeowners'>;
type Permission = PullRequestSnapshot['permissions'][string];

const repoKey = (repo: RepoRef) => `${repo.owner}/${repo.name}`;
const teamKey = (repo: RepoRef, team: string) => `${repoKey(repo)}|team:${team.toLowerCase()}`;
const loginKey = (repo: RepoRef, login: string) => `${repoKey(repo)}|login:${login.toLowerCase()}`;
const ownersKey = (repo: RepoRef, base: string) => `${repoKey(repo)}@${base}`;

/** Everyone whose decision may need judging: the author, and whoever reviewed, labelled or commented a command. */
export function involved(snapshot: Pick<Snapshot, 'author'>, events: readonly FactEvent[]): string[] {
  const logins = new Set([lower(snapshot.author)]);
  for (const event of events) {
    if (event.type === 'review' || event.type === 'labeled' || (event.type === 'comment' && (parseCommand(event.body) || parseReassign(event.body).length > 0))) logins.add(lower(event.actor));
  }
  return [...logins].sort();
}

/** A team's members, or a person's permission, when known and fresh. */
function knownTeam(cache: GitHubCache, repo: RepoRef, team: string, now: number): string[] | undefined {
  const entry = cache.people.get(teamKey(repo, team));
  return entry?.members && now - entry.at < cache.peopleTtlMs ? entry.members : undefined;
}

function knownPermission(cache: GitHubCache, repo: RepoRef, login: string, now: number): Permission | undefined {
  const entry = cache.people.get(loginKey(repo, login));
  return entry?.permission && now - entry.at < cache.peopleTtlMs ? entry.permission : undefined;
}

/** What is not known of these teams, logins and CODEOWNERS at `base`: what a query must ask. */
export function unknownPeople(cache: GitHubCache, repo: RepoRef, wanted: { teams: readonly string[]; logins: readonly string[]; codeownersAt?: string | undefined }, now: number): { teams: string[]; logins: string[]; codeownersAt?: string } {
  const logins = [...new Set(wanted.logins.map(lower))].filter((login) => !login.endsWith('[bot]'));
  return {
    teams: wanted.teams.filter((team) => knownTeam(cache, repo, team, now) === undefined),
    logins: logins.filter((login) => knownPermission(cache, repo, login, now) === undefined),
    ...(wanted.codeownersAt !== undefined && !cache.codeownersByBase.has(ownersKey(repo, wanted.codeownersAt)) ? { codeownersAt: wanted.codeownersAt } : {}),
  };
}

/** The fields that read CODEOWNERS at `$base`, for a query of people or the event's one query. */
export function codeownersFields(base: string): ExtraFields {
  return {
    definitions: ['$base: String!'],
    variables: { base },
    fields: [
      `codeowners: repository(owner: $owner, name: $name) { object(expression: $base) { ... on Commit { ${CODEOWNERS_PATHS.map((path, index) => `f${index}: file(path: "${path}") { object { ... on Blob { text } } }`).join(' ')} } } }`,
    ],
  };
}

/**
 * Keeps what a query of people answered (`query.read` of its data): each team and login as of `at`, and CODEOWNERS
 * at `base`. Teams of more than 100 members are paged first. Returns the requests the pages cost.
 */
export async function keepPeople(gh: GitHubClient, repo: RepoRef, cache: GitHubCache, query: PeopleQuery, data: unknown, at: number, base?: string): Promise<number> {
  const read = query.read(data);
  let requests = 0;
  // Teams over 100 members: the rest, a request per further page.
  for (const { team, cursor } of read.morePages) requests += await pageTeam(gh, team, cursor, read.teams);
  for (const [team, members] of Object.entries(read.teams)) cache.people.set(teamKey(repo, team), { at, members });
  for (const [login, permission] of Object.entries(read.permissions)) cache.people.set(loginKey(repo, login), { at, permission });
  if (base !== undefined) {
    const commit = (data as { codeowners?: { object: Record<string, { object: { text: string | null } | null } | null> | null } } | null)?.codeowners?.object;
    const text = CODEOWNERS_PATHS.map((_, index) => commit?.[`f${index}`]?.object?.text ?? null).find((value) => value !== null) ?? null;
    cache.codeownersByBase.set(ownersKey(repo, base), text);
  }
  return requests;
}

/** The teams, permissions and CODEOWNERS the flows need, read where not known. */
export async function gatherPeople(
  gh: GitHubClient,
  repo: RepoRef,
  base: string,
  snapshot: Snapshot,
  events: readonly FactEvent[],
  needs: Needs,
  now: number,
  cache: GitHubCache,
): Promise<Pick<PullRequestSnapshot, 'teams' | 'permissions' | 'codeowners'> & { requests: number }> {
  const logins = needs.permissions ? involved(snapshot, events).filter((login) => !login.endsWith('[bot]')) : [];
  const missing = unknownPeople(cache, repo, { teams: needs.teams, logins, ...(needs.codeowners ? { codeownersAt: base } : {}) }, now);
  let requests = 0;
  // What this event read is used as read, even if a bound pushed it out of the cache at once.
  const read: { teams: Record<string, string[]>; permissions: Record<string, Permission> } = { teams: {}, permissions: {} };
  let codeowners: string | null | undefined = needs.codeowners ? cache.codeownersByBase.get(ownersKey(repo, base)) : undefined;
  const query = peopleQuery(repo, missing.teams, missing.logins, missing.codeownersAt !== undefined ? codeownersFields(base) : undefined);
  if (query.query !== '') {
    const data = await gh.graphql<Record<string, unknown>>(query.query, query.variables);
    requests += 1;
    const answered = query.read(data);
    requests += await keepPeople(gh, repo, cache, { ...query, read: () => answered }, data, now, missing.codeownersAt);
    Object.assign(read.teams, answered.teams);
    Object.assign(read.permissions, answered.permissions);
    if (missing.codeownersAt !== undefined) codeowners = cache.codeownersByBase.peek(ownersKey(repo, base)) ?? null;
  }
  const teams = Object.fromEntries(needs.teams.map((team) => [team, read.teams[team] ?? knownTeam(cache, repo, team, now) ?? []]));
  const permissions = Object.fromEntries(logins.map((login) => [login, read.permissions[login] ?? knownPermission(cache, repo, login, now) ?? 'none']));
  return { teams, permissions, codeowners: needs.codeowners ? (codeowners ?? null) : null, requests };
}

export const TEAM_PAGE_QUERY = /* GraphQL */ `
  query FlowgateTeamPage($org: String!, $slug: String!, $after: String!) {
    organization(login: $org) { team(slug: $slug) { members(first: 100, after: $after, membership: ALL) { nodes { login } pageInfo { hasNextPage endCursor } } } }
  }
`;

type TeamPage = { organization: { team: { members: { nodes: { login: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null } | null };
/** Teams larger than this many pages are cut, and the cut is logged by the caller's request count. */
const MAX_TEAM_PAGES = 50;

async function pageTeam(gh: GitHubClient, team: string, cursor: string, teams: Record<string, string[]>): Promise<number> {
  const [org, slug] = team.split('/') as [string, string];
  let after: string | null = cursor;
  let requests = 0;
  while (after !== null && requests < MAX_TEAM_PAGES) {
    const data: TeamPage = await gh.graphql<TeamPage>(TEAM_PAGE_QUERY, { org, slug, after });
    requests += 1;
    const members = data.organization?.team?.members;
    if (!members) break;
    teams[team] = [...(teams[team] ?? []), ...members.nodes.map((node) => node.login)];
    after = members.pageInfo.hasNextPage ? members.pageInfo.endCursor : null;
  }
  return requests;
}
