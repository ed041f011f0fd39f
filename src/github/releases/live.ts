/**
 * What is live: the flows new runs obey. Before any release exists it is the
 * default branch; once a `flows/v*` tag has been promoted it is that tag's
 * commit (issue 10). Every caller asks here, so the rule lives in one place.
 *
 * A promotion is a deployment to the `flowgate-live` environment made by the
 * app itself (anyone with write access can create deployments, so no other
 * creator counts), whose payload names the tag and the very commit deployed.
 * Live is the highest version among them. Finding it costs no request of its
 * own: the query that reads the default branch's flows also reads the
 * settings file and the newest deployments, and the flows at a release's
 * commit never change, so they are read once per commit (facts/cache.ts).
 */
import { FLOW_TREE_FIELDS, flowSetOf, readFlows, treeKey, type FlowCache, type FlowSet, type FlowsObject } from '../facts/flow-source.js';
import type { FlowFile } from '../../flow/validate.js';
import type { GitHubClient, RepoRef } from '../client.js';
import { DEFAULT_FLOWS_DIR } from '../../flow/flows-dir.js';
import { CONFIG_FILE, parseFlowgateConfig, type ConfigResult } from '../../release/config.js';
import { LIVE_ENVIRONMENT, liveOf, promotionsOf, type Promotion, type SeenDeployment } from '../../release/versions.js';

export interface LiveVersion {
  /** `flows/v1.2.0`, or `default branch` before any release. */
  label: string;
  /** The promoted tag, when there is one. */
  tag?: string;
  /** The commit the live flows are read at; undefined when the repository has none readable. */
  sha?: string;
}

export interface LiveFlows {
  version: LiveVersion;
  set: FlowSet | undefined;
  /** The settings file on the default branch, parsed. */
  config?: ConfigResult;
  /** Every promotion seen (the app's own deployments), newest first. */
  promotions?: Promotion[];
  /** The live promotion, when a release is live. */
  live?: Promotion;
  /** The default branch's flows (what is merged, promoted or not). */
  defaultBranch?: FlowSet | undefined;
}

export const DEFAULT_BRANCH_LABEL = 'default branch';
/** The app's login when the caller does not say: the slug of the app as published. */
export const DEFAULT_APP_LOGIN = 'flowgate[bot]';
/** Deployments read with the flows; more pages only when none of these is the app's (someone flooding the environment). */
const DEPLOYMENTS_PER_PAGE = 50;
const MAX_PAGES = 10;

/** A commit's flows tree (FLOW_TREE_FIELDS) and settings file: what is live is read from these, here and in the event's one query. */
export const LIVE_COMMIT_FIELDS = /* GraphQL */ `
          ${FLOW_TREE_FIELDS}
          settings: file(path: $config) { object { ... on Blob { text isTruncated } } }
`;

/** The newest deployments to the live environment (`$environment`): where promotions are found. */
export const LIVE_DEPLOYMENTS_FIELD = /* GraphQL */ `
      deployments(environments: [$environment], first: ${DEPLOYMENTS_PER_PAGE}, orderBy: { field: CREATED_AT, direction: DESC }) { ...FlowgateDeployments }
`;

export const LIVE_DEPLOYMENTS_FRAGMENT = /* GraphQL */ `
  fragment FlowgateDeployments on DeploymentConnection {
    pageInfo { hasNextPage endCursor }
    nodes { databaseId commitOid createdAt payload creator { __typename login } }
  }
`;

export const LIVE_QUERY = /* GraphQL */ `
  query FlowgateLive($owner: String!, $name: String!, $expression: String!, $path: String!, $config: String!, $environment: String!, $withFlowTexts: Boolean!) {
    repository(owner: $owner, name: $name) {
      object(expression: $expression) {
        ... on Commit {
          ${LIVE_COMMIT_FIELDS}
        }
      }
      ${LIVE_DEPLOYMENTS_FIELD}
    }
  }
  ${LIVE_DEPLOYMENTS_FRAGMENT}
`;

const MORE_DEPLOYMENTS_QUERY = /* GraphQL */ `
  query FlowgateDeployments($owner: String!, $name: String!, $environment: String!, $after: String!) {
    repository(owner: $owner, name: $name) {
      deployments(environments: [$environment], first: 100, after: $after, orderBy: { field: CREATED_AT, direction: DESC }) {
        pageInfo { hasNextPage endCursor }
        nodes { databaseId commitOid createdAt payload creator { __typename login } }
      }
    }
  }
`;

export interface DeploymentPage {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: { databaseId: number | null; commitOid: string; createdAt: string; payload: string | null; creator: { __typename: string; login: string } | null }[];
}

/** A commit as LIVE_COMMIT_FIELDS read it. */
export type LiveCommit = FlowsObject & { settings?: { object: { text?: string | null; isTruncated?: boolean } | null } | null };

interface LiveAnswer {
  repository: {
    object: LiveCommit | null;
    deployments?: DeploymentPage;
  } | null;
}

/** The flows could not be told: the app does not guess (fail closed), the event fails and is delivered again. */
export class LiveUnknown extends Error {}

/**
 * The live flows of a repository whose default branch is `defaultBranch`.
 * `releases: false` (the Action): deployments are not read, and the default branch is live. The Action's token is the
 * one every workflow of the repository has, so a deployment "by the app" could be made by any of them.
 */
