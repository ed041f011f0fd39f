/**
 * Whether a PR has anything due, found by doing the sweep's own per-PR step
 * (sweepPullRequest) with a client that may read and may not write: the first
 * write it would make (a check run, a comment, a label, a merge, a record) is
 * refused before it leaves, and means "due". Nothing is written, and no
 * connection is called (a webhook effect would be sent without a GitHub write
 * first), so a run outside the PR's concurrency group can look without acting;
 * the run it then starts in the PR's group reads again and acts.
 */
import type { GitHubClient, RepoRef } from '../github/client.js';
import { sweepPullRequest, type HandlerDeps } from '../github/handle.js';

/** What the probe's client throws instead of sending a write. */
export class WouldWrite extends Error {
  constructor(readonly route: string) {
    super(`a probe does not write (${route})`);
    this.name = 'WouldWrite';
  }
}

const READS = /^(GET|HEAD) /;
const MUTATION = /^\s*mutation\b/;

/** `gh` for reads only; `wrote()` names the first write asked for, if any, however the caller handled the refusal. */
export function readOnlyClient(gh: GitHubClient): { client: GitHubClient; wrote: () => string | undefined } {
  let first: string | undefined;
  const refuse = (what: string): never => {
    first ??= what;
    throw new WouldWrite(what);
  };
  return {
    client: {
      // Async, so a refusal is a rejected promise, as a write GitHub refused would be.
      graphql: async <T>(query: string, variables?: Record<string, unknown>) => (MUTATION.test(query) ? refuse('a GraphQL mutation') : gh.graphql<T>(query, variables)),
      request: async (route, params) => (READS.test(route) ? gh.request(route, params) : refuse(route)),
    },
    wrote: () => first,
  };
}

export type Probe = { due: true; because: string } | { due: false } | { due: false; error: string };

/** Evaluates PR `number` as the sweep would, at this run's time, without writing: due when the evaluation would write. */
export async function probePullRequest(deps: HandlerDeps, repo: RepoRef, number: number, installation: number): Promise<Probe> {
  const { client, wrote } = readOnlyClient(deps.gh);
  let connection: string | undefined;
  const probing: HandlerDeps = {
    ...deps,
    gh: client,
    connections: (name) => {
      connection ??= `connection ${name}`;
      return undefined;
    },
    // The evaluation's own lines are the dispatched run's to tell.
    log: () => {},
  };
  try {
    await sweepPullRequest(probing, repo, number, installation);
  } catch (error) {
    const because = wrote() ?? connection;
    return because ? { due: true, because } : { due: false, error: (error as Error).message };
  }
  const because = wrote() ?? connection;
  return because ? { due: true, because } : { due: false };
}
