/**
 * The sandbox's GITHUB_TOKEN model and the routes the Action adds answer as
 * GitHub's OpenAPI description says: the pulls list by head (the fork
 * follow-up), and the 403 a read-only token gets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionOnSandbox } from '../action-harness.js';
import { ajv, responseValidator } from '../openapi.js';


let action: ActionOnSandbox;
let readOnlyAnswer: { status: number; body: unknown };
beforeAll(async () => {
  action = await new ActionOnSandbox().start();
  const { sandbox } = action;
  sandbox.createRepo('acme/widgets', { 'a.ts': '0\n' });
  await sandbox.openPullRequest('acme/widgets', { author: 'dev', title: 'From a fork', branch: 'feature', changes: { 'a.ts': '1\n' }, fork: 'outsider' });
  await sandbox.openPullRequest('acme/widgets', { author: 'dev', title: 'Here', branch: 'feature', changes: { 'a.ts': '2\n' } });
  const token = sandbox.workflowTokens.mint({ readOnly: true });
  const response = await fetch(`${sandbox.url}/repos/acme/widgets/issues/1/labels`, { method: 'POST', headers: { authorization: `token ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ labels: ['x'] }) });
  readOnlyAnswer = { status: response.status, body: await response.json() };
}, 120_000);
afterAll(async () => action.stop());

describe("the sandbox's GitHub Actions model against GitHub's description", () => {
  it('lists pull requests by head as GET /repos/{owner}/{repo}/pulls documents, telling a fork by its owner', async () => {
    const answer = await fetch(`${action.sandbox.url}/repos/acme/widgets/pulls?state=open&head=outsider:feature`, { headers: { authorization: `token ${action.sandbox.workflowTokens.mint()}` } });
    const body = (await answer.json()) as { number: number; head: { label: string } }[];
    const validate = responseValidator('GET', '/repos/{owner}/{repo}/pulls', 200);
    expect(validate(body), ajv.errorsText(validate.errors)).toBe(true);
    expect(body.map((pull) => [pull.number, pull.head.label])).toEqual([[1, 'outsider:feature']]);
  });

  it("refuses a read-only token's write with GitHub's 403, a basic-error, and applies nothing", () => {
    expect(readOnlyAnswer.status).toBe(403);
    expect(ajv.compile({ $ref: 'github#/components/schemas/basic-error' })(readOnlyAnswer.body)).toBe(true);
    expect(readOnlyAnswer.body).toMatchObject({ message: 'Resource not accessible by integration' });
    expect(action.sandbox.pullRequest('acme/widgets', 1).labels).toEqual([]);
  });

  it("sends a fork PR's webhook with the fork as head.repo and the base repository as repository", () => {
    const opened = action.sandbox.deliveries.find((delivery) => (delivery.payload.pull_request as { number: number }).number === 1)!;
    const head = (opened.payload.pull_request as { head: { repo: { full_name: string; fork: boolean; owner: { login: string } } } }).head;
    expect(head.repo).toMatchObject({ full_name: 'outsider/widgets', fork: true, owner: { login: 'outsider' } });
    expect((opened.payload.repository as { full_name: string }).full_name).toBe('acme/widgets');
  });
});
