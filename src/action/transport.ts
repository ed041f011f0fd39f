/**
 * The action's GitHub client: Probot 14 authenticated with a token (the
 * workflow's GITHUB_TOKEN), as `@probot/adapter-github-actions` does for
 * Probot 13, with Flowgate's Octokit (no repeated POSTs, a deadline on every
 * request). Underneath, a fetch that counts requests against GITHUB_TOKEN's
 * 1,000 an hour, and makes REST reads conditional: a GET it has an ETag for is
 * sent with `If-None-Match`, and GitHub's 304, which costs no rate limit, is
 * answered from the copy kept (etags.ts).
 */
import { Probot } from 'probot';
import type { GitHubClient } from '../github/client.js';
import { flowgateOctokit } from '../github/transport/octokit.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, timedFetch } from '../github/transport/timeout.js';
import { conditionalFetch } from '../github/transport/conditional.js';
import type { EtagStore } from './etags.js';

export interface RequestTally {
  /** Requests sent, 304s among them (free), and the rate limit GitHub said was left after the last. */
  sent: number;
  notModified: number;
  remaining?: number;
  limit?: number;
}

type Fetch = typeof globalThis.fetch;

/** Counts and conditions every request one client sends. */
export function tallyingFetch(inner: Fetch, tally: RequestTally, etags?: EtagStore, onResponse?: (response: Response) => void): Fetch {
  const counted: Fetch = async (input, init) => {
    tally.sent += 1;
    const response = await inner(input, init);
    onResponse?.(response);
    const remaining = Number(response.headers.get('x-ratelimit-remaining') ?? Number.NaN);
    const limit = Number(response.headers.get('x-ratelimit-limit') ?? Number.NaN);
    if (Number.isFinite(remaining)) tally.remaining = remaining;
    if (Number.isFinite(limit)) tally.limit = limit;
    return response;
  };
  return etags ? conditionalFetch(counted, etags, { notModified: () => (tally.notModified += 1) }) : counted;
}

export interface ClientOptions {
  token: string;
  apiUrl: string;
  tally: RequestTally;
  etags?: EtagStore;
  /** Against GitHub, writes are spaced as its secondary limits ask; the sandbox has none. */
  throttle: boolean;
  onResponse?: (response: Response) => void;
}

/** A GitHubClient for one token, through Probot. */
export async function tokenClient(options: ClientOptions): Promise<GitHubClient> {
  const fetch = tallyingFetch(timedFetch(DEFAULT_REQUEST_TIMEOUT_MS), options.tally, options.etags, options.onResponse);
  const probot = new Probot({ githubToken: options.token, baseUrl: options.apiUrl, Octokit: flowgateOctokit({ throttle: options.throttle }), request: { fetch }, log: quietLog() as never });
  return (await probot.auth()) as unknown as GitHubClient;
}

/**
 * GitHub's GITHUB_TOKEN cannot read teams or people's permissions. With an app
 * token, those queries (and only those) go with it; everything else, writes
 * above all, goes with the workflow's token. Without one, GitHub refuses them,
 * and the step fails saying what to give it: a gate cannot be judged without
 * knowing who may approve (fail closed).
 */
export function withPeopleReader(gh: GitHubClient, people: GitHubClient | undefined): GitHubClient {
  const isPeople = (query: string) => /query Flowgate(People|TeamPage)\b/.test(query);
  return {
    graphql: async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => {
      if (!isPeople(query)) return gh.graphql<T>(query, variables);
      if (people) return people.graphql<T>(query, variables);
      return gh.graphql<T>(query, variables).catch((error: unknown) => {
        const errors = (error as { errors?: { type?: string }[] } | null)?.errors;
        if (!errors?.some((entry) => entry.type === 'FORBIDDEN')) throw error;
        throw new Error(
          "the flows need team members or people's repository permissions, which the workflow's GITHUB_TOKEN cannot read (GitHub: Resource not accessible by integration). " +
            'Give the action an `app-token`: an installation token of a GitHub App with Members: read, e.g. from actions/create-github-app-token (see action/README.md).',
        );
      });
    },
    request: (route, params) => gh.request(route, params),
  };
}

/** Probot logs through pino by default; the action writes its own lines (::warning:: and the summary). */
function quietLog() {
  const log = { trace() {}, debug() {}, info() {}, warn: (...args: unknown[]) => console.error(...args.map(String)), error: (...args: unknown[]) => console.error(...args.map(String)), fatal() {}, child: () => log };
  return log;
}
