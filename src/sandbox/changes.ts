/**
 * Changes to a pull request that both people and the app make (a comment, a
 * label set or removed, a deleted comment), kept in one place so the two write the comment
 * list, the labels and the timeline alike; and the ground truth people leave.
 */
import type { SandboxContext } from './context.js';
import type { ActionKind } from './ground-truth.js';
import { NotFound, type IssueComment, type PullRequest, type Repository } from './state.js';

export function findPull(ctx: SandboxContext, fullName: string, number: number): { repo: Repository; pull: PullRequest } {
  return { repo: ctx.state.repo(fullName), pull: ctx.state.pull(fullName, number) };
}

export function addComment(ctx: SandboxContext, pull: PullRequest, by: string, body: string): IssueComment {
  const at = ctx.clock.tick();
  const comment = { id: ctx.state.nextId(), body, user: by, created_at: at, updated_at: at };
  pull.comments.push(comment);
  pull.timeline.push({ __typename: 'IssueComment', at, databaseId: comment.id, createdAt: at, body, author: { login: by } });
  return comment;
}

/** A deleted comment leaves the timeline too, as on GitHub. */
export function removeComment(pull: PullRequest, commentId: number): IssueComment {
  const comment = pull.comments.find((candidate) => candidate.id === commentId);
  if (!comment) throw new NotFound(`comment ${commentId}`);
  pull.comments = pull.comments.filter((candidate) => candidate !== comment);
  pull.timeline = pull.timeline.filter((entry) => !(entry.__typename === 'IssueComment' && entry.databaseId === commentId));
  return comment;
}

export function addLabel(ctx: SandboxContext, pull: PullRequest, by: string, name: string): void {
  pull.labels.push(name);
  pull.timeline.push({ __typename: 'LabeledEvent', at: ctx.clock.tick(), createdAt: ctx.clock.iso(), actor: { login: by }, label: { name } });
}

export function removeLabel(ctx: SandboxContext, pull: PullRequest, by: string, name: string): void {
  pull.labels = pull.labels.filter((label) => label !== name);
  pull.timeline.push({ __typename: 'UnlabeledEvent', at: ctx.clock.tick(), createdAt: ctx.clock.iso(), actor: { login: by }, label: { name } });
}

/** Ground truth: a person's action on a PR, with the head it was made on. */
export function witness(ctx: SandboxContext, kind: ActionKind, repo: Repository, pull: PullRequest, actor: string, detail: string): void {
  ctx.truth.action({ kind, repo: `${repo.owner}/${repo.name}`.toLowerCase(), number: pull.number, actor, head: pull.headSha, at: ctx.clock.iso(), detail });
}
