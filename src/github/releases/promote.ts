/**
 * Promotion: the push of a release tag (`flows/v1.2.0`) makes its flows live
 * when they are valid, merged (on the default branch) and of a higher version
 * than live. A promotion is recorded where GitHub shows it: a deployment to the
 * `flowgate-live` environment with a success status, and a `Flowgate: release`
 * check run on the tagged commit with what changed. A refusal is a failing
 * `Flowgate: release` check run saying why, with the flows' errors annotated at
 * file:line; live does not change.
 *
 * Idempotent by observation, like effects/apply.ts: the deployment for this tag
 * and commit, its status and the check run are each looked for before they are
 * made, so a redelivered push or a second replica makes none twice. Promotions
 * of one repository run one at a time (the queue, and the lock across replicas).
 */
import type { GitHubCache } from '../facts/cache.js';
import { readFlows, type FlowSet } from '../facts/flow-source.js';
import type { GitHubClient, RepoRef } from '../client.js';
import { noLock, type Lock } from '../lock.js';
import { findCheck, writeAnnotatedCheck } from '../history/check-writer.js';
import { summaryOf, type Annotation, type SummaryOutput } from '../history/summary-check.js';
import { LIVE_ENVIRONMENT, type Promotion } from '../../release/versions.js';
import { judgeTag } from './judge.js';
import { DEFAULT_BRANCH_LABEL, readLiveFlows, type LiveFlows } from './live.js';
import { renderReleaseChanges } from './release-notes.js';
import type { Problem } from '../../flow/problem.js';

export const RELEASE_CHECK = 'Flowgate: release';
const releaseExternalId = (tag: string) => `flowgate-release:${tag}`.slice(0, 255);

export interface PromotionDeps {
  gh: GitHubClient;
  cache: GitHubCache;
  app: { id: number; login: string };
  now: () => number;
  log: (message: string) => void;
  /** Work on one key at a time in this process (handle.ts's PullRequestQueue). */
  queue: { run<T>(key: string, work: () => Promise<T>): Promise<T> };
  lock?: Lock;
}

export interface PromotionOutcome {
  skipped?: string;
  /** What was decided: promoted, already promoted (records completed), or refused (with why). */
  result?: 'promoted' | 'promoted-already' | 'refused';
  reasons?: string[];
  deploymentId?: number;
}

/** Handles the push of `tag` to the object `pushed` (a commit, or an annotated tag's object). */
export function promoteTag(deps: PromotionDeps, repo: RepoRef, defaultBranch: string, tag: string, pushed: string): Promise<PromotionOutcome> {
  const key = `${repo.owner}/${repo.name}#release`;
  return deps.queue.run(key, () => (deps.lock ?? noLock).hold(`release:${repo.owner}/${repo.name}`, 60_000, 8_000, () => promote(deps, repo, defaultBranch, tag, pushed)));
}

async function promote(deps: PromotionDeps, repo: RepoRef, defaultBranch: string, tag: string, pushed: string): Promise<PromotionOutcome> {
  const { gh } = deps;
  const live = await readLiveFlows(gh, repo, defaultBranch, deps.cache, { appLogin: deps.app.login });
  const prefix = live.config?.config.releases.tag_prefix ?? 'flows/v';
  if (!tag.startsWith(prefix)) return { skipped: `\`${tag}\` is not a release tag (the prefix is \`${prefix}\`)` };
  const sha = await commitOf(gh, repo, pushed);
  const judged = sha ? await judgeTag(gh, repo, defaultBranch, live, tag, sha, deps.cache) : undefined;
  if (!sha || !judged) return { skipped: `the tag's object ${pushed} is not a commit of ${repo.owner}/${repo.name}` };
  const { judgement, flows, problems } = judged;
  switch (judgement.kind) {
    case 'not-a-release':
      return { skipped: judgement.reason };
    case 'refused': {
      await ensureReleaseCheck(deps, repo, tag, sha, 'failure', async () => refusal(tag, sha, live, judgement.reasons, problems));
      deps.log(`release ${tag} at ${sha.slice(0, 7)} refused: ${judgement.reasons.join('; ')}`);
      return { result: 'refused', reasons: judgement.reasons };
    }
    case 'promoted-already': {
      // A redelivery, or an earlier attempt that stopped half-way: complete what is missing, make nothing twice.
      const { promotion } = judgement;
      const check = await ensureReleaseCheck(deps, repo, tag, sha, 'success', async () => {
        const before = promotion.previousSha ? await readFlows(gh, repo, promotion.previousSha, deps.cache) : undefined;
        return success(tag, flows, { label: promotion.previous ?? DEFAULT_BRANCH_LABEL, ...(before ? { set: before } : {}) }, promotion.deploymentId);
      });
      await ensureSuccessStatus(deps, repo, promotion, check.url);
      return { result: 'promoted-already', deploymentId: judgement.promotion.deploymentId };
    }
    case 'promote': {
      const previous = live.version.label;
      const previousSha = live.version.sha;
      const { data } = await gh.request('POST /repos/{owner}/{repo}/deployments', {
        owner: repo.owner,
        repo: repo.name,
        // The commit, not the tag: a tag moved in the meantime must not change what was checked.
        ref: sha,
        task: 'deploy:flows',
        environment: LIVE_ENVIRONMENT,
        auto_merge: false,
        required_contexts: [],
        // The version judged now: what is live is read from it, whatever the tag prefix becomes.
        payload: { tag, sha, version: judgement.version, previous, ...(previousSha ? { previous_sha: previousSha } : {}) },
        description: `Flowgate flows ${tag}`.slice(0, 140),
        transient_environment: false,
        production_environment: false,
        // Made twice after a lost answer, the newest of equal versions is live: the same commit either way.
        request: { retries: 0 },
      });
      const deployment = data as { id: number; sha: string };
      const promotion: Promotion = { tag, version: judgement.version, sha, previous, deploymentId: deployment.id, createdAt: new Date(deps.now()).toISOString() };
      const check = await ensureReleaseCheck(deps, repo, tag, sha, 'success', async () => success(tag, flows, { label: previous, ...(live.set ? { set: live.set } : {}) }, deployment.id));
      await ensureSuccessStatus(deps, repo, promotion, check.url);
      deps.log(`release ${tag} at ${sha.slice(0, 7)} promoted (deployment ${deployment.id}); it was ${previous}`);
      return { result: 'promoted', deploymentId: deployment.id };
    }
  }
}

