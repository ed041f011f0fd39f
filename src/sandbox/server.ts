/**
 * The sandbox's HTTP server on loopback: reads a request, asks for a token as
 * GitHub does, logs it, lets the fault switch fail, throttle or hold it, and
 * otherwise writes what the router answers.
 */
import type { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SECONDARY_RATE_LIMIT, type FaultSwitch, type RequestInfo } from './faults.js';
import type { Router } from './router.js';
import type { Clock } from './state.js';

/** What serving reads and writes: the Sandbox's request logs, clock and faults, and its own in-flight state. */
export interface HttpContext {
  readonly clock: Clock;
  readonly faults: FaultSwitch;
  /** Every API request, `METHOD /path`. */
  readonly requests: string[];
  /** Every REST answer given, for the conformance test. */
  readonly responses: { method: string; path: string; status: number; body: unknown; fault?: string }[];
  readonly answer: Router;
  /** Set while a request is served: people acting in a fault hook must not wait for deliveries (one is in flight). */
  readonly serving: AsyncLocalStorage<true>;
  /** Sockets a timeout fault is holding, cut on stop. */
  readonly held: Set<() => void>;
  /** Workflow tokens: what a read-only one may not do (actions-token.ts). */
  readonly tokens?: { refusal(method: string, path: string, authorization: string | undefined, body: Record<string, unknown>): { status: number; body?: unknown } | undefined };
}

/** What GitHub says when it fails (basic-error's shape). */
const SERVER_ERROR = { message: 'Server Error', documentation_url: 'https://docs.github.com/rest' };

export async function listen(http: HttpContext): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => void serve(http, request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function close(http: HttpContext, server: Server | undefined): Promise<void> {
  for (const cut of http.held) cut();
  await new Promise<void>((resolve, reject) => {
    if (!server) return resolve();
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive sockets of clients that are gone would hold the close for seconds.
    server.closeAllConnections();
  });
}

async function serve(http: HttpContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://sandbox');
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const reply = (status: number, body?: unknown, headers: Record<string, string> = {}, fault?: string) => {
    if (url.pathname !== '/graphql') http.responses.push({ method: request.method ?? 'GET', path: url.pathname, status, body, ...(fault ? { fault } : {}) });
    // x-sandbox-now: the sandbox's clock, for an app in another process that must keep the same time.
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-sandbox-now': String(http.clock.now()), ...headers });
    response.end(body === undefined ? '' : JSON.stringify(body));
  };
  if (!request.headers.authorization) return reply(401, { message: 'Requires authentication' });
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return reply(400, { message: 'Problems parsing JSON' });
  }
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (!path.startsWith('/app/')) http.requests.push(`${request.method} ${path}`);
  const refused = http.tokens?.refusal(request.method ?? 'GET', path, request.headers.authorization, body);
  if (refused) return reply(refused.status, refused.body);
  const info: RequestInfo = { method: request.method ?? 'GET', path, body };
  const { fault, before, after } = http.faults.decide(info);
  await http.serving.run(true, async () => {
    for (const hook of before) await hook(info);
  });
  if (fault === 'error-before') return reply(500, SERVER_ERROR, {}, fault);
  if (fault === 'rate-limit') return reply(403, SECONDARY_RATE_LIMIT, { 'retry-after': String(http.faults.retryAfterSeconds) }, fault);
  if (fault === 'timeout-before') return hold(http, response);
  const answer = await http.serving.run(true, () => http.answer(request.method ?? 'GET', path, body, url.searchParams));
  await http.serving.run(true, async () => {
    for (const hook of after) await hook(info);
  });
  if (fault === 'error-after') return reply(500, SERVER_ERROR, {}, fault);
  if (fault === 'timeout-after') return hold(http, response);
  return reply(answer.status, answer.body, answer.headers);
}

/** An answer that never comes: the socket stays open until the client gives up or the cap, then is cut. */
function hold(http: HttpContext, response: ServerResponse): void {
  const cut = () => {
    clearTimeout(timer);
    http.held.delete(cut);
    response.socket?.destroy();
  };
  const timer = setTimeout(cut, http.faults.timeoutCapMs);
  http.held.add(cut);
  response.on('close', () => {
    clearTimeout(timer);
    http.held.delete(cut);
  });
}
