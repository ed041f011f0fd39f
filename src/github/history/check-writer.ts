/**
 * The one writer of the app's annotated checks (`Flowgate`, `Flowgate: policy`,
 * `Flowgate: release`, `Flowgate: draft`). GitHub takes 50 annotations a request
 * and appends each batch to those the check holds, so a batch sent twice shows
 * twice: a PATCH whose answer was lost (applied, then a 500 or a timeout) must not
 * be sent again blindly, by the transport or by a redelivered event.
 *
 * So each write carries, in the same request as its batch, a marker in the check's
 * text saying which annotations (a digest of the whole list) and how many of them
 * the check now holds. A batch is never retried after a 5xx or a timeout: the event fails,
 * and its redelivery reads the check back and sends only what the marker says is
 * missing. Only the last write completes the check and carries the caller's text
 * (the summary's digest): a check cut short stays in progress, never passing or
 * failing on half its annotations. A rate limit is still waited out (GitHub
 * applied nothing), by the transport's throttle.
 */
import { createHash } from 'node:crypto';
import type { GitHubClient, RepoRef } from '../client.js';

/** GitHub takes at most 50 annotations per request; further ones go in more PATCHes. */
export const ANNOTATIONS_PER_REQUEST = 50;
const PROGRESS = /<!-- flowgate:annotations ([\w-]+) (\d+) -->/;

export interface CheckOutput<A> {
  status: 'in_progress' | 'completed';
  conclusion?: string;
  title: string;
  summary: string;
  annotations: readonly A[];
}

export interface CheckWrite<A> {
  name: string;
  external_id: string;
  sha: string;
  output: CheckOutput<A>;
  /** What the finished check's text holds for its caller (written with the last batch only). */
  text?: string;
  now: number;
  /** The check already there, written in place; its text says how many of these annotations it holds. */
  found?: { id: number; text?: string | null };
}

/** Creates or updates a check, its annotations 50 a request; returns the requests it made and the check's id. */
export async function writeAnnotatedCheck<A>(gh: GitHubClient, repo: RepoRef, check: CheckWrite<A>): Promise<{ requests: number; id: number }> {
  const { output } = check;
  const digest = output.annotations.length > 0 ? annotationsDigest(output.annotations) : undefined;
  const held = PROGRESS.exec(check.found?.text ?? '');
  const sent = digest !== undefined && held?.[1] === digest ? Math.min(Number(held[2]), output.annotations.length) : 0;
  const batches: (readonly A[])[] = [];
  for (let index = sent; index < output.annotations.length; index += ANNOTATIONS_PER_REQUEST) batches.push(output.annotations.slice(index, index + ANNOTATIONS_PER_REQUEST));
  if (batches.length === 0) batches.push([]);

  let id = check.found?.id;
  let landed = sent;
  for (const [index, batch] of batches.entries()) {
    const last = index === batches.length - 1;
    landed += batch.length;
    const progress = digest !== undefined ? `<!-- flowgate:annotations ${digest} ${landed} -->` : undefined;
    const text = last ? [check.text, progress].filter((part) => part !== undefined).join('\n') : progress;
    const body = {
      owner: repo.owner,
      repo: repo.name,
      name: check.name,
      external_id: check.external_id,
      ...(last ? { status: output.status, ...(output.conclusion ? { conclusion: output.conclusion, completed_at: new Date(check.now).toISOString() } : {}) } : { status: 'in_progress' }),
      output: { title: output.title.slice(0, 255), summary: output.summary.slice(0, 65_000), ...(text !== undefined ? { text } : {}), ...(batch.length > 0 ? { annotations: batch } : {}) },
      actions: [],
      // A 5xx or a timeout may come after GitHub applied the batch: the event fails and its redelivery resumes instead.
      // A write without annotations sets the same state however often it lands, and may be retried.
      ...(batch.length > 0 ? { request: { retries: 0 } } : {}),
    };
    if (id === undefined) {
      // A create retried after a lost answer would make a second check; the redelivery finds the first and goes on in it.
      const { data } = await gh.request('POST /repos/{owner}/{repo}/check-runs', { ...body, head_sha: check.sha });
      id = (data as { id: number }).id;
    } else {
      await gh.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { ...body, check_run_id: id });
    }
  }
  return { requests: batches.length, id: id! };
}

/** The app's check of a name and external id on a commit, as `findCheck` reads it: enough to skip it, or to go on in it. */
export interface FoundCheck {
  id: number;
  status: string;
  conclusion?: string | null;
  html_url?: string | null;
  /** Its text, with the writer's marker of the annotations it holds. */
  text: string | null;
}

/**
 * The app's check of this name and external id on `sha`, if it made one: a finished one first (a redelivery finds it
 * and need write nothing), else one cut short, for the writer to go on in.
 */
export async function findCheck(gh: GitHubClient, repo: RepoRef, sha: string, check: { name: string; external_id: string; appId: number }): Promise<FoundCheck | undefined> {
  const { data } = await gh.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', { owner: repo.owner, repo: repo.name, ref: sha, check_name: check.name, app_id: check.appId, filter: 'all' });
  type Listed = { id: number; name: string; status: string; conclusion?: string | null; external_id?: string | null; html_url?: string | null; output?: { text?: string | null } };
  const mine = ((data as { check_runs?: Listed[] }).check_runs ?? []).filter((run) => run.name === check.name && run.external_id === check.external_id);
  const chosen = mine.find((run) => run.status === 'completed') ?? mine[0];
  return chosen && { id: chosen.id, status: chosen.status, conclusion: chosen.conclusion ?? null, html_url: chosen.html_url ?? null, text: chosen.output?.text ?? null };
}

function annotationsDigest(annotations: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(annotations)).digest('base64url').slice(0, 22);
}
