/**
 * The sandbox's release routes (git refs, compare, deployments and their
 * statuses, environments), its deployments in GraphQL, and the `push` webhook
 * for a tag or a branch, checked against GitHub's OpenAPI description and
 * example payloads, as sandbox-conformance.test.ts checks the rest.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Octokit } from '@octokit/rest';
import type { ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { startReceiver } from '../../src/sandbox/receiver.js';
import { ajv, openapi, responseSchema, toJsonSchema } from '../openapi.js';

const require = createRequire(import.meta.url);
const examples = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as { name: string; examples: Record<string, unknown>[] }[];

const operations = Object.entries(openapi.paths).flatMap(([template, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), pattern: new RegExp(`^${template.replace(/\{ref\}|\{basehead\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`), template, operation })),
);
function validatorFor(method: string, path: string, status: number): { template: string; validate?: ValidateFunction } {
  const found = operations.filter((candidate) => candidate.method === method && candidate.pattern.test(path)).sort((a, b) => b.template.length - a.template.length)[0];
  if (!found) throw new Error(`no OpenAPI operation for ${method} ${path}`);
  const schema = responseSchema(found.operation.responses[String(status)]);
  return { template: found.template, ...(schema ? { validate: ajv.compile(toJsonSchema(schema) as object) } : {}) };
}
function shapeProblems(ours: unknown, theirs: unknown, path = ''): string[] {
  if (/\.installation$/.test(path) || theirs === null || theirs === undefined) return [];
  if (Array.isArray(ours)) return Array.isArray(theirs) ? (ours.length > 0 && theirs.length > 0 ? shapeProblems(ours[0], theirs[0], `${path}[0]`) : []) : [`${path}: an array`];
  if (ours !== null && typeof ours === 'object') {
    if (typeof theirs !== 'object' || Array.isArray(theirs)) return [`${path}: an object`];
    return Object.entries(ours).flatMap(([key, value]) => (key in theirs ? shapeProblems(value, (theirs as Record<string, unknown>)[key], `${path}.${key}`) : /\.installation$/.test(`${path}.${key}`) ? [] : [`${path}.${key}: GitHub's example has no such field`]));
  }
  return ours === null || typeof ours === typeof theirs ? [] : [`${path}: ${typeof ours}, GitHub sends ${typeof theirs}`];
}

const REPO = 'acme/widgets';
let sandbox: Sandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let graph: { deployments: { nodes: { commitOid: string; payload: string; creator: { login: string; __typename: string } }[] } };
let annotated: { main: string; ref: { object: { type: string; sha: string } }; tag: { sha: string; tag: string; object: { sha: string; type: string } }; graph: { object: { __typename: string; oid: string; target: { __typename: string; oid: string } } } };
beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = new Sandbox({ webhookUrl: receiver.url });
  await sandbox.start();
  sandbox.createRepo(REPO, { 'a.txt': '1\n' });
  const main = await sandbox.pushToDefault(REPO, 'dev', { 'a.txt': '2\n' });
  await sandbox.pushTag(REPO, 'flows/v1.0.0', main, 'dev');
  const octokit = new Octokit({ baseUrl: sandbox.url, auth: 'ghp_sandbox', request: { retries: 0 } });
  const r = { owner: 'acme', repo: 'widgets' };
  await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...r, ref: 'tags/flows/v1.0.0' });
  await octokit.request('GET /repos/{owner}/{repo}/git/matching-refs/{ref}', { ...r, ref: 'tags/flows/v' });
  await octokit.request('POST /repos/{owner}/{repo}/git/refs', { ...r, ref: 'refs/tags/flows/v1.1.0', sha: main });
  await octokit.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { ...r, ref: 'tags/flows/v1.1.0', sha: main, force: true });
  await octokit.request('DELETE /repos/{owner}/{repo}/git/refs/{ref}', { ...r, ref: 'tags/flows/v1.1.0' });
  await octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', { ...r, basehead: `main...${main}` });
  const { data: deployment } = await octokit.request('POST /repos/{owner}/{repo}/deployments', { ...r, ref: main, environment: 'flowgate-live', auto_merge: false, required_contexts: [], payload: { tag: 'flows/v1.0.0', sha: main }, description: 'Flows flows/v1.0.0' });
  const id = (deployment as { id: number }).id;
  await octokit.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', { ...r, deployment_id: id, state: 'success', environment: 'flowgate-live' });
  await octokit.request('GET /repos/{owner}/{repo}/deployments', { ...r, environment: 'flowgate-live' });
  await octokit.request('GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', { ...r, deployment_id: id });
  await octokit.request('PUT /repos/{owner}/{repo}/environments/{environment_name}', { ...r, environment_name: 'flowgate-live' });
  await octokit.request('GET /repos/{owner}/{repo}/environments/{environment_name}', { ...r, environment_name: 'flowgate-live' });
  // An annotated tag (`git tag -a`): its ref names a tag object, which names the commit.
  await sandbox.pushTag(REPO, 'flows/v2.0.0', main, 'dev', { message: 'Flows 2.0.0' });
  const { data: ref } = await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...r, ref: 'tags/flows/v2.0.0' });
  const { data: tag } = await octokit.request('GET /repos/{owner}/{repo}/git/tags/{tag_sha}', { ...r, tag_sha: ref.object.sha });
  const object = await octokit.graphql<{ repository: (typeof annotated)['graph'] }>(
    `query($owner: String!, $name: String!, $oid: GitObjectID!) { repository(owner: $owner, name: $name) { object(oid: $oid) { __typename oid ... on Tag { target { __typename oid } } } } }`,
    { owner: 'acme', name: 'widgets', oid: ref.object.sha },
  );
  annotated = { main, ref, tag, graph: object.repository };
  graph = (await octokit.graphql<{ repository: typeof graph }>(
    `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { deployments(environments: ["flowgate-live"], first: 10, orderBy: { field: CREATED_AT, direction: DESC }) { nodes { commitOid payload creator { login __typename } } } } }`,
    { owner: 'acme', name: 'widgets' },
  )).repository;
  await sandbox.settle();
});
afterAll(async () => {
  await sandbox.stop();
  await receiver.close();
});

describe('the sandbox\'s releases against GitHub', () => {
  it('answered every release route the way GitHub\'s OpenAPI description says', () => {
    const answered = sandbox.responses.map(({ method, path, status }) => `${method} ${validatorFor(method, path, status).template} ${status}`);
    expect(answered).toEqual([
      'GET /repos/{owner}/{repo}/git/ref/{ref} 200',
      'GET /repos/{owner}/{repo}/git/matching-refs/{ref} 200',
      'POST /repos/{owner}/{repo}/git/refs 201',
      'PATCH /repos/{owner}/{repo}/git/refs/{ref} 200',
      'DELETE /repos/{owner}/{repo}/git/refs/{ref} 204',
      'GET /repos/{owner}/{repo}/compare/{base}...{head} 200',
      'POST /repos/{owner}/{repo}/deployments 201',
      'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses 201',
      'GET /repos/{owner}/{repo}/deployments 200',
      'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses 200',
      'PUT /repos/{owner}/{repo}/environments/{environment_name} 200',
      'GET /repos/{owner}/{repo}/environments/{environment_name} 200',
      'GET /repos/{owner}/{repo}/git/ref/{ref} 200',
      'GET /repos/{owner}/{repo}/git/tags/{tag_sha} 200',
    ]);
    const problems = sandbox.responses.flatMap(({ method, path, status, body }) => {
      const { template, validate } = validatorFor(method, path, status);
      if (!validate) return status === 204 ? [] : [`${method} ${template} ${status}: no documented JSON response`];
      return validate(body) ? [] : [`${method} ${template} ${status}: ${ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 2000)}`];
    });
    expect(problems).toEqual([]);
  });

  it('compares by the commit graph: the default branch\'s own commit is identical, an older one behind', async () => {
    const compare = sandbox.responses.find((response) => response.path.includes('/compare/'))!.body as { status: string; behind_by: number };
    expect(compare.status).toBe('identical');
    const octokit = new Octokit({ baseUrl: sandbox.url, auth: 'ghp_sandbox' });
    const repo = sandbox.state.repo(REPO);
    const first = [...repo.commits.keys()][0]!;
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', { owner: 'acme', repo: 'widgets', basehead: `main...${first}` });
    expect(data).toMatchObject({ status: 'behind', behind_by: 1, ahead_by: 0 });
    const side = sandbox.state.commit(repo, { 'b.txt': 'x' }, first, 'dev', 'side');
    const { data: diverged } = await octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', { owner: 'acme', repo: 'widgets', basehead: `main...${side.oid}` });
    expect(diverged).toMatchObject({ status: 'diverged', behind_by: 1, ahead_by: 1 });
  });

  it('sent push webhooks for tags and branches shaped like GitHub\'s examples', () => {
    const pushes = sandbox.deliveries.filter((delivery) => delivery.name === 'push');
    expect(pushes.map((delivery) => [delivery.payload.ref, delivery.payload.created, delivery.payload.deleted])).toEqual([
      ['refs/heads/main', false, false],
      ['refs/tags/flows/v1.0.0', true, false],
      ['refs/tags/flows/v1.1.0', true, false],
      ['refs/tags/flows/v1.1.0', false, false],
      ['refs/tags/flows/v1.1.0', false, true],
      ['refs/tags/flows/v2.0.0', true, false],
    ]);
    const candidates = examples.find((event) => event.name === 'push')!.examples;
    const problems = pushes.flatMap((delivery) => {
      const each = candidates.map((example) => shapeProblems(delivery.payload, example, 'push'));
      return each.some((list) => list.length === 0) ? [] : each.sort((a, b) => a.length - b.length)[0]!;
    });
    expect(problems).toEqual([]);
  });

  it('keeps an annotated tag as GitHub does: the ref names a tag object, the object and GraphQL name the commit, the push names the object in `after` and the commit in `head_commit`', () => {
    const { main, ref, tag, graph: object } = annotated;
    expect(ref.object.type).toBe('tag');
    expect(ref.object.sha).not.toBe(main);
    expect(tag).toMatchObject({ sha: ref.object.sha, tag: 'flows/v2.0.0', object: { sha: main, type: 'commit' } });
    expect(object.object).toEqual({ __typename: 'Tag', oid: ref.object.sha, target: { __typename: 'Commit', oid: main } });
    const push = sandbox.deliveries.find((delivery) => delivery.payload.ref === 'refs/tags/flows/v2.0.0')!;
    expect(push.payload).toMatchObject({ after: ref.object.sha, head_commit: { id: main } });
  });

  it('answers deployments in GraphQL with GitHub\'s schema: a bot creator without `[bot]`, the payload as JSON text', () => {
    expect(graph.deployments.nodes).toHaveLength(1);
    expect(graph.deployments.nodes[0]!.creator).toEqual({ login: 'flowgate', __typename: 'Bot' });
    expect(JSON.parse(graph.deployments.nodes[0]!.payload)).toMatchObject({ tag: 'flows/v1.0.0' });
  });
});
