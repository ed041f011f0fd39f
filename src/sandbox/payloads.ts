/**
 * How the sandbox writes GitHub's objects: users, repositories, pull requests,
 * issues, comments, labels, check runs and the app, as webhooks carry them and
 * as REST answers them. REST shapes go through `shaped`, so they hold every
 * field GitHub's OpenAPI description requires.
 */
import type { SandboxContext } from './context.js';
import { shaped } from './openapi-shapes.js';
import type { CheckRun, IssueComment, PullRequest, Repository } from './state.js';

/** A user, as GitHub's `simple-user`. */
export function userPayload(ctx: SandboxContext, login: string) {
  const user = ctx.state.user(login);
  const api = `https://api.github.com/users/${encodeURIComponent(user.login)}`;
  return shaped('simple-user', {
    login: user.login,
    id: user.id,
    node_id: `U_${user.id}`,
    type: user.type,
    html_url: `https://github.com/${encodeURIComponent(user.login)}`,
    url: api,
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}`,
    gravatar_id: '',
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    site_admin: false,
  });
}

/** A repository as webhooks carry it. */
export function repoPayload(ctx: SandboxContext, repo: Repository) {
  return {
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    private: false,
    owner: userPayload(ctx, repo.owner),
    html_url: `https://github.com/${repo.owner}/${repo.name}`,
    default_branch: repo.defaultBranch,
  };
}

/** A fork of a repository, as a fork PR's `head.repo`. */
export function forkPayload(ctx: SandboxContext, repo: Repository, owner: string) {
  return { ...repoPayload(ctx, repo), id: repo.id + 1_000_000, node_id: `R_${repo.id + 1_000_000}`, full_name: `${owner}/${repo.name}`, owner: userPayload(ctx, owner), html_url: `https://github.com/${owner}/${repo.name}`, fork: true };
}

/** A pull request as webhooks carry it. */
export function pullPayload(ctx: SandboxContext, repo: Repository, pull: PullRequest) {
  return {
    id: pull.id,
    number: pull.number,
    html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}`,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    draft: pull.draft,
    merged: pull.merged,
    user: userPayload(ctx, pull.author),
    labels: pull.labels.map((name) => ({ name })),
    head: { ref: pull.head, sha: pull.headSha, repo: pull.headOwner ? forkPayload(ctx, repo, pull.headOwner) : repoPayload(ctx, repo) },
    base: { ref: pull.base, sha: pull.baseSha, repo: repoPayload(ctx, repo) },
    created_at: pull.createdAt,
    updated_at: ctx.clock.iso(),
  };
}

/** A pull request as REST answers it. */
export function pullObject(ctx: SandboxContext, repo: Repository, pull: PullRequest, component: 'pull-request' | 'pull-request-simple') {
  const api = `https://api.github.com/repos/${repo.owner}/${repo.name}`;
  return shaped(component, {
    id: pull.id,
    node_id: `PR_${pull.id}`,
    number: pull.number,
    url: `${api}/pulls/${pull.number}`,
    html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}`,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    user: userPayload(ctx, pull.author),
    labels: pull.labels.map((name) => labelPayload(ctx, repo, name)),
    draft: pull.draft,
    merged: pull.merged,
    created_at: pull.createdAt,
    updated_at: ctx.clock.iso(),
    head: { ref: pull.head, sha: pull.headSha, label: `${pull.headOwner ?? repo.owner}:${pull.head}`, user: userPayload(ctx, pull.headOwner ?? repo.owner) },
    base: { ref: pull.base, sha: pull.baseSha, label: `${repo.owner}:${pull.base}`, user: userPayload(ctx, repo.owner) },
    author_association: 'MEMBER',
  });
}

/** A pull request as `issue_comment` carries it: `pull_request` tells it from an issue. */
export function issuePayload(ctx: SandboxContext, repo: Repository, pull: PullRequest) {
  return { number: pull.number, title: pull.title, state: pull.state, user: userPayload(ctx, pull.author), pull_request: { url: `${ctx.url}/repos/${repo.owner}/${repo.name}/pulls/${pull.number}`, html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}` } };
}

