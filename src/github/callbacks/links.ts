/**
 * The links a run hands out: a callback link for a wait, and Approve and Decline
 * links for a chat message about a gate. Each carries a signed token (token.ts)
 * bound to the run, step and attempt; the callback route takes them back. With no
 * route (the Action without `callback-url`), a wait's "link" is the `gh api` line
 * that sends its token back as a repository_dispatch, and a chat message has none.
 */
import type { EvaluateOptions } from '../../engine/evaluate.js';
import type { RepoRef } from '../client.js';
import type { DecisionLinks } from '../effects/requests.js';
import { signToken } from './token.js';

/** Where the app's callback route is reachable, and the secret tokens are signed with. */
export interface CallbackConfig {
  /**
   * Unset in the GitHub Action without `callback-url`: there is no route to link to. A callback
   * then goes back as a repository_dispatch, and what a flow renders as its link says how.
   */
  publicUrl?: string | undefined;
  secret: string;
}

/**
 * How to send a callback where there is no route to POST to: the `gh api` line of a
 * repository_dispatch of type flowgate-callback to this repository, with the PR's number
 * (so it runs in that PR's group) and the token, reporting success (a sender changes
 * `result` or adds fields as docs/callbacks.md says).
 */
export function dispatchLine(repo: RepoRef, number: number, token: string): string {
  return `gh api repos/${repo.owner}/${repo.name}/dispatches -f event_type=flowgate-callback -F 'client_payload[pr]=${number}' -f 'client_payload[token]=${token}' -f 'client_payload[result]=success'`;
}

interface CallbackDeps {
  callbacks?: CallbackConfig | undefined;
  now: () => number;
}

const DAY_MS = 24 * 3600 * 1000;
export const CALLBACK_PATH = '/flowgate/callback';

/**
 * The signer the engine renders callback links with; absent when callbacks are not
 * configured. A token is valid from when its link was rendered until a day after
 * the wait's timeout (a week and a day without one).
 */
export function evaluateOptions(deps: CallbackDeps, repo: RepoRef, number: number, installation: number | undefined): EvaluateOptions & { decisionLinks?: DecisionLinks } {
  const config = deps.callbacks;
  if (!config || installation === undefined) return {};
  const sign = (run: string, step: string, attempt: number, exp: number, connection?: string) =>
    signToken({ v: 1, repo: `${repo.owner}/${repo.name}`, pr: number, installation, run, step, attempt, exp, ...(connection ? { connection } : {}) }, config.secret);
  const base = config.publicUrl ? `${config.publicUrl.replace(/\/+$/, '')}${CALLBACK_PATH}` : undefined;
  return {
    callbackLink: ({ run, step, attempt, from, timeoutMs }) => {
      const token = sign(run, step, attempt, Math.floor((from + (timeoutMs ?? 7 * DAY_MS) + DAY_MS) / 1000));
      return { token, url: base ? `${base}?token=${token}` : dispatchLine(repo, number, token) };
    },
  };
}

/** Approve and Decline links for a chat message about a run's gate: a week to decide, vouched for by the connection's secret. */
export function decisionLinksFor(deps: CallbackDeps, repo: RepoRef, number: number, installation: number | undefined, run: string): DecisionLinks | undefined {
  const config = deps.callbacks;
  // No route to link to: a chat message gets no buttons rather than buttons to a page that does not exist.
  if (!config?.publicUrl || installation === undefined) return undefined;
  const publicUrl = config.publicUrl;
  return ({ step, attempt }, connection) => {
    const token = signToken({ v: 1, repo: `${repo.owner}/${repo.name}`, pr: number, installation, run, step, attempt, exp: Math.floor((deps.now() + 7 * DAY_MS) / 1000), connection }, config.secret);
    const base = `${publicUrl.replace(/\/+$/, '')}${CALLBACK_PATH}?token=${token}`;
    return { approve: `${base}&decision=approve`, decline: `${base}&decision=decline` };
  };
}
