/**
 * What `flowgate versions` and `flowgate promote` share: the arguments every
 * GitHub command takes (--repo, --api-url, GITHUB_TOKEN, --app), a client, the
 * repository's default branch and live version, and GitHub's failures told
 * apart (it refused, or it could not be reached).
 */
import { Octokit } from '@octokit/rest';
import { GitHubCache } from '../github/facts/cache.js';
import { statusOf, type GitHubClient, type RepoRef } from '../github/client.js';
import { DEFAULT_APP_LOGIN, readLiveFlows, type LiveFlows } from '../github/releases/live.js';
import { requestTimeoutFromEnv, timedFetch } from '../github/transport/timeout.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { causeOf, CliFailure, isUnanswered } from './failure.js';

export interface RepoOptions {
  repo: string;
  json: boolean;
  token: string | undefined;
  apiUrl: string;
  /** The app's slug (`flowgate`) or bot login (`flowgate[bot]`): only its deployments are promotions. */
  app?: string;
}

export interface RepoSession {
  gh: GitHubClient;
  repo: RepoRef;
  cache: GitHubCache;
  appLogin: string;
  defaultBranch: string;
  live: LiveFlows;
}

/** Checks the arguments, then reads the default branch and what is live. */
export async function openRepo(command: string, options: RepoOptions): Promise<RepoSession> {
  const match = /^([\w.-]+)\/([\w.-]+)$/.exec(options.repo);
  if (!match) throw new UsageError(`--repo ${options.repo}: expected owner/name`);
  if (!options.token) throw new UsageError(`${command} needs a token: set GITHUB_TOKEN`);
  let timeoutMs: number;
  try {
    timeoutMs = requestTimeoutFromEnv();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const app = options.app ?? DEFAULT_APP_LOGIN;
  if (!/^[a-z0-9][a-z0-9-]*(\[bot\])?$/i.test(app)) throw new UsageError(`--app ${app}: expected the app's slug, such as flowgate`);
  const appLogin = app.endsWith('[bot]') ? app : `${app}[bot]`;
  const repo = { owner: match[1]!, name: match[2]! };
  const quiet = () => {};
  const octokit = new Octokit({ log: { debug: quiet, info: quiet, warn: quiet, error: quiet }, auth: options.token, baseUrl: options.apiUrl, userAgent: 'flowgate-cli', request: { fetch: timedFetch(timeoutMs) } });
  const gh = octokit as unknown as GitHubClient;
  const cache = new GitHubCache();
  return guarded(options, async () => {
    const answer = await gh.graphql<{ repository: { defaultBranchRef: { name: string } | null } | null }>('query FlowgateDefaultBranch($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { defaultBranchRef { name } } }', { owner: repo.owner, name: repo.name });
    const defaultBranch = answer.repository?.defaultBranchRef?.name;
    if (!defaultBranch) throw new CliFailure(ExitCode.github, { kind: 'refused', message: `${options.repo} has no default branch the token can read`, url: new URL(options.apiUrl).origin });
    const live = await readLiveFlows(gh, repo, defaultBranch, cache, { appLogin });
    return { gh, repo, cache, appLogin, defaultBranch, live };
  });
}

/** Runs GitHub calls, turning GitHub's failures into what the user can act on. */
export async function guarded<T>(options: Pick<RepoOptions, 'repo' | 'apiUrl'>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CliFailure) throw error;
    const url = new URL(options.apiUrl).origin;
    if (isUnanswered(error)) throw new CliFailure(ExitCode.github, { kind: 'unreachable', message: `could not reach GitHub at ${options.apiUrl}: ${causeOf(error)} (is --api-url right, and is the network up?)`, url });
    const code = statusOf(error);
    const answered = code !== undefined || (error as { name?: string }).name === 'GraphqlResponseError';
    if (!answered) throw error;
    const hint = code === 404 || code === 401 || code === 403 ? ` (is ${options.repo} right, and can the token read it?)` : '';
    throw new CliFailure(ExitCode.github, { kind: 'refused', message: `GitHub refused${code !== undefined ? ` (HTTP ${code})` : ''}: ${(error as Error).message}${hint}`, ...(code !== undefined ? { status: code } : {}), url });
  }
}

export function liveDocument(live: LiveFlows) {
  return { label: live.version.label, ...(live.version.tag ? { tag: live.version.tag } : {}), ...(live.version.sha ? { sha: live.version.sha } : {}) };
}
