import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, signBody } from '../../src/github/effects/connections.js';

let server: Server;
let url: string;
const seen: IncomingHttpHeaders[] = [];
beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request.headers);
    request.resume();
    // A receiver that never answers /slow.
    if (request.url === '/slow') return;
    response.writeHead(request.url === '/down' ? 503 : 200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('delivering to a connection', () => {
  it("sends the effect's key as Idempotency-Key, the same on every send, with the body signed", async () => {
    seen.length = 0;
    expect(await deliver({ url: `${url}/hook`, secret: 's' }, { go: true }, 'run1:ship:1:action-0')).toBeUndefined();
    expect(await deliver({ url: `${url}/hook`, secret: 's' }, { go: true }, 'run1:ship:1:action-0')).toBeUndefined();
    expect(seen.map((headers) => headers['idempotency-key'])).toEqual(['run1:ship:1:action-0', 'run1:ship:1:action-0']);
    expect(seen[0]!['x-flowgate-signature-256']).toBe(signBody('{"go":true}', 's'));
  });

  it('a receiver that does not answer in time is reported as "timed out"', async () => {
    expect(await deliver({ url: `${url}/slow` }, {}, 'k', 200)).toMatch(/^timed out after 0.2 s/);
  });

  it("a refusal is reported with the receiver's status", async () => {
    expect(await deliver({ url: `${url}/down` }, {}, 'k')).toMatch(/^503: /);
  });
});
