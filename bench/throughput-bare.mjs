/**
 * The baseline of the throughput bench: a bare Probot 14 app whose handler does
 * nothing, configured from the same environment as `npm start` (createProbot:
 * APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST, LOG_LEVEL, LOG_FORMAT) and
 * served the lean way Probot offers, its node middleware on node:http on HOST
 * and PORT. Plain JavaScript run by plain node, so no TypeScript loader counts
 * in its memory.
 *
 * FLOWGATE_BENCH_BARE is for bench/throughput-memory.ts only, which asks where
 * Flowgate's extra memory goes; the throughput bench never sets it. A comma list:
 * `imports` loads every module dist/server.js imports (Flowgate's code, never
 * called), `fetch` asks GitHub for the app's identity once with Node's
 * fetch, at the first delivery: the cost of an app's first request to GitHub.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createNodeMiddleware, createProbot } from 'probot';

const variant = (process.env.FLOWGATE_BENCH_BARE ?? '').split(',');
if (variant.includes('imports')) {
  // The server's own imports, read from it, so this stays what npm start loads.
  const server = new URL('../dist/server.js', import.meta.url);
  for (const [, path] of readFileSync(server, 'utf8').matchAll(/^import .* from '(\.[^']+)';$/gm)) await import(new URL(path, server).href);
}
const probot = createProbot();
let identity;
const askIdentity = async () => (await fetch(`${process.env.GHE_PROTOCOL ?? 'https'}://${process.env.GHE_HOST}/api/v3/app`)).text();
const handler = variant.includes('fetch') ? async () => void (await (identity ??= askIdentity())) : async () => {};
const middleware = await createNodeMiddleware((app) => void app.onAny(handler), { probot });
const server = createServer((request, response) => void middleware(request, response, () => response.writeHead(404).end()));
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
