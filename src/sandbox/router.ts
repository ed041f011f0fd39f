/**
 * The sandbox's router: REST routes written as GitHub's OpenAPI paths
 * (`/repos/{owner}/{repo}/pulls/{number}`), matched in order, and the errors
 * route handlers throw turned into the answers GitHub would give.
 */
import { NotFound, Refused } from './state.js';

/** What a route answers; the server writes it, unless a fault takes its place. */
export type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
export type Handler = (params: Record<string, string>, body: Record<string, unknown>, query: URLSearchParams) => Answer | Promise<Answer>;
export type Route = [method: string, path: string, handler: Handler];

/** Applies a request to the sandbox's state and says what GitHub would answer. */
export type Router = (method: string, path: string, body: Record<string, unknown>, query: URLSearchParams) => Promise<Answer>;

export function createRouter(routes: Route[]): Router {
  const compiled = routes.map(([method, path, handler]) => {
    const keys: string[] = [];
    const pattern = new RegExp(`^${path.replace(/\{(\w+)\}/g, (_, key: string) => (keys.push(key), '([^/]+)'))}$`);
    return { method, pattern, keys, handler };
  });
  return async (method, path, body, query) => {
    for (const route of compiled) {
      const match = route.method === method ? route.pattern.exec(path) : null;
      if (!match) continue;
      const params = Object.fromEntries(route.keys.map((key, index) => [key, decodeURIComponent(match[index + 1]!)]));
      try {
        return await route.handler(params, body, query);
      } catch (error) {
        if (error instanceof NotFound) return { status: 404, body: { message: 'Not Found', detail: error.message } };
        if (error instanceof Refused) return { status: error.status, body: { message: error.message } };
        return { status: 500, body: { message: (error as Error).message } };
      }
    }
    return { status: 404, body: { message: `Not Found: ${method} ${path}` } };
  };
}
