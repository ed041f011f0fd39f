import { describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { redeliverFailed, type Delivery } from '../../src/github/transport/redelivery.js';
import { sweep } from '../../src/github/sweep.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const EVENTS = new Set(['pull_request', 'issue_comment', 'pull_request_review', 'check_run', 'repository_dispatch']);
let nextId = 1;
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();

function delivery(guid: string, minutesAgo: number, status_code: number, extra: Partial<Delivery> = {}): Delivery {
  return { id: nextId++, guid, delivered_at: at(minutesAgo), redelivery: false, status: status_code === 0 ? 'timed out' : 'x', status_code, event: 'pull_request', action: 'opened', ...extra };
}

/** GitHub's deliveries API over a list (newest first, pages of `per_page` joined by a cursor), recording redeliveries. */
function fakeGitHub(deliveries: Delivery[], options: { pageSize?: number; failFor?: number } = {}) {
  const sorted = [...deliveries].sort((a, b) => Date.parse(b.delivered_at) - Date.parse(a.delivered_at) || b.id - a.id);
  const redelivered: number[] = [];
  const pages: (string | undefined)[] = [];
  const client: GitHubClient = {
    graphql: async () => {
      throw new Error('no GraphQL here');
    },
    async request(route, params = {}) {
      if (route === 'GET /app/hook/deliveries') {
        const size = options.pageSize ?? 100;
        const start = params.cursor ? Number(String(params.cursor).slice(3)) : 0;
        pages.push(params.cursor as string | undefined);
        const next = start + size < sorted.length ? `<https://api.github.com/app/hook/deliveries?per_page=${size}&cursor=v1_${start + size}>; rel="next"` : undefined;
        return { status: 200, data: sorted.slice(start, start + size), headers: next ? { link: next } : {} };
      }
      if (route === 'POST /app/hook/deliveries/{delivery_id}/attempts') {
        if (params.delivery_id === options.failFor) throw Object.assign(new Error('Validation Failed'), { status: 422 });
        redelivered.push(params.delivery_id as number);
        return { status: 202, data: {}, headers: {} };
      }
      if (route === 'GET /app/installations') return { status: 200, data: [], headers: {} };
      throw Object.assign(new Error(`Not Found: ${route}`), { status: 404 });
    },
  };
  return { client, redelivered, pages };
}

describe('redelivering failed webhooks', () => {
  it('an event our server failed (5xx) or never answered (killed, timed out) is redelivered, oldest first', async () => {
    const killed = delivery('killed', 30, 0);
    const failed = delivery('failed', 60, 503);
    const github = fakeGitHub([killed, failed, delivery('fine', 10, 200)]);
    const report = await redeliverFailed(github.client, { now: NOW, events: EVENTS });
    expect(report).toEqual({ redelivered: ['failed', 'killed'], abandoned: [], foreign: [], errors: [] });
    expect(github.redelivered).toEqual([failed.id, killed.id]);
  });

  it('an event whose later attempt succeeded is not redelivered again', async () => {
    const github = fakeGitHub([delivery('healed', 40, 502), delivery('healed', 20, 200, { redelivery: true })]);
    expect((await redeliverFailed(github.client, { now: NOW, events: EVENTS })).redelivered).toEqual([]);
  });

  it('a 4xx (a bad signature, a body over the cap) is refused on purpose and is not redelivered', async () => {
    const github = fakeGitHub([delivery('forged', 5, 400), delivery('huge', 5, 413)]);
    expect((await redeliverFailed(github.client, { now: NOW, events: EVENTS })).redelivered).toEqual([]);
  });

  it('events the app does not act on, and deliveries older than the window, are left alone', async () => {
    const github = fakeGitHub([delivery('push', 5, 500, { event: 'push', action: null }), delivery('old', 4 * 60, 500)]);
    expect((await redeliverFailed(github.client, { now: NOW, events: EVENTS })).redelivered).toEqual([]);
  });

  it('an event that failed on every attempt is abandoned after four, and said so', async () => {
    const github = fakeGitHub([0, 1, 2, 3].map((index) => delivery('poison', 50 - index * 10, 500, { redelivery: index > 0 })));
    expect(await redeliverFailed(github.client, { now: NOW, events: EVENTS })).toMatchObject({ redelivered: [], abandoned: ['poison'] });
  });

  it('reads every page of the window by cursor, and redelivers at most maxPerSweep', async () => {
    const github = fakeGitHub(
      Array.from({ length: 7 }, (_, index) => delivery(`g${index}`, 10 + index, 500)),
      { pageSize: 3 },
    );
    const report = await redeliverFailed(github.client, { now: NOW, events: EVENTS, maxPerSweep: 5 });
    expect(github.pages).toEqual([undefined, 'v1_3', 'v1_6']);
    expect(report.redelivered).toEqual(['g6', 'g5', 'g4', 'g3', 'g2']);
  });

  it('one redelivery GitHub refuses does not stop the others, and is reported', async () => {
    const refused = delivery('refused', 20, 500);
    const github = fakeGitHub([refused, delivery('other', 10, 500)], { failFor: refused.id });
    expect(await redeliverFailed(github.client, { now: NOW, events: EVENTS })).toMatchObject({ redelivered: ['other'], errors: ['redelivering pull_request.opened refused: Validation Failed'] });
  });

  it('a redelivery this process did not ask for, since it started, is reported as foreign', async () => {
    const mine = new Set(['mine']);
    const github = fakeGitHub([
      delivery('mine', 30, 500), delivery('mine', 20, 200, { redelivery: true }),
      delivery('theirs', 30, 500), delivery('theirs', 20, 200, { redelivery: true }),
      delivery('before', 300, 500), delivery('before', 170, 200, { redelivery: true }),
    ]);
    const report = await redeliverFailed(github.client, { now: NOW, events: EVENTS, mine, since: NOW - 60 * 60_000 });
    expect(report.foreign).toEqual(['theirs']);
  });
});

describe('the sweep redelivers', () => {
  const deps = (app: GitHubClient) => ({
    appClient: async () => app,
    clientFor: async () => app,
    now: () => NOW,
    log: () => {},
    redelivery: { events: EVENTS },
  }) as unknown as Parameters<typeof sweep>[0];

  it('failed deliveries first, in its report', async () => {
    const github = fakeGitHub([delivery('lost', 15, 500)]);
    expect(await sweep(deps(github.client))).toMatchObject({ redelivered: ['lost'], errors: [] });
  });

  it('nothing, and no error, where GitHub has no deliveries API', async () => {
    const app: GitHubClient = {
      graphql: async () => ({}) as never,
      request: async (route) => {
        if (route === 'GET /app/installations') return { status: 200, data: [], headers: {} };
        throw Object.assign(new Error('Not Found'), { status: 404 });
      },
    };
    expect(await sweep(deps(app))).toEqual({ installations: 0, pulls: 0, pass: 'full', redelivered: [], errors: [] });
  });
});
