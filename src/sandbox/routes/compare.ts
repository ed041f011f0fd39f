/**
 * Compare two commits (`base...head`, each a branch, tag or SHA): the status
 * GitHub gives (identical, ahead, behind, diverged) from the sandbox's commit
 * graph, with the commits the head has that the base has not.
 */
import type { SandboxContext } from '../context.js';
import { commitPayload } from '../release-payloads.js';
import { compareCommits } from '../release-state.js';
import type { Route } from '../router.js';
import { NotFound } from '../state.js';
import { repoOf } from './params.js';
import { withRefPath } from './git-refs.js';

export function compareRoutes(ctx: SandboxContext): Route[] {
  return withRefPath('GET', '/repos/{owner}/{repo}/compare', (basehead, params) => {
    const repo = repoOf(ctx, params);
    const [baseName, headName] = basehead.split('...') as [string, string | undefined];
    const base = ctx.state.resolve(repo, baseName);
    const head = headName === undefined ? undefined : ctx.state.resolve(repo, headName);
    if (!base || !head) throw new NotFound(`commit ${!base ? baseName : headName}`);
    const { status, ahead, behind, mergeBase } = compareCommits(repo, base.oid, head.oid);
    const web = `https://github.com/${repo.owner}/${repo.name}`;
    return {
      status: 200,
      body: {
        url: `https://api.github.com/repos/${repo.owner}/${repo.name}/compare/${basehead}`,
        html_url: `${web}/compare/${basehead}`,
        permalink_url: `${web}/compare/${base.oid}...${head.oid}`,
        diff_url: `${web}/compare/${basehead}.diff`,
        patch_url: `${web}/compare/${basehead}.patch`,
        base_commit: commitPayload(ctx, repo, base.oid),
        merge_base_commit: commitPayload(ctx, repo, mergeBase ?? base.oid),
        status,
        ahead_by: ahead.length,
        behind_by: behind.length,
        total_commits: ahead.length,
        // Oldest first, as GitHub lists them, and at most 250.
        commits: [...ahead].reverse().slice(0, 250).map((oid) => commitPayload(ctx, repo, oid)),
        files: [],
      },
    };
  });
}
