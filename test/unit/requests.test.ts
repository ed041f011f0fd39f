import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/engine/state.js';
import { deliveryOf, describeFailure, requestsFor } from '../../src/github/effects/requests.js';
import { commentText } from '../../src/github/history/markers.js';
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
    expect(requestsFor(effect({ type: 'notify', users: ['bob'], teams: ['acme/oncall'], message: 'ping' }), pr)[0]).toMatchObject({ params: { body: '@bob @acme/oncall: ping\n\n<!-- flowgate:effect k -->' } });
    expect(requestsFor(effect({ type: 'notify', users: ['bob'], teams: [], connection: 'slack', message: 'ping' }), pr)).toEqual([{ kind: 'connection', connection: 'slack', body: { text: '@bob ping' } }]);
  });

  it('an escalation message names the approvers once', () => {
    const flow = flowOf(`name: e\non: { pull_request: {} }\nsteps:\n  - id: gate\n    approval:\n      from: { users: [mia] }\n      escalate: [ { after: 1h, notify: { users: [bob] } } ]\n`);
    const notify = run(flow, [], { now: 61 }).effects[0]!;
    const [request] = requestsFor(notify, pr);
    expect(request).toMatchObject({ params: { body: `@bob: **gate** in flow e has waited 1h for 1 more approval(s) from @mia.\n\n<!-- flowgate:effect ${encodeURIComponent(notify.key)} -->` } });
  });

  it('dispatches workflows and repository events', () => {
    expect(requestsFor(effect({ type: 'dispatch_workflow', workflow: 'deploy.yml', ref: 'main', inputs: { pr: '7' } }), pr)[0]).toMatchObject({ route: 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', params: { workflow_id: 'deploy.yml', ref: 'main' } });
    expect(requestsFor(effect({ type: 'repository_dispatch', event_type: 'go', client_payload: {} }), pr)[0]).toMatchObject({ route: 'POST /repos/{owner}/{repo}/dispatches' });
  });

  it("a comment ends with its effect's key, hidden, and text rendered into it cannot make a marker", () => {
    const [request] = requestsFor(effect({ type: 'comment', body: '<!-- flowgate:sticky --> Fix it <!--flowgate:effect other -->' }), pr);
    expect(request).toMatchObject({ params: { body: '&lt;!-- flowgate:sticky --> Fix it &lt;!--flowgate:effect other -->\n\n<!-- flowgate:effect k -->' } });
  });

  it('what people read of a comment is its text, without the marker', () => {
    const [request] = requestsFor(effect({ type: 'comment', body: 'Shipped.', key: 'run:ship:1:action-0' }), pr);
    expect(commentText((request as unknown as { params: { body: string } }).params.body)).toBe('Shipped.');
  });

  it('a key that holds "-->" (a label name) cannot close its marker early', () => {
    const [request] = requestsFor(effect({ type: 'comment', body: 'x', key: 'run:refused-label:a -->b:mia:1:comment' }), pr);
    expect((request as unknown as { params: { body: string } }).params.body.split('\n').at(-1)).toBe('<!-- flowgate:effect run%3Arefused-label%3Aa%20--%3Eb%3Amia%3A1%3Acomment -->');
  });

  it("a repository dispatch carries the effect's key for its receiver to drop a repeat", () => {
    expect(requestsFor(effect({ type: 'repository_dispatch', event_type: 'go', client_payload: { pr: '7' } }), pr)[0]).toMatchObject({ params: { client_payload: { pr: '7', flowgate_effect_key: 'k' } } });
  });

  it('names how each effect type is made to happen once', () => {
    const kinds = (body: object) => deliveryOf(effect(body));
    expect([kinds({ type: 'comment', body: '' }), kinds({ type: 'merge', method: 'merge', sha: 'a' }), kinds({ type: 'label', labels: [] })]).toEqual(['observed', 'observed', 'observed']);
    expect([kinds({ type: 'webhook', connection: 'c', body: {} }), kinds({ type: 'notify', users: [], teams: [], connection: 'slack', message: '' })]).toEqual(['keyed', 'keyed']);
    expect([kinds({ type: 'dispatch_workflow', workflow: 'w', ref: 'main', inputs: {} }), kinds({ type: 'repository_dispatch', event_type: 'go', client_payload: {} })]).toEqual(['intent', 'intent']);
  });

  it('describes a refused merge as "head moved"', () => {
    expect(describeFailure(effect({ type: 'merge', method: 'merge', sha: 'a' }), 409, 'Head branch was modified. Review and try the merge again.')).toBe('409: head moved');
    expect(describeFailure(effect({ type: 'comment', body: '' }), 403, 'Resource not accessible by integration')).toBe('403: the app lacks access (Resource not accessible by integration)');
  });
});
