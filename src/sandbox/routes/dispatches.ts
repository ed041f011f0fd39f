/**
 * Dispatches the app sends. A workflow's `workflow_dispatch` is accepted for a
 * repository that exists, and nothing more (no workflow file runs here). A
 * repository's `repository_dispatch` is checked as GitHub's OpenAPI description
 * says (event_type of 1 to 100 characters, client_payload an object of at most
 * 10 top-level keys, under 64 KB) and becomes the `repository_dispatch` webhook
 * GitHub sends, from whoever's token sent it: the Action harness plays it as a
 * new workflow run, as GitHub starts one even for GITHUB_TOKEN's dispatches.
 */
import type { SandboxContext } from '../context.js';
import type { Route } from '../router.js';
import { Refused } from '../state.js';
import { repoOf } from './params.js';

/** GitHub: "The total size of the JSON payload must be less than 64KB." */
const MAX_PAYLOAD_BYTES = 64 * 1024;

export function dispatchRoutes(ctx: SandboxContext): Route[] {
  return [
    ['POST', '/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches', (params) => (repoOf(ctx, params), { status: 204 })],
    [
      'POST',
      '/repos/{owner}/{repo}/dispatches',
      (params, body) => {
        const repo = repoOf(ctx, params);
        const { event_type: eventType, client_payload: clientPayload = {} } = body;
        if (typeof eventType !== 'string' || eventType.length < 1 || eventType.length > 100) throw new Refused(422, 'Invalid request.\n\nevent_type must be a string of 1 to 100 characters.');
        if (typeof clientPayload !== 'object' || clientPayload === null || Array.isArray(clientPayload)) throw new Refused(422, 'Invalid request.\n\nclient_payload must be an object.');
        if (Object.keys(clientPayload).length > 10) throw new Refused(422, 'Invalid request.\n\nNo more than 10 properties are allowed; client_payload has more.');
        if (Buffer.byteLength(JSON.stringify(clientPayload)) >= MAX_PAYLOAD_BYTES) throw new Refused(422, 'Invalid request.\n\nclient_payload must be less than 64KB.');
        ctx.queueEmit('repository_dispatch', { action: eventType, branch: repo.defaultBranch, client_payload: clientPayload }, repo, ctx.appLogin);
        return { status: 204 };
      },
    ],
  ];
}