/** An issue comment, as webhooks carry and REST answers it. */
export function commentPayload(ctx: SandboxContext, comment: IssueComment, repo?: Repository, number?: number) {
  const where = repo ? `${repo.owner}/${repo.name}` : 'unknown/unknown';
  return shaped('issue-comment', {
    id: comment.id,
    node_id: `IC_${comment.id}`,
    body: comment.body,
    user: userPayload(ctx, comment.user),
    created_at: comment.created_at,
    updated_at: comment.updated_at,
    url: `https://api.github.com/repos/${where}/issues/comments/${comment.id}`,
    html_url: `https://github.com/${where}/pull/${number ?? 0}#issuecomment-${comment.id}`,
    issue_url: `https://api.github.com/repos/${where}/issues/${number ?? 0}`,
    author_association: 'MEMBER',
  });
}

/** The app itself (`integration`), as its check runs name it. */
export function appPayload(ctx: SandboxContext) {
  const slug = ctx.appLogin.replace('[bot]', '');
  return shaped('integration', {
    id: ctx.appId,
    slug,
    node_id: `A_${ctx.appId}`,
    name: 'Flowgate',
    description: 'Approval flows for GitHub that live in git.',
    owner: userPayload(ctx, 'acme'),
    external_url: 'https://github.com/',
    html_url: `https://github.com/apps/${slug}`,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    permissions: { checks: 'write', contents: 'write', issues: 'write', pull_requests: 'write' },
    events: ['pull_request', 'pull_request_review', 'issue_comment', 'check_run'],
  });
}

/** A check run as REST answers it; webhooks use the same fields. */
export function checkRunPayload(ctx: SandboxContext, run: CheckRun & { repo?: string }, pulls: PullRequest[]) {
  const where = run.repo ?? 'unknown/unknown';
  return shaped('check-run', {
    id: run.id,
    node_id: `CR_${run.id}`,
    head_sha: run.head_sha,
    name: run.name,
    status: run.status,
    conclusion: run.conclusion,
    external_id: run.external_id,
    details_url: run.details_url,
    started_at: run.started_at,
    completed_at: run.completed_at,
    url: `https://api.github.com/repos/${where}/check-runs/${run.id}`,
    html_url: `https://github.com/${where}/runs/${run.id}`,
    check_suite: { id: run.id + 1_000_000 },
    output: { ...run.output, annotations_count: run.annotations?.length ?? 0, annotations_url: `https://api.github.com/repos/${where}/check-runs/${run.id}/annotations` },
    app: appPayload(ctx),
    pull_requests: pulls.map((pull) => ({ number: pull.number, id: pull.id, url: `https://api.github.com/repos/${where}/pulls/${pull.number}`, head: { ref: pull.head, sha: pull.headSha, repo: { id: 0, name: '', url: 'https://api.github.com/' } }, base: { ref: pull.base, sha: pull.baseSha, repo: { id: 0, name: '', url: 'https://api.github.com/' } } })),
  });
}

/** A label as REST answers it. */
export function labelPayload(ctx: SandboxContext, repo: Repository, name: string) {
  return shaped('label', { id: labelId(name), node_id: `L_${labelId(name)}`, name, url: `https://api.github.com/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`, description: null, color: 'ededed', default: false });
}

/** Every webhook to an App names its repository, its sender and the installation. */
export function envelope(ctx: SandboxContext, payload: Record<string, unknown>, repo: Repository, sender: string): Record<string, unknown> {
  return { ...payload, repository: repoPayload(ctx, repo), sender: userPayload(ctx, sender), installation: { id: repo.installationId } };
}

/** A stable id for a label name. */
function labelId(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_000_007;
  return hash;
}
