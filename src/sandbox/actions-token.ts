/**
 * GitHub Actions' `GITHUB_TOKEN`, as the sandbox models it: a token of the
 * `github-actions` app (id 15368, bot `github-actions[bot]`) for one workflow
 * run. A sandbox made with `actionsSandboxOptions()` is that app: check runs,
 * comments and labels the action writes are the Actions app's, as on GitHub.
 *
 * What the model keeps of GitHub's rules:
 * - A token minted `readOnly` (the token of a `pull_request_review` from a fork)
 *   may read, and is refused every write with GitHub's 403.
 * - It cannot read an organization's teams or people's repository permissions:
 *   a GraphQL query that asks is answered with GitHub's FORBIDDEN error
 *   ("Resource not accessible by integration"), so the action needs an app token for them.
 * - Events the token causes start no workflow: `workflowEvents()` leaves out
 *   what `github-actions[bot]` did, as GitHub does (except `repository_dispatch`
 *   and `workflow_dispatch`, which it does start).
 */
import { randomBytes } from 'node:crypto';
import type { Answer } from './router.js';
import type { Delivery } from './webhooks.js';

export const ACTIONS_APP = { id: 15368, slug: 'github-actions', login: 'github-actions[bot]' } as const;

/** A sandbox that is the Actions app: what a workflow's token writes is `github-actions[bot]`'s. */
export function actionsSandboxOptions<T extends object>(options: T = {} as T): T & { appId: number; appSlug: string } {
  return { ...options, appId: ACTIONS_APP.id, appSlug: ACTIONS_APP.slug };
}

/** GitHub's answer to a write with a read-only token (basic-error's shape). */
export const NOT_ACCESSIBLE = { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' };

export class WorkflowTokens {
  readonly #readOnly = new Set<string>();
  readonly #minted = new Set<string>();

  /** A new `GITHUB_TOKEN` for one workflow run. */
  mint(options: { readOnly?: boolean } = {}): string {
    const token = `ghs_${randomBytes(18).toString('base64url')}`;
    this.#minted.add(token);
    if (options.readOnly) this.#readOnly.add(token);
    return token;
  }

  /** What GitHub answers instead, when this token may not make this request; undefined when it may. */
  refusal(method: string, path: string, authorization: string | undefined, body: Record<string, unknown>): Answer | undefined {
    const token = authorization?.replace(/^(token|bearer)\s+/i, '');
    if (token && this.#minted.has(token) && path === '/graphql' && /\bteam\(slug:|\bcollaborators\(/.test(String(body.query ?? ''))) {
      return { status: 200, body: { data: null, errors: [{ type: 'FORBIDDEN', path: [], message: 'Resource not accessible by integration' }] } };
    }
    if (!token || !this.#readOnly.has(token)) return undefined;
    const reads = method === 'GET' || method === 'HEAD' || (path === '/graphql' && !/^\s*mutation\b/.test(String(body.query ?? '')));
    return reads ? undefined : { status: 403, body: NOT_ACCESSIBLE };
  }
}

/** The deliveries that start a workflow: not those the Actions app's own token caused. */
export function workflowEvents(deliveries: readonly Delivery[]): Delivery[] {
  return deliveries.filter((delivery) => {
    const sender = (delivery.payload.sender as { login?: string } | undefined)?.login;
    return sender !== ACTIONS_APP.login || delivery.name === 'repository_dispatch' || delivery.name === 'workflow_dispatch';
  });
}
