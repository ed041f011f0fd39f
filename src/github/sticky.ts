/**
 * The one comment Flowgate keeps on a PR, found by its marker among the app's
 * own comments and edited in place; its id is remembered per PR.
 */
import type { GitHubCache } from './cache.js';
import { statusOf, type GitHubClient, type RepoRef } from './client.js';
import { STICKY_MARKER, stickyComment, type StickyRun } from './history.js';

interface Comment {
  id: number;
  body?: string;
  user: { login: string } | null;
}

export async function upsertSticky(gh: GitHubClient, repo: RepoRef, number: number, appLogin: string, runs: readonly StickyRun[], cache: GitHubCache): Promise<void> {
  const key = `${repo.owner}/${repo.name}#${number}`;
  const body = stickyComment(runs);
  let known = cache.sticky.get(key);
  if (known === undefined) {
    known = await findSticky(gh, repo, number, appLogin);
    if (known) cache.sticky.set(key, known);
  }
  if (known?.body === body) return;
  const write = async (): Promise<void> => {
    const { data } = await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: repo.owner, repo: repo.name, issue_number: number, body });
    cache.sticky.set(key, { id: (data as Comment).id, body });
  };
  if (known === undefined) return write();
  try {
    await gh.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner: repo.owner, repo: repo.name, comment_id: known.id, body });
    cache.sticky.set(key, { id: known.id, body });
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    // Someone deleted it: write it again.
    cache.sticky.delete(key);
    await write();
  }
}

/** The app's own comment that starts with the marker, if any. */
async function findSticky(gh: GitHubClient, repo: RepoRef, number: number, appLogin: string): Promise<{ id: number; body: string } | undefined> {
  for (let page = 1; page <= 30; page += 1) {
    const { data } = await gh.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: repo.owner, repo: repo.name, issue_number: number, per_page: 100, page });
    const comments = data as Comment[];
    const found = comments.find((comment) => comment.user?.login === appLogin && comment.body?.startsWith(STICKY_MARKER));
    if (found) return { id: found.id, body: found.body ?? '' };
    if (comments.length < 100) return undefined;
  }
  return undefined;
}
