/**
 * Commits: GitHub's three-dot compare of two commits (`base...head`), with the
 * files `head` changed since the merge base and how the two stand, from the
 * sandbox's commit graph.
 */
import { createHash } from 'node:crypto';
import { compareCommits, parentsOf } from '../commit-graph.js';
import type { SandboxContext } from '../context.js';
import { shaped } from '../openapi-shapes.js';
import type { Route } from '../router.js';
import { NotFound, type Commit, type Repository } from '../state.js';
import { repoOf } from './params.js';

export function commitRoutes(ctx: SandboxContext): Route[] {
  return [
    [
      'GET',
      '/repos/{owner}/{repo}/compare/{basehead}',
      (params) => {
        const repo = repoOf(ctx, params);
        const [from, to] = params.basehead!.split('...');
        const base = from === undefined ? undefined : ctx.state.resolve(repo, from);
        const head = to === undefined ? undefined : ctx.state.resolve(repo, to);
        if (!base || !head) throw new NotFound(`commit ${params.basehead}`);
        const comparison = compareCommits(repo, base, head);
        if (!comparison) throw new NotFound(`no common ancestor in ${params.basehead}`);
        const url = `${ctx.url}/repos/${repo.owner}/${repo.name}`;
        return {
          status: 200,
          body: shaped('commit-comparison', {
            url: `${url}/compare/${params.basehead}`,
            html_url: `https://github.com/${repo.owner}/${repo.name}/compare/${params.basehead}`,
            base_commit: commitObject(ctx, repo, base),
            merge_base_commit: commitObject(ctx, repo, comparison.mergeBase),
            status: comparison.status,
            ahead_by: comparison.aheadBy,
            behind_by: comparison.behindBy,
            total_commits: comparison.commits.length,
            commits: comparison.commits.slice(0, 1).map((commit) => commitObject(ctx, repo, commit)),
            files: comparison.files.map((file) => ({
              sha: head.tree[file.path] !== undefined ? blobSha(head.tree[file.path]!) : null,
              filename: file.path,
              status: base.tree[file.path] === undefined && comparison.mergeBase.tree[file.path] === undefined ? 'added' : head.tree[file.path] === undefined ? 'removed' : 'modified',
              additions: file.additions,
              deletions: file.deletions,
              changes: file.additions + file.deletions,
              blob_url: `https://github.com/${repo.owner}/${repo.name}/blob/${head.oid}/${file.path}`,
              raw_url: `https://github.com/${repo.owner}/${repo.name}/raw/${head.oid}/${file.path}`,
              contents_url: `${url}/contents/${file.path}?ref=${head.oid}`,
            })),
          }),
        };
      },
    ],
  ];
}

/** Git's own id of a file's content. */
const blobSha = (text: string): string => createHash('sha1').update(`blob ${Buffer.byteLength(text)}\0${text}`).digest('hex');

function commitObject(ctx: SandboxContext, repo: Repository, commit: Commit) {
  const url = `${ctx.url}/repos/${repo.owner}/${repo.name}`;
  const person = { name: commit.author, email: `${commit.author}@users.noreply.github.com`, date: commit.at };
  return shaped('commit', {
    url: `${url}/commits/${commit.oid}`,
    sha: commit.oid,
    node_id: `C_${commit.oid.slice(0, 12)}`,
    html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${commit.oid}`,
    comments_url: `${url}/commits/${commit.oid}/comments`,
    commit: { url: `${url}/git/commits/${commit.oid}`, author: person, committer: person, message: commit.message, comment_count: 0, tree: { sha: commit.oid, url: `${url}/git/trees/${commit.oid}` } },
    author: null,
    committer: null,
    parents: parentsOf(commit).map((sha) => ({ sha, url: `${url}/commits/${sha}`, html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${sha}` })),
  });
}
