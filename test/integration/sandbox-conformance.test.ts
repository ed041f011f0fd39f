/**
 * The sandbox must not drift from GitHub: every REST answer it gave the app in a
 * full run is checked against GitHub's OpenAPI description (@octokit/openapi),
 * every webhook it sent against GitHub's example payloads
 * (@octokit/webhooks-examples), and GraphQL is executed against GitHub's schema.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';
import { ajv, openapi, responseSchema, toJsonSchema } from '../openapi.js';

const require = createRequire(import.meta.url);
const examples = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as { name: string; examples: { action?: string }[] }[];

const operations = Object.entries(openapi.paths).flatMap(([template, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`), template, operation })),
);
const validators = new Map<string, ValidateFunction>();

/**
 * Where GitHub's published description contradicts itself, the component wins:
 * GET /app/installations inlines `account` as allOf [Simple User, Enterprise],
 * which no account satisfies; the `installation` component says anyOf.
 */
const ERRATA: Record<string, object> = {
  'GET /app/installations 200': { type: 'array', items: { $ref: 'github#/components/schemas/installation' } },
};

function validatorFor(method: string, path: string, status: number): { template: string; validate?: ValidateFunction } {
  const found = operations.filter((candidate) => candidate.method === method && candidate.pattern.test(path)).sort((a, b) => a.template.split('{').length - b.template.split('{').length)[0];
  if (!found) throw new Error(`no OpenAPI operation for ${method} ${path}`);
  const key = `${method} ${found.template} ${status}`;
  const schema = ERRATA[key] ?? responseSchema(found.operation.responses[String(status)]);
  if (schema && !validators.has(key)) validators.set(key, ajv.compile((ERRATA[key] ?? toJsonSchema(schema)) as object));
  return { template: found.template, ...(schema ? { validate: validators.get(key)! } : {}) };
}

/**
 * Fields GitHub sends that its example payloads happen not to show:
 * - `permissions` is a map whose keys are whatever the app was granted;
 * - the `issue_comment` examples are comments on issues; on a pull request, GitHub
 *   adds `issue.pull_request` (documented in the webhook's schema), and the app
 *   relies on it to tell the two apart;
 * - a webhook to a GitHub App carries `installation` (documented in every
 *   webhook's schema); some examples were recorded from repository webhooks.
 */
const BEYOND_EXAMPLES = [/\.permissions$/, /^issue_comment\.(created|edited)\.issue\.pull_request$/, /^\w+\.\w+\.installation$/];

/** Every field we send is in GitHub's example with the same JSON type (null there fits anything). */
function shapeProblems(ours: unknown, theirs: unknown, path = ''): string[] {
  if (BEYOND_EXAMPLES.some((pattern) => pattern.test(path))) return [];
  if (theirs === null || theirs === undefined) return [];
  if (Array.isArray(ours)) return Array.isArray(theirs) ? (ours.length > 0 && theirs.length > 0 ? shapeProblems(ours[0], theirs[0], `${path}[0]`) : []) : [`${path}: an array, GitHub sends ${typeof theirs}`];
  if (ours !== null && typeof ours === 'object') {
    if (typeof theirs !== 'object' || Array.isArray(theirs)) return [`${path}: an object, GitHub sends ${Array.isArray(theirs) ? 'an array' : typeof theirs}`];
    return Object.entries(ours).flatMap(([key, value]) => {
      const at = `${path}.${key}`;
      if (key in theirs) return shapeProblems(value, (theirs as Record<string, unknown>)[key], at);
      return BEYOND_EXAMPLES.some((pattern) => pattern.test(at)) ? [] : [`${at}: GitHub's example has no such field`];
    });
  }
  return ours === null || typeof ours === typeof theirs ? [] : [`${path}: ${typeof ours}, GitHub sends ${typeof theirs}`];
}

/** A fault's answer, whatever the operation documents: GitHub's errors have the shape of basic-error. */
const basicError = ajv.compile({ $ref: 'github#/components/schemas/basic-error' });

