/**
 * The baseline of the throughput bench: a bare Probot 14 app whose handler does
 * nothing, configured from the same environment as `npm start` (createProbot:
 * APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST, LOG_LEVEL, LOG_FORMAT) and
 * served the lean way Probot offers, its node middleware on node:http on HOST
 * and PORT. Plain JavaScript run by plain node, so no TypeScript loader counts
 * in its memory.
 */
import { createServer } from 'node:http';
import { createNodeMiddleware, createProbot } from 'probot';

const probot = createProbot();
const middleware = await createNodeMiddleware((app) => void app.onAny(async () => {}), { probot });
const server = createServer((request, response) => void middleware(request, response, () => response.writeHead(404).end()));
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