/** The commit a pushed tag names: itself, or an annotated tag's target. */
async function commitOf(gh: GitHubClient, repo: RepoRef, oid: string): Promise<string | undefined> {
  const answer = await gh.graphql<{ repository: { object: { __typename: string; oid?: string; target?: { __typename: string; oid: string } } | null } | null }>(
    'query FlowgateTagTarget($owner: String!, $name: String!, $oid: GitObjectID!) { repository(owner: $owner, name: $name) { object(oid: $oid) { __typename ... on Commit { oid } ... on Tag { target { __typename oid } } } } }',
    { owner: repo.owner, name: repo.name, oid },
  );
  const object = answer.repository?.object;
  if (object?.__typename === 'Commit') return object.oid;
  if (object?.__typename === 'Tag' && object.target?.__typename === 'Commit') return object.target.oid;
  return undefined;
}

function version(set: FlowSet, label: string, tag?: string) {
  return { label, sha: set.commit, files: set.files, ...(tag ? { tag } : {}) };
}

function success(tag: string, flows: FlowSet, previous: { label: string; set?: FlowSet }, deploymentId: number): SummaryOutput {
  const sha = flows.commit;
  const was = previous.set ? `${previous.label} at ${previous.set.commit.slice(0, 7)}` : previous.label;
  const from = previous.set ?? { commit: '0000000', files: [] };
  const changes = renderReleaseChanges(version(from, previous.label, previous.label === DEFAULT_BRANCH_LABEL ? undefined : previous.label), version(flows, tag, tag));
  return {
    status: 'completed',
    conclusion: 'success',
    title: `${tag} is live`,
    summary: [
      `\`${tag}\` at ${sha} is live: new runs obey these flows. Runs already started keep the version they started on until they end.`,
      `Before it: ${was}. Recorded as deployment ${deploymentId} to the \`${LIVE_ENVIRONMENT}\` environment (the repository's Environments page lists every promotion).`,
      'Moving or deleting the tag later changes nothing: a promotion is bound to this commit.',
      '',
      '### What changed',
      changes,
    ].join('\n'),
    annotations: [],
  };
}

function refusal(tag: string, sha: string, live: LiveFlows, reasons: readonly string[], problems: readonly Problem[]): SummaryOutput {
  const annotations: Annotation[] = problems.length > 0 ? summaryOf([], { ref: tag, commit: sha, problems: [...problems] }).annotations : [];
  return {
    status: 'completed',
    conclusion: 'failure',
    title: `${tag} was not promoted: ${reasons[0] ?? ''}`.slice(0, 255),
    summary: [`\`${tag}\` at ${sha} was not promoted. Live stays ${live.version.label}${live.version.sha ? ` at ${live.version.sha.slice(0, 7)}` : ''}.`, '', ...reasons.map((reason) => `- ${reason}`)].join('\n'),
    annotations,
  };
}

/**
 * The tag's `Flowgate: release` check on its commit, written once per verdict: a redelivery finds it and writes
 * nothing; a tag refused and later promoted (pushed again once its commit was merged) turns the same check green.
 */
async function ensureReleaseCheck(deps: PromotionDeps, repo: RepoRef, tag: string, sha: string, want: 'success' | 'failure', make: () => Promise<SummaryOutput>): Promise<{ url?: string }> {
  const existing = await findCheck(deps.gh, repo, sha, { name: RELEASE_CHECK, external_id: releaseExternalId(tag), appId: deps.app.id });
  if (existing?.conclusion === want) return existing.html_url ? { url: existing.html_url } : {};
  const output = await make();
  await writeAnnotatedCheck(deps.gh, repo, { name: RELEASE_CHECK, external_id: releaseExternalId(tag), sha, output, now: deps.now(), ...(existing ? { found: existing } : {}) });
  return { url: existing?.html_url ?? `https://github.com/${repo.owner}/${repo.name}/commit/${sha}/checks` };
}

/** The success status people see on the Environments page; statuses by others do not count. */
async function ensureSuccessStatus(deps: PromotionDeps, repo: RepoRef, promotion: Promotion, logUrl: string | undefined): Promise<void> {
  const { data } = await deps.gh.request('GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', { owner: repo.owner, repo: repo.name, deployment_id: promotion.deploymentId, per_page: 100 });
  const mine = (data as { state: string; creator?: { login?: string } | null }[]).some((status) => status.state === 'success' && status.creator?.login?.toLowerCase() === deps.app.login.toLowerCase());
  if (mine) return;
  await deps.gh.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
    owner: repo.owner,
    repo: repo.name,
    deployment_id: promotion.deploymentId,
    state: 'success',
    environment: LIVE_ENVIRONMENT,
    description: `${promotion.tag} is live`.slice(0, 140),
    ...(logUrl ? { log_url: logUrl } : {}),
    auto_inactive: true,
  });
}