let running: AppOnSandbox;
/** What the App API's delivery routes answered a real Octokit. */
let deliveryLog: { items: { id: number; guid: string }[]; one: { guid: string; request: { payload: unknown } }; redelivered: number };
beforeAll(async () => {
  running = await startAppOnSandbox();
  const { sandbox } = running;
  const flow = GATE_FLOW.replace('      - merge: {}', '      - label: [approved]\n      - comment: "Approved."\n      - merge: {}');
  sandbox.createRepo('acme/widgets', { '.github/flows/gate.yml': flow }, { teams: { 'acme/managers': ['mia', 'max'] } });
  const pr = await sandbox.openPullRequest('acme/widgets', { author: 'dev', title: 'Change', branch: 'b', changes: { 'a.ts': '1\n' } });
  await sandbox.label('acme/widgets', pr.number, 'rob', 'flowgate:approve');
  await sandbox.comment('acme/widgets', pr.number, 'max', 'Hmm');
  await sandbox.editComment('acme/widgets', pr.number, sandbox.pullRequest('acme/widgets', pr.number).comments.find((comment) => comment.body === 'Hmm')!.id, 'max', 'Hmm, fine');
  await sandbox.push('acme/widgets', pr.number, 'dev', { 'a.ts': '2\n' });
  await sandbox.clickButton('acme/widgets', sandbox.checkRunsFor(pr.headSha)[0]!.id, 'max', 'decline');
  const second = await sandbox.openPullRequest('acme/widgets', { author: 'dev', title: 'Again', branch: 'c', changes: { 'b.ts': '1\n' } });
  await sandbox.review('acme/widgets', second.number, 'mia', 'approved');
  // A timed gate, so the sweep's searches are answered too.
  sandbox.createRepo('acme/timed', { '.github/flows/gate.yml': GATE_FLOW.replace('from: { teams: [acme/managers] }', 'from: { teams: [acme/managers] }\n      timeout: 1h') });
  await sandbox.openPullRequest('acme/timed', { author: 'dev', title: 'Timed', branch: 't', changes: { 't.ts': '1\n' } });
  sandbox.clock.advance(2 * 3600_000);
  const report = await running.sweep();
  expect(report).toMatchObject({ pulls: 1, errors: [] });

  // The App API's webhook delivery log, read with Octokit's own paging (it follows the Link header's cursor).
  const app = await running.probot.auth();
  const items = await app.paginate('GET /app/hook/deliveries', { per_page: 7 });
  const { data: one } = await app.request('GET /app/hook/deliveries/{delivery_id}', { delivery_id: items[0]!.id });
  const hmm = sandbox.deliveries.find((delivery) => (delivery.payload.comment as { body?: string } | undefined)?.body === 'Hmm')!;
  const attempt = items.find((item) => item.guid === hmm.id)!;
  const { status: redelivered } = await app.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: attempt.id });
  await sandbox.settle();
  deliveryLog = { items, one: one as typeof deliveryLog.one, redelivered };

  // Faults answer as GitHub does when it fails.
  const installation = await running.probot.auth(sandbox.state.repo('acme/widgets').installationId);
  sandbox.faults.add({ match: 'write', fault: 'error-before', nth: 1 });
  sandbox.faults.add({ match: 'write', fault: 'rate-limit', nth: 2 });
  for (let index = 0; index < 2; index += 1) {
    await installation.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { owner: 'acme', repo: 'widgets', issue_number: second.number, labels: ['x'], request: { retries: 0 } }).catch(() => undefined);
  }
  sandbox.faults.clear();
});
afterAll(async () => running.stop());

describe('the sandbox against GitHub', () => {
  it('answered every REST request the way GitHub\'s OpenAPI description says (faults as GitHub\'s errors)', () => {
    const { responses } = running.sandbox;
    expect(responses.length).toBeGreaterThan(15);
    const problems = responses.flatMap(({ method, path, status, body, fault }) => {
      if (fault) return basicError(body) ? [] : [`${method} ${path} ${status} (${fault}): ${ajv.errorsText(basicError.errors)}`];
      const { template, validate } = validatorFor(method, path, status);
      if (!validate) return status === 204 || status === 404 ? [] : [`${method} ${template} ${status}: no documented JSON response`];
      return validate(body) ? [] : [`${method} ${template} ${status}: ${ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 3000)}`];
    });
    expect(problems).toEqual([]);
  });

  it('answered the App API\'s webhook delivery routes as documented, and a real Octokit paged through them', () => {
    const { responses, deliveries } = running.sandbox;
    const attempted = deliveries.filter((delivery) => delivery.deliveredAt !== undefined).length;
    // Every attempt logged before the redelivery, each once, newest first.
    expect(deliveryLog.items.length).toBe(attempted - 1);
    expect(new Set(deliveryLog.items.map((item) => item.id)).size).toBe(deliveryLog.items.length);
    expect(deliveryLog.items.map((item) => item.id)).toEqual([...deliveryLog.items.map((item) => item.id)].sort((a, b) => b - a));
    expect(deliveryLog.one).toMatchObject({ guid: deliveryLog.items[0]!.guid, request: { payload: expect.any(Object) } });
    expect(deliveryLog.redelivered).toBe(202);
    expect(deliveries.at(-1)).toMatchObject({ redelivery: true, outcome: 'OK' });
    // Four reads and a redelivery here, and the sweep's own read of the log (it redelivers failed deliveries).
    expect(responses.filter((response) => response.path.startsWith('/app/hook/deliveries')).map((response) => response.status).sort()).toEqual([200, 200, 200, 200, 200, 202]);
    expect(responses.filter((response) => response.fault).map((response) => response.status)).toEqual([500, 403]);
  });

  it('sent webhooks shaped like GitHub\'s own example payloads', () => {
    const sent = running.sandbox.deliveries;
    expect(new Set(sent.map((delivery) => `${delivery.name}.${delivery.payload.action as string}`))).toEqual(
      new Set(['pull_request.opened', 'pull_request.labeled', 'pull_request.unlabeled', 'pull_request.synchronize', 'pull_request.closed', 'issue_comment.created', 'issue_comment.edited', 'check_run.requested_action', 'pull_request_review.submitted']),
    );
    const problems = sent.flatMap((delivery) => {
      const candidates = examples.find((event) => event.name === delivery.name)?.examples.filter((example) => example.action === delivery.payload.action) ?? [];
      if (candidates.length === 0) return [`${delivery.name}.${delivery.payload.action as string}: no example to compare with`];
      // Any one example that fits is enough: GitHub's examples differ among themselves.
      const prefix = `${delivery.name}.${delivery.payload.action as string}`;
      const each = candidates.map((example) => shapeProblems(delivery.payload, example, prefix).map((problem) => problem.slice(prefix.length)));
      return each.some((list) => list.length === 0) ? [] : each.sort((a, b) => a.length - b.length)[0]!.map((problem) => `${delivery.name}.${delivery.payload.action as string}${problem}`);
    });
    expect(problems).toEqual([]);
  });
});
