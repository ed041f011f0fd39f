import { describe, expect, it } from 'vitest';
import { relevance } from '../../src/github/relevance.js';

const app = { id: 42, login: 'flowgate[bot]' };
const check = (name: string, payload: object) => relevance(name, payload, app).relevant;

describe('skipping webhooks that cannot change a run', () => {
  it('pull request events that start or move runs matter; others do not', () => {
    expect(check('pull_request', { action: 'synchronize' })).toBe(true);
    expect(check('pull_request', { action: 'assigned' })).toBe(false);
    expect(check('pull_request', { action: 'edited', changes: { body: { from: '' } } })).toBe(true);
    expect(check('pull_request', { action: 'edited', changes: { milestone: {} } })).toBe(false);
  });

  it('reviews matter unless they are comments without a command', () => {
    expect(check('pull_request_review', { action: 'submitted', review: { state: 'approved', body: null } })).toBe(true);
    expect(check('pull_request_review', { action: 'submitted', review: { state: 'commented', body: 'nit: spacing' } })).toBe(false);
    expect(check('pull_request_review', { action: 'submitted', review: { state: 'commented', body: '/approve' } })).toBe(true);
    expect(check('pull_request_review', { action: 'dismissed', review: {} })).toBe(true);
    expect(check('pull_request_review', { action: 'edited', review: {} })).toBe(false);
  });

  it('comments matter only when new, on a pull request, from someone else, with a command', () => {
    const pr = { pull_request: { url: 'x' } };
    expect(check('issue_comment', { action: 'created', issue: pr, comment: { body: 'LGTM\n/approve' }, sender: { login: 'mia' } })).toBe(true);
    expect(check('issue_comment', { action: 'created', issue: pr, comment: { body: 'LGTM' }, sender: { login: 'mia' } })).toBe(false);
    expect(check('issue_comment', { action: 'created', issue: {}, comment: { body: '/approve' }, sender: { login: 'mia' } })).toBe(false);
    expect(check('issue_comment', { action: 'edited', issue: pr, comment: { body: '/approve' }, sender: { login: 'mia' } })).toBe(false);
    expect(check('issue_comment', { action: 'created', issue: pr, comment: { body: '/flowgate status' }, sender: { login: 'flowgate[bot]' } })).toBe(false);
  });

  it('check runs: our buttons matter, our own updates never do', () => {
    expect(check('check_run', { action: 'requested_action', check_run: { app: { id: 42 } } })).toBe(true);
    expect(check('check_run', { action: 'requested_action', check_run: { app: { id: 7 } } })).toBe(false);
    expect(check('check_run', { action: 'completed', check_run: { app: { id: 42 } } })).toBe(false);
    expect(check('check_run', { action: 'completed', check_run: { app: { id: 7 } } })).toBe(true);
  });

  it('says why it skipped', () => {
    expect(relevance('push', { ref: 'refs/heads/dev', repository: { default_branch: 'main' } }, app)).toEqual({ relevant: false, reason: 'a push to a branch other than the default' });
    expect(relevance('status', {}, app)).toEqual({ relevant: false, reason: 'status events do not affect flows' });
  });
});
