/**
 * How the sandbox writes release objects as GitHub does: git refs, a compare,
 * deployments, deployment statuses and environments as REST answers them, and
 * the `push` webhook a ref change sends.
 */
import type { SandboxContext } from './context.js';
import { shaped } from './openapi-shapes.js';
import { userPayload } from './payloads.js';
import type { DeploymentRecord, DeploymentStatusRecord, EnvironmentRecord, TagObjectRecord } from './release-state.js';
import type { Repository } from './state.js';

const api = (repo: Repository) => `https://api.github.com/repos/${repo.owner}/${repo.name}`;
const web = (repo: Repository) => `https://github.com/${repo.owner}/${repo.name}`;

/** A ref (`refs/tags/flows/v1.0.0`) as REST answers it. */
export function gitRefPayload(repo: Repository, ref: string, sha: string, type: 'commit' | 'tag' = 'commit') {
  return shaped('git-ref', { ref, node_id: `REF_${Buffer.from(ref).toString('base64url')}`, url: `${api(repo)}/git/${ref}`, object: { type, sha, url: `${api(repo)}/git/${type}s/${sha}` } });
}

/** An annotated tag's object, as `GET /git/tags/{tag_sha}` answers. */
export function gitTagPayload(repo: Repository, object: TagObjectRecord) {
  return shaped('git-tag', {
    node_id: `TAG_${object.oid.slice(0, 12)}`,
    tag: object.tag,
    sha: object.oid,
    url: `${api(repo)}/git/tags/${object.oid}`,
    message: object.message,
    tagger: { date: object.at, email: `${object.tagger}@users.noreply.github.com`, name: object.tagger },
    object: { sha: object.target, type: 'commit', url: `${api(repo)}/git/commits/${object.target}` },
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  });
}

/** A commit as a compare lists it. */
export function commitPayload(ctx: SandboxContext, repo: Repository, oid: string) {
  const commit = repo.commits.get(oid)!;
  const person = { name: commit.author, email: `${commit.author}@users.noreply.github.com`, date: commit.at };
  return shaped('commit', {
    url: `${api(repo)}/commits/${oid}`,
    sha: oid,
    node_id: `C_${oid.slice(0, 12)}`,
    html_url: `${web(repo)}/commit/${oid}`,
    comments_url: `${api(repo)}/commits/${oid}/comments`,
    commit: { url: `${api(repo)}/git/commits/${oid}`, author: person, committer: person, message: commit.message, comment_count: 0, tree: { sha: oid, url: `${api(repo)}/git/trees/${oid}` } },
    author: userPayload(ctx, commit.author),
    committer: userPayload(ctx, commit.author),
    parents: (commit.parent ? [commit.parent] : []).map((sha) => ({ sha, url: `${api(repo)}/commits/${sha}`, html_url: `${web(repo)}/commit/${sha}` })),
  });
}

export function deploymentPayload(ctx: SandboxContext, repo: Repository, deployment: DeploymentRecord) {
  return shaped('deployment', {
    id: deployment.id,
    node_id: `DE_${deployment.id}`,
    url: `${api(repo)}/deployments/${deployment.id}`,
    sha: deployment.sha,
    ref: deployment.ref,
    task: deployment.task,
    payload: deployment.payload,
    original_environment: deployment.environment,
    environment: deployment.environment,
    description: deployment.description,
    creator: userPayload(ctx, deployment.creator),
    created_at: deployment.created_at,
    updated_at: deployment.updated_at,
    statuses_url: `${api(repo)}/deployments/${deployment.id}/statuses`,
    repository_url: api(repo),
    transient_environment: deployment.transient_environment,
    production_environment: deployment.production_environment,
  });
}

export function deploymentStatusPayload(ctx: SandboxContext, repo: Repository, deployment: DeploymentRecord, status: DeploymentStatusRecord) {
  return shaped('deployment-status', {
    id: status.id,
    node_id: `DES_${status.id}`,
    state: status.state,
    creator: userPayload(ctx, status.creator),
    description: status.description,
    environment: status.environment,
    target_url: status.log_url,
    log_url: status.log_url,
    environment_url: status.environment_url,
    created_at: status.created_at,
    updated_at: status.created_at,
    deployment_url: `${api(repo)}/deployments/${deployment.id}`,
    repository_url: api(repo),
    url: `${api(repo)}/deployments/${deployment.id}/statuses/${status.id}`,
  });
}

export function environmentPayload(repo: Repository, environment: EnvironmentRecord) {
  return shaped('environment', {
    id: environment.id,
    node_id: `EN_${environment.id}`,
    name: environment.name,
    url: `${api(repo)}/environments/${encodeURIComponent(environment.name)}`,
    html_url: `${web(repo)}/deployments/activity_log?environments_filter=${encodeURIComponent(environment.name)}`,
    created_at: environment.created_at,
    updated_at: environment.updated_at,
    protection_rules: [],
    deployment_branch_policy: null,
  });
}

const ZERO = '0000000000000000000000000000000000000000';

/** The `push` webhook for a ref that was created, moved or deleted (`after` undefined), as GitHub sends it for a tag or a branch. */
export function pushPayload(ctx: SandboxContext, repo: Repository, ref: string, before: string | undefined, after: string | undefined, forced: boolean, by: string): Record<string, unknown> {
  const person = { name: by, email: `${by}@users.noreply.github.com` };
  // An annotated tag's push names the tag's object in `after`, and its commit in `head_commit`.
  const head = after ? repo.commits.get(ctx.state.releases.peel(repo, after)) : undefined;
  const headCommit = head
    ? { id: head.oid, tree_id: head.oid, distinct: true, message: head.message, timestamp: head.at, url: `${web(repo)}/commit/${head.oid}`, author: { name: head.author, email: `${head.author}@users.noreply.github.com` }, committer: { name: head.author, email: `${head.author}@users.noreply.github.com` }, added: [], removed: [], modified: [] }
    : null;
  return {
    ref,
    before: before ?? ZERO,
    after: after ?? ZERO,
    created: before === undefined,
    deleted: after === undefined,
    forced,
    base_ref: null,
    compare: `${web(repo)}/compare/${(before ?? ZERO).slice(0, 12)}...${(after ?? ZERO).slice(0, 12)}`,
    // A tag push lists no commits; a branch push lists those it added (the sandbox's pushes add one).
    commits: ref.startsWith('refs/heads/') && headCommit ? [headCommit] : [],
    head_commit: headCommit,
    pusher: person,
  };
}
