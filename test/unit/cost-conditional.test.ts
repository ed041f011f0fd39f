import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probotTransport } from '../../src/github/transport/octokit.js';

beforeEach(() => {
  nock.cleanAll();
  nock.disableNetConnect();
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe("the server's REST reads are conditional", () => {
  it('a GET repeated is sent with the ETag as GitHub gave it (quotes and W/), and a 304 is answered from the copy kept', async () => {
    const { fetch } = probotTransport({ timeoutMs: 5_000 }).request;
    const seen: (string | undefined)[] = [];
    nock('https://api.github.com')
      .get('/app/hook/deliveries')
      .reply(function () {
        seen.push(this.req.headers['if-none-match'] as string | undefined);
        return [200, [{ id: 1, guid: 'a' }], { etag: 'W/"abc"' }];
      })
      .get('/app/hook/deliveries')
      .reply(function () {
        seen.push(this.req.headers['if-none-match'] as string | undefined);
        return [304, ''];
      });
    const first = await fetch('https://api.github.com/app/hook/deliveries');
    expect(await first.json()).toEqual([{ id: 1, guid: 'a' }]);
    const again = await fetch('https://api.github.com/app/hook/deliveries');
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual([{ id: 1, guid: 'a' }]);
    expect(seen).toEqual([undefined, 'W/"abc"']);
  });

  it('writes are never conditional, and a changed answer replaces the copy', async () => {
    const { fetch } = probotTransport({ timeoutMs: 5_000 }).request;
    const seen: (string | undefined)[] = [];
    const record = function (this: { req: { headers: Record<string, unknown> } }) {
      seen.push(this.req.headers['if-none-match'] as string | undefined);
    };
    nock('https://api.github.com')
      .get('/x').reply(function () { record.call(this); return [200, { v: 1 }, { etag: '"one"' }]; })
      .post('/x').reply(function () { record.call(this); return [201, {}]; })
      .get('/x').reply(function () { record.call(this); return [200, { v: 2 }, { etag: '"two"' }]; })
      .get('/x').reply(function () { record.call(this); return [304, '']; });
    await fetch('https://api.github.com/x');
    await fetch('https://api.github.com/x', { method: 'POST', body: '{}' });
    expect(await (await fetch('https://api.github.com/x')).json()).toEqual({ v: 2 });
    expect(await (await fetch('https://api.github.com/x')).json()).toEqual({ v: 2 });
    expect(seen).toEqual([undefined, undefined, '"one"', '"two"']);
  });
});
