/**
 * The draft check (issue 10): a PR that changes anything under .github/flows/
 * (or .github/flowgate.yml) gets a `Flowgate: draft` check run on its head,
 * with the draft's problems annotated at file:line:col, the semantic diff
 * against live, and a dry run against this PR and the last N closed PRs.
 *
 * The draft is read at the PR's head and only read: no run starts from it and
 * no gate obeys it, here or on any PR (handle.ts reads flows from live only).
 * Whether a PR touches flows is known from the files its facts already hold,
 * so an ordinary PR costs no request here.
 */
import { compileFlow, type CompiledFlow } from '../../flow/compile.js';
import type { Problem } from '../../flow/problem.js';
import type { ChangedFile } from '../../engine/facts.js';
import { CONFIG_FILE, parseFlowgateConfig } from '../../release/config.js';
import type { DryRunCase, FlowVersion } from '../../release/contract.js';
import { diffFlowVersions } from '../../release/diff.js';
import { dryRun } from '../../release/dry-run.js';
import { DEFAULT_FLOWS_DIR } from '../../flow/flows-dir.js';
import type { GitHubClient, RepoRef } from '../client.js';
import type { GitHubCache } from '../facts/cache.js';
import { readFlows } from '../facts/flow-source.js';
import { gatherFacts, needsOf, type GatheredFacts } from '../facts/gather.js';
import { readLiveFlows, type LiveFlows } from './live.js';
import { caseOf, closedCases, covers } from './draft-cases.js';
import { findCheck, writeAnnotatedCheck } from '../history/check-writer.js';
import { draftOutput, type DraftOutput } from './draft-output.js';

export const DRAFT_CHECK = 'Flowgate: draft';
export const DRAFT_EXTERNAL_ID = 'flowgate-draft';
/** The PR events that bring a new head, or a PR back: each head gets its draft check once. */
export const DRAFT_ACTIONS: ReadonlySet<string> = new Set(['opened', 'synchronize', 'reopened']);

/** Whether a PR's changed files touch the flows or the settings. */
export function touchesFlows(files: readonly ChangedFile[]): boolean {
  return files.some((file) => file.path.startsWith(`${DEFAULT_FLOWS_DIR}/`) || file.path === CONFIG_FILE);
}

export interface DraftCheckDeps {
  gh: GitHubClient;
  cache: GitHubCache;
  app: { id: number; login?: string };
  /** False in the GitHub Action: the default branch is live (see HandlerDeps.releases). */
  releases?: boolean;
  now: () => number;
}

export interface DraftCheckInput {
  repo: RepoRef;
  number: number;
  defaultBranch: string;
  /** This PR's facts, as the event gathered them (for the live flows' needs). */
  gathered: GatheredFacts;
  /** When this PR's runs started (or the PR was opened): decisions before it do not count, as in the app. */
  startedAt: string;
  /** What is live, when the event has read it already: not asked again. */
  live?: LiveFlows;
}

export interface DraftCheckOutcome {
  skipped?: string;
  output?: DraftOutput;
  /** Requests this check spent, all told. */
  requests: number;
}

/** The draft's own settings, for their problems only: what the check costs is live policy (read with the live flows). */
const CONFIG_QUERY = /* GraphQL */ `
  query FlowgateDraftConfig($owner: String!, $name: String!, $draft: String!, $path: String!) {
    repository(owner: $owner, name: $name) {
      draft: object(expression: $draft) { ... on Commit { file(path: $path) { object { ... on Blob { text } } } } }
    }
  }
`;
type ConfigBlob = { file: { object: { text?: string | null } | null } | null } | null;
interface ConfigAnswer {
  repository: { draft: ConfigBlob } | null;
}

export async function draftCheck(deps: DraftCheckDeps, input: DraftCheckInput): Promise<DraftCheckOutcome> {
  const { repo, number, gathered } = input;
  const head = gathered.pr.head_sha;
  let requests = 0;
  const gh: GitHubClient = {
    graphql: (query, variables) => ((requests += 1), deps.gh.graphql(query, variables)),
    request: (route, params) => ((requests += 1), deps.gh.request(route, params)),
  };
  // A redelivered event, or a reopen on the same head, finds the finished check and makes no second one.
  const found = await findCheck(gh, repo, head, { name: DRAFT_CHECK, external_id: DRAFT_EXTERNAL_ID, appId: deps.app.id });
  if (found?.status === 'completed') return { skipped: 'the draft check is already on this head', requests };

  const draftSet = await readFlows(gh, repo, head, deps.cache);
  const live = input.live ?? (await readLiveFlows(gh, repo, input.defaultBranch, deps.cache, { appLogin: deps.app.login, releases: deps.releases !== false }));
  const configs = await gh.graphql<ConfigAnswer>(CONFIG_QUERY, { owner: repo.owner, name: repo.name, draft: head, path: CONFIG_FILE });
  // The number of PRs to dry-run is live policy (the default branch's settings): a draft cannot make its own check cost more.
  const { config } = live.config ?? parseFlowgateConfig(undefined);
  const draftConfig = parseFlowgateConfig(configs.repository?.draft?.file?.object?.text ?? undefined);

  const liveVersion: FlowVersion = { label: live.version.label, ...(live.version.tag ? { tag: live.version.tag } : {}), sha: live.set?.commit ?? live.version.sha ?? '', files: live.set?.files ?? [] };
  const draftVersion: FlowVersion = { label: `draft #${number}`, sha: draftSet?.commit ?? head, files: draftSet?.files ?? [] };
  const problems: Problem[] = [...draftVersion.files.flatMap((file) => file.problems), ...draftConfig.problems];

  const liveFlows = compiled(liveVersion);
  const needs = needsOf([...liveFlows, ...compiled(draftVersion)]);
  let own = gathered;
  if (!covers(needsOf(liveFlows), needs)) {
    own = await gatherFacts(gh, repo, number, needs, { cache: deps.cache, now: deps.now(), appId: deps.app.id, ...(deps.app.login ? { appLogin: deps.app.login } : {}), headSha: head });
  }
  const now = new Date(deps.now()).toISOString();
  const cases: DryRunCase[] = [caseOf(repo, own, input.startedAt, now)];
  const before = requests;
  const past = await closedCases(gh, repo, config.releases.dry_run_prs, number, needs, { cache: deps.cache, appId: deps.app.id, ...(deps.app.login ? { appLogin: deps.app.login } : {}), now: deps.now() });
  cases.push(...past.past);
  const pastRequests = requests - before;

  const output = draftOutput({
    problems,
    diff: diffFlowVersions(liveVersion, draftVersion),
    rows: dryRun(liveVersion, draftVersion, cases),
    cost: { requests: pastRequests, cached: past.cached, pastPrs: past.past.length },
  });
  // A check cut short (in progress) holds its first annotations, and says how many in its text: the same draft at the
  // same head gives them in the same order, and the writer sends only the rest, completing the check last.
  await writeAnnotatedCheck(gh, repo, {
    name: DRAFT_CHECK,
    external_id: DRAFT_EXTERNAL_ID,
    sha: head,
    output: { ...output, status: 'completed' },
    now: deps.now(),
    ...(found ? { found } : {}),
  });
  return { output, requests };
}

const compiled = (version: FlowVersion): CompiledFlow[] => version.files.flatMap((file) => (file.flow ? [compileFlow(file.flow)] : []));
