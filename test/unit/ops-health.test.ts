import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { healthRoute, READINESS_CACHE_MS } from '../../src/app/health.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(route: ReturnType<typeof healthRoute>): Promise<string> {
  server = createServer((request, response) => void route(request, response).then((done) => done || response.writeHead(404).end()));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe('/readyz under a flood', () => {
  it('probes that come together, or within a second, share one round of checks: a flood opens one Redis connection, not one a request', async () => {
    let clock = 0;
    let calls = 0;
    const url = await serve(healthRoute({ now: () => clock, checks: [{ name: 'redis', check: async () => void (calls += 1) }] }));
    const answers = await Promise.all(Array.from({ length: 30 }, () => fetch(`${url}/readyz`).then((response) => response.status)));
    expect(answers).toEqual(Array(30).fill(200));
    expect(calls).toBe(1);
    clock += READINESS_CACHE_MS - 1;
    await fetch(`${url}/readyz`);
    expect(calls).toBe(1);
    clock += 1;
    await fetch(`${url}/readyz`);
    expect(calls).toBe(2);
  });

  it('a check that never answers fails the probe after its deadline instead of holding it', async () => {
    const url = await serve(healthRoute({ checks: [{ name: 'redis', check: () => new Promise(() => {}) }] }));
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not ready', checks: { redis: 'no answer in 2000 ms' } });
  });

  it('/healthz answers without running any check', async () => {
    let calls = 0;
    const url = await serve(healthRoute({ checks: [{ name: 'redis', check: async () => void (calls += 1) }] }));
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(calls).toBe(0);
  });
});
