/**
 * The GitHub layer through the real Probot app, with GitHub mocked by nock and
 * webhooks taken from GitHub's own examples (@octokit/webhooks-examples).
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import nock from 'nock';
import { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flowgateApp } from '../../src/app/probot-app.js';
import { UnthrottledOctokit } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

const require = createRequire(import.meta.url);
const examples = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as { name: string; examples: Record<string, unknown>[] }[];
const example = (name: string, action: string, pick: (payload: Record<string, unknown>) => boolean = () => true) =>
  structuredClone(examples.find((event) => event.name === name)!.examples.find((payload) => payload.action === action && pick(payload))!) as Record<string, any>;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const APP_ID = 42;

async function probot() {
  const app = new Probot({ appId: APP_ID, privateKey, secret: 'secret', Octokit: UnthrottledOctokit });
  await app.load(flowgateApp({ appId: APP_ID, appLogin: 'flowgate[bot]', now: () => Date.parse('2026-11-24T09:00:00Z'), connections: () => undefined }));
  return app;
}

/** The default branch with no flows, and no deployments: what the event's query answers for a repository without flows. */
const emptyLive = { defaultBranchRef: { name: 'main', target: { oid: 'c0ffee', file: null, settings: null } }, deployments: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] } };

/** The PR of a webhook example as the event's query answers it: no timeline yet, no runs on its head. */
const pullRequest = (payload: Record<string, any>, files: { path: string; additions: number; deletions: number }[]) => {
  const head = payload.pull_request.head.sha as string;
  return {
    number: payload.pull_request.number, title: 'Update the README', body: '', url: payload.pull_request.html_url, isDraft: false, state: 'OPEN',
    author: { login: payload.pull_request.user.login, __typename: 'User' }, baseRefName: 'main', baseRefOid: 'base0', headRefName: 'changes', headRefOid: head,
    labels: { nodes: [] },
    headCommit: { nodes: [{ commit: { oid: head, checkSuites: { nodes: [] } } }] },
    files: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: files },
    timelineItems: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] },
    reviewCount: { totalCount: 0 },
    commentCount: { totalCount: 0 },
    recent: { nodes: [{ commit: { oid: head, appRuns: { nodes: [] } } }] },
  };
};

const graphqlNamed = (name: string) => (body: { query?: string }) => body.query?.includes(`query ${name}`) ?? false;

beforeEach(() => {
  nock.cleanAll();
  nock.disableNetConnect();
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('the app with GitHub mocked', () => {
  it('a comment on an issue, not a pull request, costs no request at all', async () => {
    const payload = example('issue_comment', 'created', (candidate) => !(candidate.issue as Record<string, unknown>).pull_request);
    await (await probot()).receive({ id: '1', name: 'issue_comment', payload } as never);
  });

  it('a pull request in a repository without flows costs two requests: a token, and the one query of the event', async () => {
    const payload = example('pull_request', 'opened', (candidate) => Boolean(candidate.installation));
    const { owner, name } = { owner: payload.repository.owner.login as string, name: payload.repository.name as string };
    nock('https://api.github.com')
      .post(`/app/installations/${payload.installation.id}/access_tokens`)
      .reply(201, { token: 'ghs_test', expires_at: '2026-11-24T10:00:00Z' })
      .post('/graphql', graphqlNamed('FlowgateEvent'))
      .reply(200, (_, body) => {
        expect((body as { variables: Record<string, unknown> }).variables).toMatchObject({ owner, name, appId: APP_ID, number: payload.pull_request.number, withFlowTexts: true, timeline: null });
        return { data: { repository: { ...emptyLive, pullRequest: pullRequest(payload, []) } } };
      });
    await (await probot()).receive({ id: '2', name: 'pull_request', payload } as never);
  });

  it('a pull request that a flow starts on gets a check run and the sticky comment', async () => {
    const payload = example('pull_request', 'opened', (candidate) => Boolean(candidate.installation));
    const number = payload.pull_request.number as number;
    const head = payload.pull_request.head.sha as string;
    const repoPath = `/repos/${payload.repository.owner.login}/${payload.repository.name}`;
    const created: Record<string, any>[] = [];
    nock('https://api.github.com')
      .post(`/app/installations/${payload.installation.id}/access_tokens`)
      .reply(201, { token: 'ghs_test', expires_at: '2026-11-24T10:00:00Z' })
      .post('/graphql', graphqlNamed('FlowgateEvent'))
      .reply(200, {
        data: {
          repository: {
            defaultBranchRef: { name: 'main', target: { oid: 'c0ffee', file: { object: { oid: 'tree0', entries: [{ name: 'gate.yml', type: 'blob', object: { text: GATE_FLOW, isTruncated: false, isBinary: false } }] } }, settings: null } },
            deployments: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] },
            pullRequest: pullRequest(payload, [{ path: 'README.md', additions: 1, deletions: 1 }]),
          },
        },
      })
      // The people the flow needs: the repository's first event cannot foresee them.
      .post('/graphql', graphqlNamed('FlowgatePeople'))
      .reply(200, { data: { o0: { t0_0: { members: { nodes: [{ login: 'mia' }], pageInfo: { hasNextPage: false, endCursor: null } } } } } })
      .post(`${repoPath}/check-runs`, (body) => (created.push(body), true))
      .reply(201, { id: 7, html_url: 'https://github.com/runs/7' })
      // The one stable check branch protection requires, after the run's.
      .post(`${repoPath}/check-runs`, (body) => (created.push(body), true))
      .reply(201, { id: 8 })
      .post(`${repoPath}/issues/${number}/comments`, (body) => (body as { body: string }).body.startsWith('<!-- flowgate:sticky -->'))
      .reply(201, { id: 99 });
    await (await probot()).receive({ id: '3', name: 'pull_request', payload } as never);
    expect(created[0]).toMatchObject({ name: 'Flowgate: gate', head_sha: head, status: 'in_progress', output: { title: 'Waiting for 1 more approval(s) from @acme/managers' } });
    expect(created[1]).toMatchObject({ name: 'Flowgate', external_id: 'flowgate', head_sha: head, status: 'in_progress', output: { title: '1 run: 1 waiting' } });
  });
});
