/**
 * Everything an event needs from GitHub, in one GraphQL query at steady state:
 * what is live (the default branch's flows tree and settings, the newest
 * deployments), the PR's fields, its changed files and timeline from where the
 * last event left them (facts/gather.ts), the app's runs on the head and the
 * five commits before it (and on the commit a push left), and whatever team
 * members, permissions and CODEOWNERS the flows need that are not known.
 *
 * Another request follows only when something is new: a flow changed (its
 * text, once per tree), a run pinned to flows at a commit this process has not
 * read, a timeline or diff longer than a page, someone the flows must judge who
 * was not foreseen, or a head GitHub reports that the commits list does not.
 */
import { compileFlow, type CompiledFlow } from '../flow/compile.js';
import { readFlows, type FlowSet } from './facts/flow-source.js';
import { APP_COMMENTS_FIELD, eventsFrom, PULL_REQUEST_FRAGMENTS, PULL_REQUEST_PAGE, type AppCommentNode, type FactsPage } from './facts/pull-request-query.js';
import { firstPagePlan, gatherFacts, keptTimeline, lastSeen, needsOf, PullRequestNotFound, type GatheredFacts } from './facts/gather.js';
import { codeownersFields, involved, keepPeople, unknownPeople } from './facts/people.js';
import { peopleQuery, type ExtraFields } from './facts/people-query.js';
import { APP_RUNS_FRAGMENT, findAllRuns, runsFrom, type RunsOnCommit } from './history/check-runs.js';
import type { FoundRuns } from './history/duplicate-runs.js';
import type { FoundSummary } from './history/summary-check.js';
import { lastLiveFiles, LIVE_COMMIT_FIELDS, LIVE_DEPLOYMENTS_FIELD, LIVE_DEPLOYMENTS_FRAGMENT, liveFrom, liveVariables, type DeploymentPage, type LiveCommit, type LiveFlows } from './releases/live.js';
import type { GitHubClient, RepoRef } from './client.js';
import type { GitHubCache } from './facts/cache.js';
import type { Payload } from './payload.js';

/** How many commits back the app looks for a run whose push it missed (the head and five before it). */
const RECENT_COMMITS = 6;

export interface ReadDeps {
  gh: GitHubClient;
  cache: GitHubCache;
  app: { id: number; login: string };
  log: (message: string) => void;
  releases?: boolean;
  recordSecret?: string;
  peopleInEventQuery?: boolean;
}

export interface EventRead {
  /** What is live, and its flows that compile. */
  live: LiveFlows;
  liveFlows: CompiledFlow[];
  facts: GatheredFacts;
  /** The app's runs on the first commit that has any, its duplicates, and the `Flowgate` check on the head. */
  found: FoundRuns & { summary?: FoundSummary };
  /** Flows each found run is pinned to, by the commit it started on. */
  pinned: Map<string, CompiledFlow[]>;
}

interface EventAnswer {
  repository: {
    defaultBranchRef: { name: string; target: LiveCommit | null } | null;
    deployments?: DeploymentPage;
    pullRequest: (NonNullable<NonNullable<FactsPage['repository']>['pullRequest']> & { recent?: { nodes: { commit: CommitRuns }[] } }) | null;
    before?: CommitRuns | null;
  } | null;
}

type CommitRuns = { oid: string; appRuns?: { nodes: (RunsOnCommit['suites'][number] & { createdAt: string; branch: { name: string } | null })[] } | null };

export interface EventQueryParts {
  owner: string;
  name: string;
  number: number;
  appId: number;
  /** LIVE_COMMIT_FIELDS' variables (liveVariables). */
  path: string;
  config: string;
  environment: string;
  withFlowTexts: boolean;
  /** The facts page's variables (firstPagePlan). */
  timeline: string | null;
  files: null;
  withFiles: boolean;
  withSuites: boolean;
  withAnchor: boolean;
  /** Whether deployments are read (not in the Action). */
  releases: boolean;
  /** The commit a push left, whose runs are read too. */
  before?: string;
  /** Node ids of the app's comments to read as they are now. */
  appComments: readonly string[];
  /** People and CODEOWNERS to read in the same query (people-query.ts' parts). */
  people?: ExtraFields;
}

