/**
 * The one comment Flowgate keeps on a PR, found by its marker among the app's
 * own comments and edited in place; its id is remembered per PR.
 */
import type { GitHubClient, RepoRef } from './client.js';
import { STICKY_MARKER, stickyComment, type StickyRun } from './history.js';

const knownIds = new Map<string, number>();

interface Comment {
  id: number;
  body?: string;
  user: { login: string } | null;
}

export async function upsertSticky(gh: GitHubClient, repo: RepoRef, number: number, appLogin: string, runs: readonly StickyRun[]): Promise<void> {
  const key = `${repo.owner}/${repo.name}#${number}`;
  const body = stickyComment(runs);
  let id = knownIds.get(key);
  if (id === undefined) {
    for (let page = 1; page <= 30 && id === undefined; page += 1) {
      const { data } = await gh.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: repo.owner, repo: repo.name, issue_number: number, per_page: 100, page });
      const comments = data as Comment[];
      const found = comments.find((comment) => comment.user?.login === appLogin && comment.body?.startsWith(STICKY_MARKER));
      if (found) {
        if (found.body === body) {
          knownIds.set(key, found.id);
          return;
        }
        id = found.id;
      }
      if (comments.length < 100) break;
    }
  }
  if (id === undefined) {
    const { data } = await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: repo.owner, repo: repo.name, issue_number: number, body });
    knownIds.set(key, (data as Comment).id);
    return;
  }
  try {
    await gh.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner: repo.owner, repo: repo.name, comment_id: id, body });
    knownIds.set(key, id);
  } catch (error) {
    // Someone deleted it: forget it, and write a new one next time.
    knownIds.delete(key);
    throw error;
  }
}
