/**
 * Gathering the facts of a pull request in as few requests as possible:
 *
 *  1. the facts query, paged by 100 while the timeline or the diff goes on
 *     (the diff is skipped when the head commit's files are already known);
 *  2. one request for what the flows need beyond that: team members, the
 *     permission of everyone involved, and CODEOWNERS at the base commit.
 *
 * A commit's files and CODEOWNERS never change and are kept per commit; team
 * membership and permissions are kept for a minute.
 */
import type { CompiledFlow } from '../../flow/compile.js';
import { lower } from '../../flow/compile.js';
import type { BaseMergeCheck, ChangedFile, FactEvent, PullRequestSnapshot } from '../../engine/facts.js';
import { parseCommand, parseReassign } from '../../engine/commands.js';
import { PEOPLE_TTL_MS, type GitHubCache } from './cache.js';
import type { GitHubClient, RepoRef } from '../client.js';
import { appCommentsFrom, checkRunsFrom, commitsFrom, eventsFrom, FACTS_QUERY, snapshotFrom, suitesFrom, type FactsPage, type PullRequestFields, type SuiteTime, type TimelineItem } from './pull-request-query.js';
import type { HeadMove } from './heads.js';
import { peopleQuery, type ExtraFields } from './people-query.js';

/** What the flows of a repository need to know about people and code owners. */
export interface Needs {
  teams: string[];
  permissions: boolean;
  codeowners: boolean;
}

export function needsOf(flows: readonly CompiledFlow[]): Needs {
  const teams = new Set<string>();
  let permissions = false;
  let codeowners = false;
  const visit = (condition: unknown): void => {
    if (condition === null || typeof condition !== 'object') return;
    const record = condition as Record<string, unknown>;
    if (Array.isArray(record.author_team)) for (const team of record.author_team as string[]) teams.add(lower(team));
    for (const child of [...((record.all as unknown[]) ?? []), ...((record.any as unknown[]) ?? []), record.not]) visit(child);
  };
  for (const flow of flows) {
    for (const step of flow.steps) {
      visit(step.condition);
      for (const gate of step.gates) {
        for (const team of gate.from.teams) teams.add(team);
        for (const rung of gate.escalate) for (const team of rung.addApprovers?.teams ?? []) teams.add(team);
        permissions ||= gate.from.permission !== undefined;
        codeowners ||= gate.from.codeowners;
      }
    }
  }
  return { teams: [...teams].sort(), permissions, codeowners };
}

export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

/** The PR (or its repository) is not there: deleted, transferred, or never was. */
export class PullRequestNotFound extends Error {
  readonly status = 404;
}

export interface GatheredFacts {
  pr: PullRequestSnapshot;
  /** The repository's default branch, where live flows are read. */
  defaultBranch?: string;
  state: PullRequestFields['state'];
  baseSha: string;
  /** The timeline as engine events, except head moves: a run's moves come from heads.ts. */
  events: FactEvent[];
  /** Force pushes on the timeline. */
  forced: HeadMove[];
  /** When GitHub created the app's check suite on each commit (with the app's id only). */
  suites: Map<string, SuiteTime[]>;
  /** How many times the PR was reopened: a run's identity includes it. */
  reopens: number;
  /** The app's own comments on the PR (with the app's login only). */
  appComments: { id: number; body: string }[];
  /** The PR's commits, newest first. */
  commits: string[];
  /** When the facts were gathered. */
  at: string;
  /** How many API requests this took, for tests and logs. */
  requests: number;
  /** What was proven of head moves that may only merge the base branch, by `before..sha` (see base-merge.ts); filled after gathering. */
  baseMerges?: Map<string, BaseMergeCheck>;
}

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  cache.set(key, value);
  return value;
}

export interface GatherOptions {
  cache: GitHubCache;
  /** The app's own id: its check runs are not facts for `wait: check_run`; its check suites date pushes. */
  appId?: number;
  /** The app's bot login (`name[bot]`), to find its own comments. */
  appLogin?: string;
  now?: number;
  /** The head commit, when the webhook says it: its files may already be known, saving the diff pages. */
  headSha?: string;
}

