/**
 * What people (and other apps) do, scripted for the demo and the tests: open a
 * pull request, review, comment, label, push, complete or click a check run.
 * Each changes the sandbox's state, leaves its ground truth, and sends the
 * webhook GitHub would, waiting until it was delivered.
 */
import { addComment, addLabel, findPull, removeComment, removeLabel, witness } from './changes.js';
import type { SandboxContext } from './context.js';
import { checkRunPayload, commentPayload, issuePayload, pullPayload, userPayload } from './payloads.js';
import { NotFound, type Permission, type PullRequest, type Repository } from './state.js';

export interface NewPullRequest {
  author: string;
  title: string;
  body?: string;
  branch: string;
  changes: Record<string, string | null>;
  labels?: string[];
  draft?: boolean;
  /** The owner of the fork the PR comes from; unset, its branch is in the repository itself. */
  fork?: string;
}

export interface RepoAccess {
  permissions?: Record<string, Permission>;
  teams?: Record<string, string[]>;
}

export function createRepo(ctx: SandboxContext, fullName: string, files: Record<string, string>, options: RepoAccess): Repository {
  const [owner, name] = fullName.split('/') as [string, string];
  const repo = ctx.state.createRepo(owner, name, files);
  Object.assign(repo.permissions, options.permissions ?? {});
  for (const [team, members] of Object.entries(options.teams ?? {})) ctx.state.teams.set(team.toLowerCase(), members);
  return repo;
}

export async function openPullRequest(ctx: SandboxContext, fullName: string, pr: NewPullRequest): Promise<PullRequest> {
  const { state, clock } = ctx;
  const repo = state.repo(fullName);
  const base = repo.branches[repo.defaultBranch]!;
  clock.tick();
  const commit = state.commit(repo, pr.changes, base, pr.author, pr.title);
  repo.branches[pr.branch] = commit.oid;
  const number = [...state.pulls.keys()].filter((key) => key.startsWith(`${fullName.toLowerCase()}#`)).length + 1;
  const pull: PullRequest = {
    id: state.nextId(),
    number,
    title: pr.title,
    body: pr.body ?? '',
    author: pr.author,
    base: repo.defaultBranch,
    head: pr.branch,
    baseSha: base,
    headSha: commit.oid,
    draft: pr.draft ?? false,
    state: 'open',
    merged: false,
    labels: [...(pr.labels ?? [])],
    commits: [commit.oid],
    timeline: [{ __typename: 'PullRequestCommit', at: commit.at, commit: { oid: commit.oid, author: { user: { login: pr.author } }, committer: { user: { login: pr.author } } } }],
    comments: [],
    requestedReviewers: { users: [], teams: [] },
    createdAt: clock.iso(),
    ...(pr.fork ? { headOwner: pr.fork } : {}),
  };
  state.pulls.set(`${fullName.toLowerCase()}#${number}`, pull);
  await ctx.emit('pull_request', { action: 'opened', number, pull_request: pullPayload(ctx, repo, pull) }, repo, pr.author);
  return pull;
}

export async function review(ctx: SandboxContext, fullName: string, number: number, by: string, state: 'approved' | 'changes_requested' | 'commented', body: string): Promise<void> {
  const { repo, pull } = findPull(ctx, fullName, number);
  const at = ctx.clock.tick();
  const id = ctx.state.nextId();
  pull.timeline.push({ __typename: 'PullRequestReview', at, databaseId: id, state: state.toUpperCase(), submittedAt: at, body, author: { login: by }, commit: { oid: pull.headSha } });
  witness(ctx, 'review', repo, pull, by, state);
  // A review's pull_request is GitHub's "simple" form: it has no merged flag.
  const { merged: _merged, ...simple } = pullPayload(ctx, repo, pull);
  await ctx.emit('pull_request_review', { action: 'submitted', review: { id, state, body, commit_id: pull.headSha, user: userPayload(ctx, by), submitted_at: at }, pull_request: simple }, repo, by);
}

export async function comment(ctx: SandboxContext, fullName: string, number: number, by: string, body: string): Promise<void> {
  const { repo, pull } = findPull(ctx, fullName, number);
  const added = addComment(ctx, pull, by, body);
  witness(ctx, 'comment', repo, pull, by, body);
  await ctx.emit('issue_comment', { action: 'created', issue: issuePayload(ctx, repo, pull), comment: commentPayload(ctx, added, repo, pull.number) }, repo, by);
}