/** The event's one query and its variables; pure, so tests can validate every shape against GitHub's schema. */
export function eventQuery(parts: EventQueryParts): { query: string; variables: Record<string, unknown> } {
  const { releases, before, appComments, people, environment, ...rest } = parts;
  const definitions = [
    '$owner: String!', '$name: String!', '$number: Int!', '$timeline: String', '$files: String', '$withFiles: Boolean!', '$appId: Int', '$withSuites: Boolean!', '$withAnchor: Boolean!',
    '$path: String!', '$config: String!', '$withFlowTexts: Boolean!',
    ...(releases ? ['$environment: String!'] : []),
    ...(before ? ['$before: GitObjectID!'] : []),
    ...(appComments.length > 0 ? ['$appComments: [ID!]!'] : []),
  ];
  for (const definition of people?.definitions ?? []) if (!definitions.includes(definition)) definitions.push(definition);
  const variables: Record<string, unknown> = { ...rest, ...(releases ? { environment } : {}), ...(before ? { before } : {}), ...(appComments.length > 0 ? { appComments } : {}), ...people?.variables };
  const query = /* GraphQL */ `
    query FlowgateEvent(${definitions.join(', ')}) {
      repository(owner: $owner, name: $name) {
        defaultBranchRef { name target { ... on Commit { ${LIVE_COMMIT_FIELDS} } } }
        ${releases ? LIVE_DEPLOYMENTS_FIELD : ''}
        pullRequest(number: $number) {
          ...PullRequestFields
          ${PULL_REQUEST_PAGE}
          recent: commits(last: ${RECENT_COMMITS}) { nodes { commit { oid ...FlowgateAppRuns } } }
        }
        ${before ? 'before: object(oid: $before) { ... on Commit { oid ...FlowgateAppRuns } }' : ''}
      }
      ${appComments.length > 0 ? APP_COMMENTS_FIELD : ''}
      ${(people?.fields ?? []).join('\n')}
    }
    ${PULL_REQUEST_FRAGMENTS}
    ${APP_RUNS_FRAGMENT}
    ${releases ? LIVE_DEPLOYMENTS_FRAGMENT : ''}
  `;
  return { query, variables };
}

/** Reads what the event needs; a repository without flows and without runs on the PR ends here (`skipped`). */
export async function readEvent(deps: ReadDeps, payload: Payload, repo: RepoRef, number: number, now: number): Promise<EventRead | { skipped: string }> {
  const { gh, cache } = deps;
  const seen = lastSeen(cache, repo, number);
  const headSha = payload.pull_request?.head.sha ?? payload.check_run?.head_sha ?? seen?.head;
  const base = payload.pull_request?.base?.sha ?? seen?.base;
  const { appComments, ...plan } = firstPagePlan(repo, number, { cache, appId: deps.app.id, appLogin: deps.app.login, ...(headSha ? { headSha } : {}) });
  const before = payload.action === 'synchronize' ? payload.before : undefined;
  const people = deps.peopleInEventQuery === false ? { query: undefined, ask: undefined, codeownersAt: undefined } : foreseenPeople(deps, repo, number, payload, base, now);
  const releases = deps.releases !== false;
  const { query, variables } = eventQuery({
    ...liveVariables(repo, cache),
    ...plan,
    number,
    appId: deps.app.id,
    releases,
    ...(before ? { before } : {}),
    appComments,
    ...(people.query ? { people: people.query } : {}),
  });
  const answer = await gh.graphql<EventAnswer & Record<string, unknown>>(query, variables).catch((error: unknown) => {
    const { errors, data } = (error ?? {}) as { errors?: { type?: string; path?: (string | number)[] }[]; data?: EventAnswer & Record<string, unknown> };
    // A comment of the app's deleted since: GitHub answers null for it, with an error, and the rest of the answer.
    if (data && errors?.length && errors.every((entry) => entry.type === 'NOT_FOUND' && entry.path?.[0] === 'appComments')) return data;
    // GitHub answers a missing repository or PR with a NOT_FOUND error rather than null.
    if (errors?.some((entry) => entry.type === 'NOT_FOUND')) throw new PullRequestNotFound(`pull request ${repo.owner}/${repo.name}#${number} not found`);
    throw error;
  });
  let requests = 1;
  const repository = answer.repository;
  const pull = repository?.pullRequest;
  if (!repository || !pull) throw new PullRequestNotFound(`pull request ${repo.owner}/${repo.name}#${number} not found`);
  if (people.ask) requests += await keepPeople(gh, repo, cache, people.ask, answer, now, people.codeownersAt);

  const liveRead = await liveFrom(gh, repo, { commit: repository.defaultBranchRef?.target, ...(repository.deployments ? { deployments: repository.deployments } : {}) }, cache, { appLogin: deps.app.login, releases });
  const liveFlows = validFlows(liveRead.set, deps.log);

  // The app's runs: on the head, the commit a push left, then the commits before the head.
  const recent = (pull.recent?.nodes ?? []).map((node) => node.commit).reverse();
  const head = pull.headRefOid!;
  let found: FoundRuns & { summary?: FoundSummary };
  if (recent[0]?.oid === head) {
    const commits = [recent[0], ...(repository.before ? [repository.before] : []), ...recent.slice(1)];
    const unique = commits.filter((commit, index) => commits.findIndex((other) => other.oid === commit.oid) === index);
    found = runsFrom(unique.map((commit) => ({ sha: commit.oid, suites: commit.appRuns?.nodes ?? [] })), deps.app.id, deps.log, deps.recordSecret);
  } else {
    // GitHub's commit list lags its head (rare): ask for the runs on the head itself.
    found = await findAllRuns(gh, repo, [head, ...(before ? [before] : [])], deps.app.id, deps.log, deps.recordSecret);
    requests += 1;
  }
  // An invalid live policy is never silent: the PR gets a failing `Flowgate` check, so it goes the long way.
  const invalid = (liveRead.set?.files ?? []).some((file) => !file.flow);
  if (liveFlows.length === 0 && !invalid && found.runs.length === 0 && found.summary === undefined) {
    return { skipped: 'no flows in the repository and no runs on the PR' };
  }

  // A finished run stays on its commit; only a waiting run follows the PR to its new head.
  const pinned = new Map<string, CompiledFlow[]>();
  for (const run of found.runs.filter((candidate) => candidate.sha === head || candidate.status !== 'completed')) {
    const version = run.record.run.version;
    if (pinned.has(version)) continue;
    const known = cache.flowsByCommit.has(`${repo.owner}/${repo.name}@${version}`);
    pinned.set(version, validFlows(await readFlows(gh, repo, version, cache), deps.log));
    if (!known) requests += 1;
  }
  const needs = needsOf([...liveFlows, ...[...pinned.values()].flat()]);
  const facts = await gatherFacts(gh, repo, number, needs, {
    cache,
    now,
    appId: deps.app.id,
    appLogin: deps.app.login,
    ...(headSha ? { headSha } : {}),
    current: new Map(appComments.map((id, index) => [id, (answer.appComments as AppCommentNode[] | undefined)?.[index] ?? null])),
    first: { repository: { defaultBranchRef: repository.defaultBranchRef ? { name: repository.defaultBranchRef.name } : null, pullRequest: pull } },
  });
  facts.requests += requests;
  if (!facts.defaultBranch && repository.defaultBranchRef) facts.defaultBranch = repository.defaultBranchRef.name;
  // The app's check suites on the recent commits, read now: a suite GitHub created after the timeline kept its commit.
  for (const commit of [...recent, ...(repository.before ? [repository.before] : [])]) {
    const times = (commit.appRuns?.nodes ?? []).map((suite) => ({ createdAt: suite.createdAt, branch: suite.branch?.name ?? null }));
    const known = facts.suites.get(commit.oid) ?? [];
    const added = times.filter((time) => !known.some((seen) => seen.createdAt === time.createdAt && seen.branch === time.branch));
    if (added.length > 0) facts.suites.set(commit.oid, [...known, ...added]);
  }
  return { live: liveRead, liveFlows, facts, found, pinned };
}

