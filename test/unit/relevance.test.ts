import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/**
 * A server screens each delivery before it knows its login (GitHub says it, GET /app), so a skip must
 * never rest on what it does not know: with part of its identity, it skips only what it would skip
 * with all of it, for the same reason.
 */
describe('screening before the app knows who it is', () => {
  const examples = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as { name: string; examples: Record<string, unknown>[] }[];
  const ownLogin = 'flowgate[bot]';
  /** Every example payload, and variants that only the app's identity tells apart: its own comment and check runs. */
  const deliveries: [string, unknown][] = examples.flatMap(({ name, examples: payloads }) =>
    payloads.flatMap((payload) => {
      const variants: unknown[] = [payload];
      if (name === 'issue_comment') {
        const pr = { ...(payload.issue as object), pull_request: { url: 'x' } };
        for (const body of ['/approve', 'LGTM']) {
          for (const login of [ownLogin, 'mia']) variants.push({ ...payload, issue: pr, comment: { ...(payload.comment as object), body }, sender: { ...(payload.sender as object), login } });
        }
      }
      if (name === 'check_run') for (const id of [app.id, 7]) variants.push({ ...payload, check_run: { ...(payload.check_run as object), app: { id } } });
      return variants.map((variant) => [name, variant] as [string, unknown]);
    }),
  );
  const partial = [{}, { id: app.id }, { login: ownLogin }];

  it('skips only what the whole identity skips, for the same reason, over every example payload', () => {
    expect(deliveries.length).toBeGreaterThan(300);
    let skipped = 0;
    for (const [name, payload] of deliveries) {
      const whole = relevance(name, payload, app);
      for (const known of partial) {
        const screened = relevance(name, payload, known);
        if (screened.relevant) continue;
        skipped += 1;
        expect({ name, known, whole }).toEqual({ name, known, whole: screened });
      }
    }
    expect(skipped).toBeGreaterThan(200);
  });

  it('a command from the app itself, or a button of unknown origin, is looked at again once the app knows who it is', () => {
    const own = { action: 'created', issue: { pull_request: { url: 'x' } }, comment: { body: '/approve' }, sender: { login: ownLogin } };
    expect(relevance('issue_comment', own, { id: app.id })).toEqual({ relevant: true, reason: 'a comment with a command, perhaps our own' });
    expect(relevance('issue_comment', own, app)).toEqual({ relevant: false, reason: 'our own comment' });
    const button = { action: 'requested_action', check_run: { app: { id: 7 } } };
    expect(relevance('check_run', button, {}).relevant).toBe(true);
    expect(relevance('check_run', button, app).relevant).toBe(false);
    const ours = { action: 'completed', check_run: { app: { id: app.id } } };
    expect(relevance('check_run', ours, { login: ownLogin }).relevant).toBe(true);
    expect(relevance('check_run', ours, app)).toEqual({ relevant: false, reason: 'our own check run' });
  });

  it('a comment without a command is skipped whoever the app is: it needs no identity', () => {
    const comment = { action: 'created', issue: { pull_request: { url: 'x' } }, comment: { body: 'LGTM' }, sender: { login: 'mia' } };
    expect(relevance('issue_comment', comment, {})).toEqual({ relevant: false, reason: 'a comment without a command' });
  });
});
