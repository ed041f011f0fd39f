import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Octokit } from '@octokit/rest';
import { countRequests, createMetrics, metricsRoute, requestKind, skipReason } from '../../src/app/metrics.js';
import { answerCache, conditionalFetch } from '../../src/github/transport/conditional.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(route: ReturnType<typeof metricsRoute>): Promise<string> {
  server = createServer((request, response) => void route(request, response).then((done) => done || response.writeHead(404).end()));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/metrics`;
}

describe('METRICS_TOKEN', () => {
  it('with a token set, /metrics answers 401 without it or with another, and the page with it', async () => {
    const metrics = createMetrics();
    metrics.event('pull_request', 'handled');
    const url = await serve(metricsRoute(metrics, 's3cret-token'));
    const bare = await fetch(url);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await bare.text()).not.toContain('flowgate_');
    expect((await fetch(url, { headers: { authorization: 'Bearer s3cret-tokeN' } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(401);
    const allowed = await fetch(url, { headers: { authorization: 'Bearer s3cret-token' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('flowgate_events_handled_total{event="pull_request"} 1');
  });

  it('without a token /metrics is open, and only GET and HEAD are served', async () => {
    const url = await serve(metricsRoute(createMetrics()));
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
  });
});

describe('labels stay few', () => {
  it('a request is labelled by its route template or graphql, never by a filled-in URL', () => {
    expect(requestKind('get', '/repos/{owner}/{repo}/pulls/{pull_number}')).toBe('GET /repos/{owner}/{repo}/pulls/{pull_number}');
    expect(requestKind('POST', '/graphql')).toBe('graphql');
    expect(requestKind('POST', 'https://ghe.example.com/api/graphql')).toBe('graphql');
    expect(requestKind('GET', 'https://api.github.com/repositories/1/issues?page=2')).toBe('GET (full URL)');
    expect(requestKind('GET', '/search/issues?q=x')).toBe('GET /search/issues');
  });

  it('a skip is labelled by one of a few reasons, whatever the payload named', () => {
    expect(skipReason('malformed pull_request payload: pull_request.head.sha: expected string')).toBe('malformed_payload');
    expect(skipReason('no flows in the repository and no runs on the PR')).toBe('no_flows');
    expect(skipReason('no flows at the pushed commit')).toBe('no_flows');
    expect(skipReason('no pull request in the payload')).toBe('no_pull_request');
    expect(skipReason('the live flows are valid')).toBe('policy_unchanged');
    expect(skipReason('the policy check is already on the commit')).toBe('policy_unchanged');
    expect(skipReason('pull_request.assigned does not affect flows')).toBe('cannot_change_a_run');
    expect(skipReason('our own comment')).toBe('cannot_change_a_run');
  });
});

describe('requests counted', () => {
  /** An Octokit's hook, reduced to the one wrapper countRequests adds. */
  function fakeOctokit(answer: (options: { method: string; url: string }) => Promise<{ status: number }>) {
    let wrapper: ((request: typeof answer, options: { method: string; url: string }) => Promise<unknown>) | undefined;
    const octokit = {
      wraps: 0,
      hook: { wrap: (_name: string, added: typeof wrapper) => void ((wrapper = added), (octokit.wraps += 1)) },
      request: (method: string, url: string) => wrapper!(answer, { method, url }),
    };
    return octokit;
  }

  it('a request GitHub never answered counts with status none; a refusal by its class; an Octokit is hooked once', async () => {
    const metrics = createMetrics();
    const octokit = fakeOctokit(async ({ url }) => {
      if (url === '/slow') throw Object.assign(new Error('timed out after 10s: GET /slow'), { status: 500 });
      if (url === '/gone') throw Object.assign(new Error('Not Found'), { status: 404, response: { status: 404 } });
      return { status: 200 };
    });
    countRequests(octokit, metrics);
    countRequests(octokit, metrics);
    expect(octokit.wraps).toBe(1);
    await octokit.request('GET', '/ok');
    await expect(octokit.request('GET', '/slow')).rejects.toThrow(/timed out/);
    await expect(octokit.request('GET', '/gone')).rejects.toThrow(/Not Found/);
    const text = await metrics.registry.metrics();
    expect(text).toContain('flowgate_github_requests_total{kind="GET /ok",status="2xx"} 1');
    expect(text).toContain('flowgate_github_requests_total{kind="GET /slow",status="none"} 1');
    expect(text).toContain('flowgate_github_requests_total{kind="GET /gone",status="4xx"} 1');
  });

  it('a read GitHub answered 304 (free, given from the kept copy) counts as 3xx, not as a charged 2xx', async () => {
    let answered = 0;
    server = createServer((request, response) => {
      answered += 1;
      if (request.headers['if-none-match'] === '"v1"') return void response.writeHead(304, { etag: '"v1"' }).end();
      response.writeHead(200, { 'content-type': 'application/json', etag: '"v1"' }).end(JSON.stringify({ id: 7 }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const octokit = new Octokit({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, request: { fetch: conditionalFetch(globalThis.fetch, answerCache()) } });
    const metrics = createMetrics();
    countRequests(octokit, metrics);
    const first = await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'widgets' });
    const second = await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'widgets' });
    expect([answered, first.data, second.data]).toEqual([2, { id: 7 }, { id: 7 }]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('flowgate_github_requests_total{kind="GET /repos/{owner}/{repo}",status="2xx"} 1');
    expect(text).toContain('flowgate_github_requests_total{kind="GET /repos/{owner}/{repo}",status="3xx"} 1');
  });
});
