/**
 * The app's HTTP server, minus the listening: the webhook route (capped,
 * see webhook-route.ts), the routes the app adds (the callback route, /metrics,
 * /healthz and /readyz), /ping (kept for probes that already use it), and 404
 * for the rest. `npm start` and the sandbox harness
 * both serve it, so tests exercise what production runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApplicationFunction, Probot } from 'probot';
import { webhookRoute, type WebhookRouteOptions } from './webhook-route.js';

type Route = (request: IncomingMessage, response: ServerResponse) => boolean | Promise<boolean>;

export const DEFAULT_WEBHOOK_PATH = '/api/github/webhooks';

export async function appHttpHandler(probot: Probot, appFn: ApplicationFunction, options: Partial<WebhookRouteOptions> = {}): Promise<(request: IncomingMessage, response: ServerResponse) => Promise<void>> {
  const routes: Route[] = [webhookRoute(probot, { ...options, path: options.path ?? DEFAULT_WEBHOOK_PATH })];
  await probot.load(appFn, { cwd: process.cwd(), addHandler: (route) => void routes.push(route as Route) });
  return async (request, response) => {
    try {
      for (const route of routes) if (await route(request, response)) return;
      if (request.method === 'GET' && request.url === '/ping') return void response.writeHead(200, { 'content-type': 'text/plain' }).end('PONG');
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `nothing at ${request.method} ${new URL(request.url ?? '/', 'http://flowgate').pathname}` }));
    } catch (error) {
      probot.log.error(`${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'internal error; the server log has the details' }));
      else response.end();
    }
  };
}
