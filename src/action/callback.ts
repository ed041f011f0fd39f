/**
 * A callback sent as a repository_dispatch. Its run is in the group of the PR
 * its `client_payload.pr` names, or, without `pr`, in a group of its own, where
 * it must not complete the callback (pr-group.ts). So:
 * - the token is verified first (signature, expiry, repository): nothing the
 *   payload claims is believed before that;
 * - without `pr`: the same callback (same token, same result) is sent again with
 *   the token's PR as `pr`, and not completed here. The token is used once, when
 *   the copy is completed in the PR's group; a copy sent again is refused there
 *   as any replay is (409);
 * - with `pr`: it must be the token's PR, or this run is in another PR's group,
 *   and it is refused, saying so.
 */
import { completeCallback, type HandlerDeps, type Outcome } from '../github/handle.js';
import { CallbackBody, verifyToken } from '../github/callbacks/token.js';
import type { RepoRef } from '../github/client.js';
import { CALLBACK_EVENT_TYPE } from './event.js';
import { sendToGroup, type Forwarded } from './pr-group.js';

export async function routeCallback(deps: HandlerDeps, body: unknown, pr: number | undefined, repo: RepoRef): Promise<Outcome & { forwarded?: Forwarded[] }> {
  const complete = (callback: unknown) => completeCallback({ ...deps, clientFor: async () => deps.gh }, callback, repo);
  const parsed = CallbackBody.safeParse(body);
  const verified = parsed.success && deps.callbacks ? verifyToken(parsed.data.token, deps.callbacks.secret, deps.now()) : undefined;
  // Malformed, forged, expired, or for another repository: refused as ever, before any PR is read.
  if (!parsed.success || !verified?.ok || verified.claims.repo.toLowerCase() !== `${repo.owner}/${repo.name}`.toLowerCase()) return complete(body);
  const { claims } = verified;
  if (!(Number.isSafeInteger(claims.pr) && claims.pr > 0)) return { runs: [], callback: { status: 400, error: `the token names no pull request (pr ${claims.pr}): it cannot resume a run` } };
  if (pr === undefined) {
    await sendToGroup(deps.gh, repo, CALLBACK_EVENT_TYPE, { ...parsed.data, pr: claims.pr });
    return { runs: [], forwarded: [{ pr: claims.pr, eventType: CALLBACK_EVENT_TYPE, reason: 'callback' }] };
  }
  if (pr !== claims.pr) {
    return { runs: [], callback: { status: 403, error: `client_payload.pr is ${pr}, but the token is for #${claims.pr}: send pr ${claims.pr} (or no pr), so the callback runs in its own pull request's group` } };
  }
  return complete(parsed.data);
}
