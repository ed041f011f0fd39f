/**
 * The action's inputs and its run's environment, read once at the boundary.
 * GitHub passes an input `app-token` as the variable `INPUT_APP-TOKEN`, and
 * the event as a file at `GITHUB_EVENT_PATH`.
 */
import { readFileSync } from 'node:fs';
import type { RepoRef } from '../github/client.js';

export interface ActionInputs {
  /** Writes check runs, comments, labels and merges: the workflow's GITHUB_TOKEN. */
  token: string;
  /** Reads teams and permissions, which GITHUB_TOKEN cannot: a GitHub App's installation token. */
  appToken?: string;
  /** Signs the record and callback tokens; absent only where GitHub gives the run no secrets (a fork's event). */
  secret?: string;
  /** Where callback links point (a relay that turns a POST into a repository_dispatch); the dispatches API by default. */
  callbackUrl?: string;
}

export interface WorkflowRun {
  inputs: ActionInputs;
  eventName: string;
  payload: Record<string, unknown>;
  repo: RepoRef;
  apiUrl: string;
  /** Where the outputs and the job summary go; unset outside a runner. */
  outputPath?: string;
  summaryPath?: string;
}

export type Read<T> = { ok: true; value: T } | { ok: false; error: string };

/** An input as the runner passes it: `INPUT_` and the name in capitals, spaces as underscores, blank as unset. */
export function input(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]?.trim();
  return value ? value : undefined;
}

export function readWorkflowRun(env: NodeJS.ProcessEnv): Read<WorkflowRun> {
  const token = input(env, 'token') ?? env.GITHUB_TOKEN;
  if (!token) return { ok: false, error: 'no token: the input `token` is empty (its default is `${{ github.token }}`; keep it, or pass a token that can write checks, pull requests and issues)' };
  const eventName = env.GITHUB_EVENT_NAME;
  const eventPath = env.GITHUB_EVENT_PATH;
  if (!eventName || !eventPath) return { ok: false, error: 'GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set: this runs as a step of a GitHub Actions workflow (`uses: <owner>/flowgate/action@v1`)' };
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(eventPath, 'utf8'));
  } catch (error) {
    return { ok: false, error: `the event file ${eventPath} could not be read as JSON: ${(error as Error).message}` };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { ok: false, error: `the event file ${eventPath} does not hold a JSON object` };
  const [owner, name] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !name) return { ok: false, error: `GITHUB_REPOSITORY is "${env.GITHUB_REPOSITORY ?? ''}"; expected owner/name` };
  const appToken = input(env, 'app-token');
  const secret = input(env, 'secret');
  const callbackUrl = input(env, 'callback-url');
  return {
    ok: true,
    value: {
      inputs: { token, ...(appToken ? { appToken } : {}), ...(secret ? { secret } : {}), ...(callbackUrl ? { callbackUrl } : {}) },
      eventName,
      payload: payload as Record<string, unknown>,
      repo: { owner, name },
      apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
      ...(env.GITHUB_OUTPUT ? { outputPath: env.GITHUB_OUTPUT } : {}),
      ...(env.GITHUB_STEP_SUMMARY ? { summaryPath: env.GITHUB_STEP_SUMMARY } : {}),
    },
  };
}
