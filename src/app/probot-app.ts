/**
 * The Probot adapter: subscribes to the events in app.yml and hands each one to
 * handleWebhook. Nothing else happens here.
 */
import type { Probot } from 'probot';
import { GitHubCache } from '../github/cache.js';
import type { GitHubClient } from '../github/client.js';
import { connectionsFromEnv, type Connections } from '../github/connections.js';
import { handleWebhook, PullRequestQueue } from '../github/handle.js';

export interface AppOptions {
  /** The app's id and bot login; read from APP_ID and GET /app when not given. */
  appId?: number;
  appLogin?: string;
  connections?: Connections;
  /** The clock; the sandbox demo passes its own. */
  now?: () => number;
}

export const EVENTS = ['pull_request', 'pull_request_review', 'issue_comment', 'check_run'] as const;

export function flowgateApp(options: AppOptions = {}) {
  return (app: Probot): void => {
    let identity: Promise<{ id: number; login: string }> | undefined;
    const whoAmI = () =>
      (identity ??= (async () => {
        if (options.appId !== undefined && options.appLogin !== undefined) return { id: options.appId, login: options.appLogin };
        const octokit = await app.auth();
        const { data } = await octokit.request('GET /app');
        return { id: data?.id ?? Number(process.env.APP_ID), login: `${data?.slug ?? 'flowgate'}[bot]` };
      })());
    const connections = options.connections ?? connectionsFromEnv();
    const cache = new GitHubCache();
    const queue = new PullRequestQueue();
    app.on([...EVENTS], async (context) => {
      const outcome = await handleWebhook(
        {
          gh: context.octokit as unknown as GitHubClient,
          cache,
          queue,
          app: await whoAmI(),
          connections,
          now: options.now ?? Date.now,
          log: (message) => context.log.info(message),
        },
        context.name,
        context.payload,
      );
      if (outcome.skipped?.startsWith('malformed')) context.log.warn(outcome.skipped);
      else if (outcome.skipped) context.log.debug(`skipped ${context.name}.${(context.payload as { action?: string }).action ?? ''}: ${outcome.skipped}`);
      for (const run of outcome.runs) context.log.info(`${run.started ? 'started' : 'evaluated'} ${run.flow} (${run.id}): ${run.status}`);
    });
  };
}
