import { validate } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import { eventsFrom, FACTS_QUERY, snapshotFrom, type TimelineItem } from '../../src/github/facts-query.js';

describe('the facts query', () => {
  it('is valid against GitHub\'s published GraphQL schema', () => {
    expect(validate(FACTS_QUERY).map((error) => error.message)).toEqual([]);
  });

  it('would be caught if it asked for a field GitHub does not have', () => {
    expect(validate(FACTS_QUERY.replace('isDraft', 'isDrafty')).length).toBeGreaterThan(0);
  });
});

const timeline: TimelineItem[] = [
  { __typename: 'PullRequestCommit', commit: { oid: 'c1', author: { user: { login: 'dev' } }, committer: { user: { login: 'web-flow' } } } },
  { __typename: 'LabeledEvent', createdAt: '2026-11-24T09:01:00Z', actor: { login: 'dev' }, label: { name: 'risk:high' } },
  { __typename: 'PullRequestReview', databaseId: 11, state: 'DISMISSED', submittedAt: '2026-11-24T09:05:00Z', body: '', author: { login: 'mia' }, reviewedCommit: { oid: 'c1' } },
  { __typename: 'ReviewDismissedEvent', createdAt: '2026-11-24T09:06:00Z', actor: { login: 'adam' }, previousReviewState: 'APPROVED', review: { databaseId: 11 } },
  { __typename: 'PullRequestReview', databaseId: 12, state: 'PENDING', submittedAt: null, body: '', author: { login: 'max' }, reviewedCommit: { oid: 'c1' } },
  { __typename: 'IssueComment', databaseId: 21, createdAt: '2026-11-24T09:07:00Z', body: '/approve', author: null },
  { __typename: 'HeadRefForcePushedEvent', createdAt: '2026-11-24T09:08:00Z', actor: { login: 'dev' }, beforeCommit: { oid: 'c1' }, afterCommit: { oid: 'c2' } },
  { __typename: 'MergedEvent', createdAt: '2026-11-24T09:09:00Z', actor: { login: 'adam' } },
  { __typename: 'ClosedEvent', createdAt: '2026-11-24T09:09:00Z', actor: { login: 'adam' } },
];

describe('mapping GitHub\'s answer to facts', () => {
  it('replays a dismissed review as the review it was, then its dismissal', () => {
    expect(eventsFrom(timeline)).toEqual([
      { type: 'labeled', at: '2026-11-24T09:01:00Z', actor: 'dev', label: 'risk:high' },
      { type: 'review', at: '2026-11-24T09:05:00Z', actor: 'mia', id: '11', state: 'approved', sha: 'c1' },
      { type: 'review_dismissed', at: '2026-11-24T09:06:00Z', actor: 'adam', review_id: '11' },
      { type: 'comment', at: '2026-11-24T09:07:00Z', actor: 'ghost', id: '21', body: '/approve' },
      { type: 'push', at: '2026-11-24T09:08:00Z', sha: 'c2', before: 'c1', actor: 'dev' },
      { type: 'closed', at: '2026-11-24T09:09:00Z', actor: 'adam', merged: true },
    ]);
  });

  it('takes committers from the commits, and the author type from the account', () => {
    const pr = {
      number: 7, title: 't', body: '', url: 'u', isDraft: false, state: 'OPEN' as const,
      author: { login: 'coder[bot]', __typename: 'Bot' }, baseRefName: 'main', baseRefOid: 'b', headRefName: 'f', headRefOid: 'c2',
      labels: { nodes: [{ name: 'risk:high' }] },
    };
    expect(snapshotFrom({ pr, files: [], timeline })).toMatchObject({ author: 'coder[bot]', author_type: 'Bot', committers: ['dev', 'web-flow'], labels: ['risk:high'], head_sha: 'c2' });
  });
});
