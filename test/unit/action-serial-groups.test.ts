/**
 * Every run that handles a PR is in that PR's concurrency group, `flowgate-<pr>`:
 * the group GitHub computes from examples/workflows/flowgate.yml's expression, for
 * realistic payloads (@octokit/webhooks-examples), against what the action makes
 * of the same event (classify). Runs in any other group handle no PR; the
 * end-to-end tests (test/integration/action-serial.test.ts) show they write nothing to one.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { classify, type ActionEvent } from '../../src/action/event.js';
import { groupOf, jobRuns, type GitHubContext } from '../action-serial-groups.js';

const require = createRequire(import.meta.url);
const examples = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as { name: string; examples: Record<string, unknown>[] }[];
const example = (name: string, action?: string): Record<string, unknown> => structuredClone(examples.find((entry) => entry.name === name)!.examples.find((payload) => action === undefined || payload.action === action)!);

const REPO = { owner: 'octo-org', name: 'octo-repo' };
const RUN_ID = 987654321;
const context = (eventName: string, event: Record<string, unknown>): GitHubContext => ({ event_name: eventName, event, run_id: RUN_ID, repository: `${REPO.owner}/${REPO.name}` });

/** The PR a run of this kind handles itself, if any (the webhook's PR, a flowgate-pr's number, a callback's named pr). */
function prHandled(event: ActionEvent, payload: Record<string, unknown>): number | undefined {
  if (event.kind === 'pull') return event.number;
  if (event.kind === 'callback') return event.pr;
  if (event.kind !== 'webhook') return undefined;
  const number = (payload.pull_request as { number?: number } | undefined)?.number ?? (payload.issue as { number?: number } | undefined)?.number;
  return number;
}

function cases(): [string, string, Record<string, unknown>][] {
  const comment = example('issue_comment', 'created');
  (comment.issue as Record<string, unknown>).pull_request = { url: 'https://api.github.com/repos/octo-org/octo-repo/pulls/1' };
  const dispatch = (action: string, clientPayload: Record<string, unknown>) => ({ ...example('repository_dispatch'), action, client_payload: clientPayload });
  const forkRun = example('workflow_run', 'completed');
  const run = forkRun.workflow_run as Record<string, unknown>;
  run.event = 'pull_request_review';
  run.head_repository = { ...(run.head_repository as object), full_name: 'outsider/octo-repo', owner: { login: 'outsider' } };
  return [
    ['a PR event', 'pull_request_target', example('pull_request', 'opened')],
    ['a review', 'pull_request_review', example('pull_request_review', 'submitted')],
    ["a comment on a PR", 'issue_comment', comment],
    ['a flowgate-pr dispatch', 'repository_dispatch', dispatch('flowgate-pr', { pr: 12, reason: 'sweep' })],
    ['a callback with pr', 'repository_dispatch', dispatch('flowgate-callback', { token: 'fgc1.x.y', result: 'success', pr: 12 })],
    ['a callback without pr', 'repository_dispatch', dispatch('flowgate-callback', { token: 'fgc1.x.y', result: 'success' })],
    ['the scheduled sweep', 'schedule', { schedule: '*/5 * * * *', repository: example('repository_dispatch').repository }],
    ['a sweep by hand', 'workflow_dispatch', example('workflow_dispatch')],
    ['a flows tag', 'push', example('push')],
    ["a fork review's follow-up", 'workflow_run', forkRun],
  ];
}

describe('the concurrency group of each run the workflow starts', () => {
  it.each(cases())('%s (%s): a run that handles a PR is in flowgate-<pr>; any other is in the sweep group or its own', (_, eventName, payload) => {
    // The repository the example was recorded in: its own PRs, not a fork's.
    const [owner, name] = String((payload.repository as { full_name: string }).full_name).split('/') as [string, string];
    const event = classify(eventName, payload, { owner, name });
    const group = groupOf(context(eventName, payload));
    const pr = prHandled(event, payload);
    if (pr !== undefined) expect(group).toBe(`flowgate-${pr}`);
    else expect([`flowgate-sweep`, `flowgate-${RUN_ID}`]).toContain(group);
    expect(jobRuns(context(eventName, payload))).toBe(true);
  });

  it('gives the kinds that handle no PR themselves their own groups: sweeps share one, the others the run id', () => {
    const groups = Object.fromEntries(cases().map(([name, eventName, payload]) => [name, groupOf(context(eventName, payload))]));
    expect(groups).toMatchObject({ 'the scheduled sweep': 'flowgate-sweep', 'a sweep by hand': 'flowgate-sweep', 'a callback without pr': `flowgate-${RUN_ID}`, "a fork review's follow-up": `flowgate-${RUN_ID}`, 'a flows tag': `flowgate-${RUN_ID}` });
    expect(classify('schedule', {}, REPO).kind).toBe('sweep');
    expect(classify('repository_dispatch', { action: 'flowgate-callback', client_payload: { token: 't' } }, REPO)).toEqual({ kind: 'callback', body: { token: 't' } });
  });
});

describe('a flowgate-pr dispatch (attack: anyone with contents: write may send one)', () => {
  const pr = (value: unknown, action = 'flowgate-pr') => classify('repository_dispatch', { action, client_payload: value === undefined ? {} : { pr: value } }, REPO);

  it('is "look at PR n" and nothing more: only the number is read', () => {
    expect(pr(7)).toEqual({ kind: 'pull', number: 7 });
    expect(classify('repository_dispatch', { action: 'flowgate-pr', client_payload: { pr: 7, reason: 'sweep', approve: true, sha: 'abc' } }, REPO)).toEqual({ kind: 'pull', number: 7 });
  });

  it.each([['a string', '7'], ['a padded string', '07'], ['zero', 0], ['a negative number', -3], ['a fraction', 1.5], ['null', null], ['an object', { number: 7 }], ['nothing', undefined]])(
    'with %s as pr is refused with the field, what was expected and what came (it would not be the PR group)',
    (_, value) => {
      for (const action of ['flowgate-pr', 'flowgate-callback']) {
        if (action === 'flowgate-callback' && value === undefined) continue;
        const event = pr(value, action);
        expect(event.kind).toBe('misconfigured');
        expect((event as { error: string }).error).toMatch(new RegExp(`^repository_dispatch ${action}: client_payload\\.pr: expected the pull request's number, a positive whole number`));
      }
    },
  );

  it('with a client_payload that is not an object is refused, not crashed on', () => {
    expect(classify('repository_dispatch', { action: 'flowgate-pr', client_payload: 'x' }, REPO).kind).toBe('misconfigured');
    expect(classify('repository_dispatch', { action: 'flowgate-pr' }, REPO).kind).toBe('misconfigured');
  });

  it('a padded or string pr would put the run in another group than the PR: the reason it is refused', () => {
    expect(groupOf(context('repository_dispatch', { action: 'flowgate-pr', client_payload: { pr: '07' } }))).toBe('flowgate-07');
    expect(groupOf(context('repository_dispatch', { action: 'flowgate-pr', client_payload: { pr: 7 } }))).toBe('flowgate-7');
  });
});
