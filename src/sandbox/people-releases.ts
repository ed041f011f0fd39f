/**
 * What people do with releases, scripted for the demo and the tests: push to
 * the default branch, push, move or delete a tag (each sending GitHub's `push`
 * webhook and waiting until it was delivered), and make a deployment with
 * their own token (which GitHub allows anyone with write access).
 */
import type { SandboxContext } from './context.js';
import { addDeployment, changeRef } from './release-changes.js';
import type { DeploymentRecord } from './release-state.js';

/** A commit on the default branch with these changes, pushed by `by`; returns its SHA. */
export async function pushToDefault(ctx: SandboxContext, fullName: string, by: string, changes: Record<string, string | null>, message = `Update from ${by}`): Promise<string> {
  const repo = ctx.state.repo(fullName);
  ctx.clock.tick();
  const commit = ctx.state.commit(repo, changes, repo.branches[repo.defaultBranch], by, message);
  const payload = changeRef(ctx, repo, `refs/heads/${repo.defaultBranch}`, commit.oid, by);
  await ctx.emit('push', payload, repo, by);
  return commit.oid;
}

/** Creates the tag, or moves it (a forced push) when it exists. */
export async function pushTag(ctx: SandboxContext, fullName: string, tag: string, sha: string, by: string): Promise<void> {
  const repo = ctx.state.repo(fullName);
  const exists = ctx.state.releases.tag(repo, tag) !== undefined;
  const payload = changeRef(ctx, repo, `refs/tags/${tag}`, sha, by, { create: !exists, force: true });
  await ctx.emit('push', payload, repo, by);
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
