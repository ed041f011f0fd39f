/**
 * What people do with releases, scripted for the demo and the tests: push to
 * the default branch, push, move or delete a tag (each sending GitHub's `push`
 * webhook and waiting until it was delivered), and make a deployment with
 * their own token (which GitHub allows anyone with write access).
 */
import { createHash } from 'node:crypto';
import type { SandboxContext } from './context.js';
import { addDeployment, changeRef } from './release-changes.js';
import type { DeploymentRecord } from './release-state.js';
import type { Repository } from './state.js';

/** A commit on the default branch with these changes, pushed by `by`; returns its SHA. */
export async function pushToDefault(ctx: SandboxContext, fullName: string, by: string, changes: Record<string, string | null>, message = `Update from ${by}`): Promise<string> {
  const repo = ctx.state.repo(fullName);
  ctx.clock.tick();
  const commit = ctx.state.commit(repo, changes, repo.branches[repo.defaultBranch], by, message);
  const payload = changeRef(ctx, repo, `refs/heads/${repo.defaultBranch}`, commit.oid, by);
  await ctx.emit('push', payload, repo, by);
  return commit.oid;
}

/**
 * Creates the tag, or moves it (a forced push) when it exists. With `annotated`, the tag is `git tag -a`'s: the ref
 * points at a tag object (with that message) whose target is the commit, and the push's `after` names the object.
 */
export async function pushTag(ctx: SandboxContext, fullName: string, tag: string, sha: string, by: string, annotated?: { message: string }): Promise<void> {
  const repo = ctx.state.repo(fullName);
  const exists = ctx.state.releases.tag(repo, tag) !== undefined;
  const object = annotated ? tagObject(ctx, repo, tag, sha, by, annotated.message) : sha;
  const payload = changeRef(ctx, repo, `refs/tags/${tag}`, object, by, { create: !exists, force: true });
  await ctx.emit('push', payload, repo, by);
}

function tagObject(ctx: SandboxContext, repo: Repository, tag: string, target: string, tagger: string, message: string): string {
  if (!repo.commits.has(target)) throw new Error(`${target} is not a commit of ${repo.owner}/${repo.name}`);
  const at = ctx.clock.iso();
  const oid = createHash('sha1').update(JSON.stringify(['tag', repo.owner, repo.name, tag, target, tagger, message, at, ctx.state.nextId()])).digest('hex');
  return ctx.state.releases.addTagObject(repo, { oid, tag, target, message, tagger, at }).oid;
}

export async function deleteTag(ctx: SandboxContext, fullName: string, tag: string, by: string): Promise<void> {
  const repo = ctx.state.repo(fullName);
  const payload = changeRef(ctx, repo, `refs/tags/${tag}`, undefined, by);
  await ctx.emit('push', payload, repo, by);
}

/** A deployment made by a person, with whatever payload they choose. */
export function deployAs(ctx: SandboxContext, fullName: string, by: string, body: Record<string, unknown>): DeploymentRecord {
  return addDeployment(ctx, ctx.state.repo(fullName), by, body);
}
