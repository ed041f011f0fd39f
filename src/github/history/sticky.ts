/**
 * The one comment Flowgate keeps on a PR, edited in place. It is the app's own
 * comment (by its login) that opens with the sticky marker on a line of its own.
 * No other comment of the app can open so: an effect's comment opens with its
 * effect marker, and text rendered into comments cannot make a marker (see
 * markers.ts). A PR title that starts with the marker, rendered into a
 * gate message, once made the app take that message for the sticky and overwrite it.
 *
 * Writing it is safe to repeat: the app's comments are read with the facts, a
 * POST is never retried by Octokit, and if a lost answer still left two, the
 * oldest is kept and the others deleted.
 */
import type { GitHubCache } from '../facts/cache.js';
import { statusOf, type GitHubClient, type RepoRef } from '../client.js';
import type { AppComment } from './markers.js';
import { STICKY_MARKER, stickyComment, type StickyRun } from './render.js';

interface Comment {
  id: number;
  body?: string;
  user: { login: string } | null;
}

export const isSticky = (body: string): boolean => body.startsWith(`${STICKY_MARKER}\n`);

/**
 * Writes the sticky comment when its text changed. With `appComments` (the app's
 * comments as the facts query read them) it is found there; without, by listing
 * the PR's comments once and remembering its id.
 */
export async function upsertSticky(
  gh: GitHubClient,
  repo: RepoRef,
  number: number,
  appLogin: string,
  runs: readonly StickyRun[],
  cache: GitHubCache,
  appComments?: readonly AppComment[],
): Promise<void> {
  const key = `${repo.owner}/${repo.name}#${number}`;
  const body = stickyComment(runs);
  let known = appComments ? undefined : cache.sticky.get(key);
  if (known === undefined) {
    known = await keepOldest(gh, repo, appComments ? appComments.filter((comment) => isSticky(comment.body)) : await listStickies(gh, repo, number, appLogin));
    if (known) cache.sticky.set(key, known);
  }
  if (known?.body === body) return;
  const write = async (): Promise<void> => {
    const { data } = await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: repo.owner, repo: repo.name, issue_number: number, body, request: { retries: 0 } });
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

/** The oldest sticky stays; any other (a create whose answer was lost, then made again) is deleted. */
async function keepOldest(gh: GitHubClient, repo: RepoRef, stickies: readonly AppComment[]): Promise<AppComment | undefined> {
  const [oldest, ...others] = [...stickies].sort((a, b) => a.id - b.id);
  for (const other of others) {
    await gh.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner: repo.owner, repo: repo.name, comment_id: other.id }).catch((error: unknown) => {
      if (statusOf(error) !== 404) throw error;
    });
  }
  return oldest;
}

/** The app's own comments that are sticky comments, from the REST listing. */
async function listStickies(gh: GitHubClient, repo: RepoRef, number: number, appLogin: string): Promise<AppComment[]> {
  const found: AppComment[] = [];
  for (let page = 1; page <= 30; page += 1) {
    const { data } = await gh.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: repo.owner, repo: repo.name, issue_number: number, per_page: 100, page });
    const comments = data as Comment[];
    for (const comment of comments) if (comment.user?.login === appLogin && isSticky(comment.body ?? '')) found.push({ id: comment.id, body: comment.body ?? '' });
    if (comments.length < 100) break;
  }
  return found;
}