export async function gatherFacts(gh: GitHubClient, repo: RepoRef, number: number, needs: Needs, options: GatherOptions): Promise<GatheredFacts> {
  const now = options.now ?? Date.now();
  const { filesByHead } = options.cache;
  let requests = 0;
  let pr: PullRequestFields | undefined;
  const timeline: TimelineItem[] = [];
  const files: ChangedFile[] = [];
  let timelineCursor: string | null = null;
  let filesCursor: string | null = null;
  let knownFiles = options.headSha === undefined ? undefined : filesByHead.get(options.headSha);
  let moreTimeline = true;
  let moreFiles = knownFiles === undefined;
  let defaultBranch: string | undefined;
  while (moreTimeline || moreFiles) {
    const page: FactsPage = await gh
      .graphql<FactsPage>(FACTS_QUERY, {
        owner: repo.owner,
        name: repo.name,
        number,
        timeline: timelineCursor,
        files: filesCursor,
        withPr: pr === undefined,
        withFiles: moreFiles && knownFiles === undefined,
        appId: options.appId ?? null,
        withSuites: options.appId !== undefined,
      })
      .catch((error: unknown) => {
        // GitHub answers a missing repository or PR with a NOT_FOUND error rather than null.
        const errors = (error as { errors?: { type?: string }[] } | null)?.errors;
        if (errors?.some((entry) => entry.type === 'NOT_FOUND')) throw new PullRequestNotFound(`pull request ${repo.owner}/${repo.name}#${number} not found`);
        throw error;
      });
    requests += 1;
    const pull = page.repository?.pullRequest;
    if (!pull) throw new PullRequestNotFound(`pull request ${repo.owner}/${repo.name}#${number} not found`);
    if (page.repository?.defaultBranchRef) defaultBranch = page.repository.defaultBranchRef.name;
    if (pr === undefined) {
      pr = pull as PullRequestFields;
      // The head may have moved since the webhook: files are only reused for the head GitHub reports.
      if (knownFiles && options.headSha !== pr.headRefOid) knownFiles = undefined;
      knownFiles ??= filesByHead.get(pr.headRefOid);
      if (knownFiles) moreFiles = false;
      else if (!pull.files) moreFiles = true;
    }
    if (moreTimeline) {
      timeline.push(...pull.timelineItems.nodes);
      moreTimeline = pull.timelineItems.pageInfo.hasNextPage;
      timelineCursor = pull.timelineItems.pageInfo.endCursor;
    }
    if (pull.files && knownFiles === undefined) {
      files.push(...pull.files.nodes);
      moreFiles = pull.files.pageInfo.hasNextPage;
      filesCursor = pull.files.pageInfo.endCursor;
    } else {
      moreFiles = false;
    }
  }
  const changed = knownFiles ?? remember(filesByHead, pr!.headRefOid, files);
  const snapshot = snapshotFrom({ pr: pr!, files: changed, timeline });
  const timelineEvents = eventsFrom(timeline);
  const forced = timelineEvents.flatMap((event) => (event.type === 'push' ? [{ at: event.at, sha: event.sha, ...(event.before ? { before: event.before } : {}), ...(event.actor ? { actor: event.actor } : {}) }] : []));
  const events = [...timelineEvents.filter((event) => event.type !== 'push'), ...checkRunsFrom(pr!, options.appId)];

  const extra = await gatherPeople(gh, repo, pr!, snapshot, events, needs, now, options.cache);
  requests += extra.requests;
  return {
    pr: { ...snapshot, teams: extra.teams, permissions: extra.permissions, codeowners: extra.codeowners },
    ...(defaultBranch ? { defaultBranch } : {}),
    state: pr!.state,
    baseSha: pr!.baseRefOid,
    events,
    forced,
    suites: suitesFrom(timeline),
    reopens: timelineEvents.filter((event) => event.type === 'reopened').length,
    appComments: appCommentsFrom(timeline, options.appLogin),
    commits: commitsFrom(timeline),
    at: new Date(now).toISOString(),
    requests,
  };
}

/** Everyone whose decision may need judging: the author, and whoever reviewed, labelled or commented a command. */
function involved(snapshot: Omit<PullRequestSnapshot, 'teams' | 'permissions' | 'codeowners'>, events: readonly FactEvent[]): string[] {
  const logins = new Set([lower(snapshot.author)]);
  for (const event of events) {
    if (event.type === 'review' || event.type === 'labeled' || (event.type === 'comment' && (parseCommand(event.body) || parseReassign(event.body).length > 0))) logins.add(lower(event.actor));
  }
  return [...logins].sort();
}

async function gatherPeople(
  gh: GitHubClient,
  repo: RepoRef,
  pr: PullRequestFields,
  snapshot: Omit<PullRequestSnapshot, 'teams' | 'permissions' | 'codeowners'>,
  events: readonly FactEvent[],
  needs: Needs,
  now: number,
  { people, codeownersByBase }: GitHubCache,
): Promise<Pick<PullRequestSnapshot, 'teams' | 'permissions' | 'codeowners'> & { requests: number }> {
  const logins = needs.permissions ? involved(snapshot, events) : [];
  const peopleKey = `${repo.owner}/${repo.name}|${needs.teams.join(',')}|${logins.join(',')}`;
  const ownersKey = `${repo.owner}/${repo.name}@${pr.baseRefOid}`;
  const cached = people.get(peopleKey);
  const knownPeople = cached && now - cached.at < PEOPLE_TTL_MS ? cached.value : undefined;
  const knownOwners = codeownersByBase.get(ownersKey);
  const wantOwners = needs.codeowners && knownOwners === undefined;
  const owners: ExtraFields | undefined = wantOwners
    ? {
        definitions: ['$base: String!'],
        variables: { base: pr.baseRefOid },
        fields: [
          `codeowners: repository(owner: $owner, name: $name) { object(expression: $base) { ... on Commit { ${CODEOWNERS_PATHS.map((path, index) => `f${index}: file(path: "${path}") { object { ... on Blob { text } } }`).join(' ')} } } }`,
        ],
      }
    : undefined;
  const query = peopleQuery(repo, knownPeople ? [] : needs.teams, knownPeople ? [] : logins, owners);
  if (query.query === '') {
    return { ...(knownPeople ?? { teams: {}, permissions: {} }), codeowners: needs.codeowners ? (knownOwners ?? null) : null, requests: 0 };
  }
  const data = await gh.graphql<Record<string, unknown>>(query.query, query.variables);
  let requests = 1;
  let found = knownPeople;
  if (!found) {
    const read = query.read(data);
    // Teams over 100 members: the rest, a request per further page.
    for (const { team, cursor } of read.morePages) requests += await pageTeam(gh, team, cursor, read.teams);
    found = remember(people, peopleKey, { at: now, value: { teams: read.teams, permissions: read.permissions } }).value;
  }
  let codeowners = needs.codeowners ? (knownOwners ?? null) : null;
  if (wantOwners) {
    const commit = (data.codeowners as { object: Record<string, { object: { text: string | null } | null } | null> | null } | undefined)?.object;
    const text = CODEOWNERS_PATHS.map((_, index) => commit?.[`f${index}`]?.object?.text ?? null).find((value) => value !== null) ?? null;
    codeowners = remember(codeownersByBase, ownersKey, text);
  }
  return { ...found, codeowners, requests };
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