export async function editComment(ctx: SandboxContext, fullName: string, number: number, commentId: number, by: string, body: string): Promise<void> {
  const { repo, pull } = findPull(ctx, fullName, number);
  const edited = pull.comments.find((candidate) => candidate.id === commentId);
  if (!edited) throw new NotFound(`comment ${commentId}`);
  const from = edited.body;
  edited.body = body;
  edited.updated_at = ctx.clock.tick();
  const item = pull.timeline.find((entry) => entry.__typename === 'IssueComment' && entry.databaseId === commentId);
  if (item) Object.assign(item, { body, lastEditedAt: edited.updated_at });
  witness(ctx, 'comment-edit', repo, pull, by, body);
  await ctx.emit('issue_comment', { action: 'edited', changes: { body: { from } }, issue: issuePayload(ctx, repo, pull), comment: commentPayload(ctx, edited, repo, pull.number) }, repo, by);
}

export async function deleteComment(ctx: SandboxContext, fullName: string, number: number, commentId: number, by: string): Promise<void> {
  const { repo, pull } = findPull(ctx, fullName, number);
  const deleted = removeComment(pull, commentId);
  await ctx.emit('issue_comment', { action: 'deleted', issue: issuePayload(ctx, repo, pull), comment: commentPayload(ctx, deleted, repo, pull.number) }, repo, by);
}

export async function label(ctx: SandboxContext, fullName: string, number: number, by: string, name: string): Promise<void> {
  const { repo, pull } = findPull(ctx, fullName, number);
  if (pull.labels.includes(name)) return;
  addLabel(ctx, pull, by, name);
  witness(ctx, 'label', repo, pull, by, name);
  await ctx.emit('pull_request', { action: 'labeled', number, label: { name }, pull_request: pullPayload(ctx, repo, pull) }, repo, by);
}

export async function unlabel(ctx: SandboxContext, fullName: string, number: number, by: string, name: string): Promise<void> {
  const { repo, pull } = findPull(ctx, fullName, number);
  if (!pull.labels.includes(name)) return;
  removeLabel(ctx, pull, by, name);
  witness(ctx, 'unlabel', repo, pull, by, name);
  await ctx.emit('pull_request', { action: 'unlabeled', number, label: { name }, pull_request: pullPayload(ctx, repo, pull) }, repo, by);
}

export async function push(ctx: SandboxContext, fullName: string, number: number, by: string, changes: Record<string, string | null>): Promise<string> {
  const { repo, pull } = findPull(ctx, fullName, number);
  ctx.clock.tick();
  const before = pull.headSha;
  const commit = ctx.state.commit(repo, changes, before, by, `Update from ${by}`);
  repo.branches[pull.head] = commit.oid;
  pull.headSha = commit.oid;
  pull.commits.push(commit.oid);
  pull.timeline.push({ __typename: 'PullRequestCommit', at: commit.at, commit: { oid: commit.oid, author: { user: { login: by } }, committer: { user: { login: by } } } });
  witness(ctx, 'push', repo, pull, by, commit.oid);
  await ctx.emit('pull_request', { action: 'synchronize', number, before, after: commit.oid, pull_request: pullPayload(ctx, repo, pull) }, repo, by);
  return commit.oid;
}

export async function completeCheckRun(ctx: SandboxContext, fullName: string, sha: string, name: string, conclusion: string, appId: number): Promise<void> {
  const repo = ctx.state.repo(fullName);
  const id = ctx.state.nextId();
  const at = ctx.clock.tick();
  const run = { id, repo: `${repo.owner}/${repo.name}`.toLowerCase(), app_id: appId, name, head_sha: sha, status: 'completed', conclusion, external_id: null, details_url: null, started_at: at, completed_at: at, output: { title: name, summary: '', text: null }, actions: [] };
  ctx.state.checkRuns.set(id, run);
  await ctx.emit('check_run', { action: 'completed', check_run: { ...checkRunPayload(ctx, run, openPullsAt(ctx, sha)), app: { id: appId, slug: 'ci' } } }, repo, 'ci[bot]');
}

export async function clickButton(ctx: SandboxContext, fullName: string, checkRunId: number, by: string, identifier: string): Promise<void> {
  const run = ctx.state.checkRuns.get(checkRunId);
  if (!run) throw new NotFound(`check run ${checkRunId}`);
  const repo = ctx.state.repo(fullName);
  const pulls = openPullsAt(ctx, run.head_sha);
  for (const pull of pulls) witness(ctx, 'button', repo, pull, by, identifier);
  await ctx.emit('check_run', { action: 'requested_action', check_run: checkRunPayload(ctx, run, pulls), requested_action: { identifier } }, repo, by);
}

export async function dispatch(ctx: SandboxContext, fullName: string, by: string, eventType: string, clientPayload: Record<string, unknown>): Promise<void> {
  const repo = ctx.state.repo(fullName);
  await ctx.emit('repository_dispatch', { action: eventType, branch: repo.defaultBranch, client_payload: clientPayload }, repo, by);
}

/** The open pull requests whose head is this commit: those a check run on it names. */
function openPullsAt(ctx: SandboxContext, sha: string): PullRequest[] {
  return [...ctx.state.pulls.values()].filter((pull) => pull.headSha === sha && pull.state === 'open');
}