export async function readLiveFlows(gh: GitHubClient, repo: RepoRef, defaultBranch: string, cache: LiveCache, options: LiveOptions = {}): Promise<LiveFlows> {
  const answer = await gh.graphql<LiveAnswer>(LIVE_QUERY, { ...liveVariables(repo, cache), expression: defaultBranch });
  return liveFrom(gh, repo, answer.repository ? { commit: answer.repository.object, deployments: answer.repository.deployments } : null, cache, options);
}

export interface LiveOptions {
  appLogin?: string;
  releases?: boolean;
}

/** The caches what is live is read with: flows by commit and by tree, and the tree last seen on each default branch. */
export type LiveCache = FlowCache & { readonly liveTrees: Map<string, string | null> };

/**
 * The variables LIVE_COMMIT_FIELDS and LIVE_DEPLOYMENTS_FIELD use. The flows' text is asked for only when the tree last
 * seen on the default branch is not known: a flow rarely changes, and when it did, one more read (readFlows) gets it.
 */
export function liveVariables(repo: RepoRef, cache: LiveCache): { owner: string; name: string; path: string; config: string; environment: string; withFlowTexts: boolean } {
  return { owner: repo.owner, name: repo.name, path: DEFAULT_FLOWS_DIR, config: CONFIG_FILE, environment: LIVE_ENVIRONMENT, withFlowTexts: lastLiveFiles(cache, repo) === undefined };
}

const liveKey = (repo: RepoRef) => `${repo.owner}/${repo.name}`.toLowerCase();

/** The validated flow files last seen on a repository's default branch ([] when it had none); undefined when not known. */
export function lastLiveFiles(cache: LiveCache, repo: RepoRef): readonly FlowFile[] | undefined {
  const tree = cache.liveTrees.get(liveKey(repo));
  if (tree === null) return [];
  return tree === undefined ? undefined : cache.flowsByTree.get(treeKey(repo, tree));
}

/** What is live, from the default branch's commit and the newest deployments as a query answered them; reads more only when it must. */
export async function liveFrom(gh: GitHubClient, repo: RepoRef, answer: { commit: LiveCommit | null | undefined; deployments?: DeploymentPage | undefined } | null, cache: LiveCache, options: LiveOptions = {}): Promise<LiveFlows> {
  const appLogin = options.appLogin ?? DEFAULT_APP_LOGIN;
  const object = answer?.commit;
  if (object?.oid) cache.liveTrees.set(liveKey(repo), object.file?.object?.oid ?? null);
  // Asked without the text and the tree is new (a flow changed): the flows at that commit, once.
  const defaultSet = flowSetOf(repo, object, cache) ?? (object?.oid ? await readFlows(gh, repo, object.oid, cache) : undefined);
  const settings = object?.settings?.object;
  const config = settings?.isTruncated ? parseFlowgateConfig('{', CONFIG_FILE) : parseFlowgateConfig(settings?.text ?? undefined);
  const prefix = config.config.releases.tag_prefix;
  if (options.releases === false) return { version: { label: DEFAULT_BRANCH_LABEL, ...(defaultSet ? { sha: defaultSet.commit } : {}) }, set: defaultSet, config, promotions: [], defaultBranch: defaultSet };
  // GitHub always answers the connection; a repository answered without it is not an answer to trust (fail closed).
  if (answer && !answer.deployments) throw new LiveUnknown(`GitHub answered no deployments for ${repo.owner}/${repo.name}: what is live cannot be told`);
  let page = answer?.deployments;
  const seen: SeenDeployment[] = [...deploymentsOf(page)];
  let promotions = promotionsOf(seen, appLogin, prefix);
  // The app's newest deployment is normally on the first page; others' deployments can push it further.
  for (let pages = 1; promotions.length === 0 && page?.pageInfo.hasNextPage && page.pageInfo.endCursor; pages += 1) {
    if (pages >= MAX_PAGES) throw new LiveUnknown(`more than ${seen.length} deployments to ${LIVE_ENVIRONMENT} in ${repo.owner}/${repo.name} and none is Flowgate's among the newest; remove the others to let Flowgate find the live release`);
    const more = await gh.graphql<{ repository: { deployments: DeploymentPage } | null }>(MORE_DEPLOYMENTS_QUERY, { owner: repo.owner, name: repo.name, environment: LIVE_ENVIRONMENT, after: page.pageInfo.endCursor });
    page = more.repository?.deployments;
    seen.push(...deploymentsOf(page));
    promotions = promotionsOf(seen, appLogin, prefix);
  }
  const live = liveOf(promotions);
  const common = { config, promotions, defaultBranch: defaultSet };
  if (!live) return { version: { label: DEFAULT_BRANCH_LABEL, ...(defaultSet ? { sha: defaultSet.commit } : {}) }, set: defaultSet, ...common };
  const set = await readFlows(gh, repo, live.sha, cache);
  if (!set) throw new LiveUnknown(`the live release ${live.tag} is at ${live.sha}, which ${repo.owner}/${repo.name} no longer has`);
  return { version: { label: live.tag, tag: live.tag, sha: live.sha }, set, live, ...common };
}

function deploymentsOf(page: DeploymentPage | undefined): SeenDeployment[] {
  return (page?.nodes ?? []).flatMap((node) =>
    node.databaseId === null || !node.creator ? [] : [{ id: node.databaseId, sha: node.commitOid, createdAt: node.createdAt, creator: node.creator.login, creatorType: node.creator.__typename, payload: node.payload }],
  );
}