/**
 * The people this event's flows will likely need, from what the last event read: the live flows' teams, and the
 * permission of everyone involved so far and of whoever sent this event. Asked in the one query when not known;
 * whoever was not foreseen is read after (gatherPeople).
 */
function foreseenPeople(deps: ReadDeps, repo: RepoRef, number: number, payload: Payload, base: string | undefined, now: number) {
  const { cache } = deps;
  const needs = needsOf((lastLiveFiles(cache, repo) ?? []).flatMap((file) => (file.flow ? [compiled(file.flow)] : [])));
  const timeline = keptTimeline(cache, repo, number);
  const author = (payload.pull_request as { user?: { login?: string } } | undefined)?.user?.login;
  const logins = needs.permissions ? [...involved({ author: author ?? '' }, eventsFrom(timeline)), ...(payload.sender ? [payload.sender.login] : [])].filter(Boolean) : [];
  const missing = unknownPeople(cache, repo, { teams: needs.teams, logins, ...(needs.codeowners && base ? { codeownersAt: base } : {}) }, now);
  const ask = peopleQuery(repo, missing.teams, missing.logins, missing.codeownersAt !== undefined ? codeownersFields(missing.codeownersAt) : undefined);
  if (ask.query === '') return { query: undefined, ask: undefined, codeownersAt: undefined };
  return { query: ask.parts, ask, codeownersAt: missing.codeownersAt };
}

/** Compiled once per parsed flow: a flow file read once is compiled once, not on every event. */
const compiledFlows = new WeakMap<object, CompiledFlow>();
function compiled(flow: NonNullable<FlowSet['files'][number]['flow']>): CompiledFlow {
  let known = compiledFlows.get(flow);
  if (!known) compiledFlows.set(flow, (known = compileFlow(flow)));
  return known;
}

export function validFlows(set: FlowSet | undefined, log: (message: string) => void): CompiledFlow[] {
  const flows: CompiledFlow[] = [];
  for (const file of set?.files ?? []) {
    if (file.flow) flows.push(compiled(file.flow));
    else log(`${file.file} at ${set!.commit.slice(0, 7)} is invalid and will not run: ${file.problems[0]?.message ?? ''}`);
  }
  return flows;
}
