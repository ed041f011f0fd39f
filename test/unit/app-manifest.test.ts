import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/engine/state.js';
import { requestsFor } from '../../src/github/effects/requests.js';

const manifest = yaml.load(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as {
  default_permissions: Record<string, string>;
  default_events: string[];
};

/** The permission GitHub requires for each route the app calls (from GitHub's REST docs). */
const NEEDS: Record<string, [string, 'read' | 'write']> = {
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': ['issues', 'write'],
  'POST /repos/{owner}/{repo}/issues/{issue_number}/labels': ['issues', 'write'],
  'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}': ['issues', 'write'],
  'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers': ['pull_requests', 'write'],
  'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge': ['contents', 'write'],
  'PATCH /repos/{owner}/{repo}/pulls/{pull_number}': ['pull_requests', 'write'],
  'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches': ['actions', 'write'],
  'POST /repos/{owner}/{repo}/dispatches': ['contents', 'write'],
};

const every: Effect['type'][] = ['comment', 'label', 'unlabel', 'request_reviewers', 'merge', 'close', 'dispatch_workflow', 'repository_dispatch', 'webhook', 'notify'];
const sample = (type: Effect['type']) =>
  ({ type, key: 'k', step: 's', attempt: 1, at: '', cause: '', origin: 'action', status: 'pending', body: '', labels: ['x'], users: [], teams: [], method: 'merge', sha: 'a', workflow: 'w', ref: 'main', inputs: {}, event_type: 'e', client_payload: {}, connection: undefined, message: '' }) as unknown as Effect;

describe('app.yml', () => {
  it('grants every permission the effects need', () => {
    const routes = every.flatMap((type) => requestsFor(sample(type), { owner: 'o', repo: 'r', number: 1 })).flatMap((request) => (request.kind === 'github' ? [request.route] : []));
    for (const route of new Set(routes)) {
      const need = NEEDS[route];
      expect(need, `no permission listed for ${route}`).toBeDefined();
      const granted = manifest.default_permissions[need![0]];
      expect(granted === 'write' || granted === need![1], `${route} needs ${need![0]}: ${need![1]}`).toBe(true);
    }
  });

  it('subscribes to the events the app handles', () => {
    expect(manifest.default_events.sort()).toEqual(['check_run', 'issue_comment', 'member', 'membership', 'organization', 'pull_request', 'pull_request_review', 'push', 'repository_dispatch', 'team']);
  });
});
