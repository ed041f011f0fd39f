import { validate } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import { appCommentsFrom, checkRunsFrom, eventsFrom, FACTS_QUERY, snapshotFrom, suitesFrom, type TimelineItem } from '../../src/github/facts/pull-request-query.js';

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

describe('what the shell reads for trust', () => {
  it('marks a comment GitHub says was edited, so its command is not taken as first posted', () => {
    const edited: TimelineItem[] = [
      { __typename: 'IssueComment', databaseId: 1, createdAt: '2026-11-24T09:07:00Z', lastEditedAt: '2026-11-24T09:30:00Z', body: '/approve', author: { login: 'mia' } },
      { __typename: 'IssueComment', databaseId: 2, createdAt: '2026-11-24T09:08:00Z', lastEditedAt: null, body: '/approve', author: { login: 'max' } },
    ];
    expect(eventsFrom(edited)).toEqual([
      { type: 'comment', at: '2026-11-24T09:07:00Z', actor: 'mia', id: '1', body: '/approve', edited: true },
      { type: 'comment', at: '2026-11-24T09:08:00Z', actor: 'max', id: '2', body: '/approve' },
    ]);
  });

  it('a check run carries the app that reported it', () => {
    const pr = {
      number: 7, title: 't', body: '', url: 'u', isDraft: false, state: 'OPEN' as const, author: { login: 'dev', __typename: 'User' },
      baseRefName: 'main', baseRefOid: 'b', headRefName: 'f', headRefOid: 'c2', labels: { nodes: [] },
      headCommit: { nodes: [{ commit: { oid: 'c2', checkSuites: { nodes: [
        { app: { databaseId: 15368, slug: 'github-actions' }, checkRuns: { nodes: [{ name: 'remote-tests', conclusion: 'SUCCESS', completedAt: '2026-11-24T09:10:00Z', permalink: 'p' }] } },
        { app: { databaseId: 42, slug: 'flowgate' }, checkRuns: { nodes: [{ name: 'Flowgate: gate', conclusion: 'SUCCESS', completedAt: '2026-11-24T09:11:00Z', permalink: 'q' }] } },
      ] } } }] },
    };
    expect(checkRunsFrom(pr, 42)).toEqual([
      { type: 'check_run', at: '2026-11-24T09:10:00Z', name: 'remote-tests', conclusion: 'success', sha: 'c2', url: 'p', app: { id: 15368, slug: 'github-actions' } },
    ]);
  });

  it('the app\'s own comments are a Bot\'s with the app\'s login; a user named like the app never matches', () => {
    const comments: TimelineItem[] = [
      { __typename: 'IssueComment', databaseId: 1, createdAt: '2026-11-24T09:07:00Z', body: '<!-- flowgate:sticky -->', author: { login: 'flowgate', __typename: 'Bot' } },
      { __typename: 'IssueComment', databaseId: 2, createdAt: '2026-11-24T09:08:00Z', body: '<!-- flowgate:sticky --> forged', author: { login: 'flowgate', __typename: 'User' } },
      { __typename: 'IssueComment', databaseId: 3, createdAt: '2026-11-24T09:09:00Z', body: 'other bot', author: { login: 'renovate', __typename: 'Bot' } },
    ];
    expect(appCommentsFrom(comments, 'flowgate[bot]')).toEqual([{ id: 1, body: '<!-- flowgate:sticky -->' }]);
    expect(appCommentsFrom(comments, undefined)).toEqual([]);
  });

  it('reads when GitHub created the app\'s check suite on each commit, including commits force pushes replaced', () => {
    const items: TimelineItem[] = [
      { __typename: 'PullRequestCommit', commit: { oid: 'c1', author: null, committer: null, appSuites: { nodes: [{ createdAt: '2026-11-24T09:00:00Z', branch: { name: 'f' } }] } } },
      { __typename: 'HeadRefForcePushedEvent', createdAt: '2026-11-24T09:08:00Z', actor: { login: 'dev' }, beforeCommit: { oid: 'c0', appSuites: { nodes: [{ createdAt: '2026-11-24T08:00:00Z', branch: null }] } }, afterCommit: { oid: 'c1' } },
    ];
    expect(suitesFrom(items)).toEqual(new Map([['c1', [{ createdAt: '2026-11-24T09:00:00Z', branch: 'f' }]], ['c0', [{ createdAt: '2026-11-24T08:00:00Z', branch: null }]]]));
  });
});
