import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/engine/state.js';
import { describeFailure, requestsFor } from '../../src/github/requests.js';
import { flowOf, run } from '../helpers.js';

const pr = { owner: 'acme', repo: 'widgets', number: 7 };
const meta = { key: 'k', step: 's', attempt: 1, at: '2026-11-24T09:00:00Z', cause: 'test', origin: 'action' as const, status: 'pending' as const };
const effect = (body: object): Effect => ({ ...meta, ...body }) as Effect;

describe('effects as GitHub requests', () => {
  it('merges at the approved SHA with the method', () => {
    expect(requestsFor(effect({ type: 'merge', method: 'squash', sha: 'abc', commit_title: 'T' }), pr)).toEqual([
      { kind: 'github', route: 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', params: { owner: 'acme', repo: 'widgets', pull_number: 7, sha: 'abc', merge_method: 'squash', commit_title: 'T' } },
    ]);
  });

  it('removes labels one by one, a missing label counting as removed', () => {
    const requests = requestsFor(effect({ type: 'unlabel', labels: ['a', 'b c'] }), pr);
    expect(requests).toHaveLength(2);
    expect(requests[1]).toMatchObject({ params: { name: 'b c' }, alreadyDone: [404] });
  });

  it('requests team reviews by slug', () => {
    expect(requestsFor(effect({ type: 'request_reviewers', users: ['mia'], teams: ['acme/security'] }), pr)[0]).toMatchObject({ params: { reviewers: ['mia'], team_reviewers: ['security'] } });
  });

  it('notifies in a comment with mentions, or through a connection', () => {
    expect(requestsFor(effect({ type: 'notify', users: ['bob'], teams: ['acme/oncall'], message: 'ping' }), pr)[0]).toMatchObject({ params: { body: '@bob @acme/oncall: ping' } });
    expect(requestsFor(effect({ type: 'notify', users: ['bob'], teams: [], connection: 'slack', message: 'ping' }), pr)).toEqual([{ kind: 'connection', connection: 'slack', body: { text: '@bob ping' } }]);
  });

  it('an escalation message names the approvers once', () => {
    const flow = flowOf(`name: e\non: { pull_request: {} }\nsteps:\n  - id: gate\n    approval:\n      from: { users: [mia] }\n      escalate: [ { after: 1h, notify: { users: [bob] } } ]\n`);
    const notify = run(flow, [], { now: 61 }).effects[0]!;
    const [request] = requestsFor(notify, pr);
    expect(request).toMatchObject({ params: { body: '@bob: **gate** in flow e has waited 1h for 1 more approval(s) from @mia.' } });
  });

  it('dispatches workflows and repository events', () => {
    expect(requestsFor(effect({ type: 'dispatch_workflow', workflow: 'deploy.yml', ref: 'main', inputs: { pr: '7' } }), pr)[0]).toMatchObject({ route: 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', params: { workflow_id: 'deploy.yml', ref: 'main' } });
    expect(requestsFor(effect({ type: 'repository_dispatch', event_type: 'go', client_payload: {} }), pr)[0]).toMatchObject({ route: 'POST /repos/{owner}/{repo}/dispatches' });
  });

  it('describes a refused merge as "head moved"', () => {
    expect(describeFailure(effect({ type: 'merge', method: 'merge', sha: 'a' }), 409, 'Head branch was modified. Review and try the merge again.')).toBe('409: head moved');
    expect(describeFailure(effect({ type: 'comment', body: '' }), 403, 'Resource not accessible by integration')).toBe('403: the app lacks access (Resource not accessible by integration)');
  });
});
