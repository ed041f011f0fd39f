/**
 * One GraphQL query gathers what GitHub knows about a pull request: its fields,
 * labels, changed files, commits, and a timeline of reviews, dismissals, label
 * changes, comments, force pushes, closes and reopens. Pages of 100 follow for
 * long timelines and large diffs. A test validates the query against GitHub's
 * published schema (@octokit/graphql-schema).
 */
import type { ChangedFile, FactEvent, PullRequestSnapshot } from '../../engine/facts.js';

/** The timeline item types a run reads, in GitHub's enum. */
const TIMELINE_TYPES = 'PULL_REQUEST_REVIEW, REVIEW_DISMISSED_EVENT, LABELED_EVENT, UNLABELED_EVENT, ISSUE_COMMENT, HEAD_REF_FORCE_PUSHED_EVENT, PULL_REQUEST_COMMIT, CLOSED_EVENT, REOPENED_EVENT, MERGED_EVENT';

/**
 * A page of the PR's changed files and of its timeline, from `$files` and `$timeline`. The counts tell whether the
 * timeline kept from earlier events is still a prefix of GitHub's (see gather.ts): an item deleted or inserted
 * before the cursor changes them.
 */
export const PULL_REQUEST_PAGE = /* GraphQL */ `
        files(first: 100, after: $files) @include(if: $withFiles) {
          pageInfo { hasNextPage endCursor }
          nodes { path additions deletions }
        }
        timelineItems(first: 100, after: $timeline, itemTypes: [${TIMELINE_TYPES}]) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes {
            __typename
            ... on Node { id }
            ... on PullRequestReview { databaseId state submittedAt body author { login } reviewedCommit: commit { oid } }
            ... on ReviewDismissedEvent { createdAt actor { login } previousReviewState review { databaseId } }
            ... on LabeledEvent { createdAt actor { login } label { name } }
            ... on UnlabeledEvent { createdAt actor { login } label { name } }
            ... on IssueComment { id databaseId createdAt lastEditedAt body author { login __typename } }
            ... on HeadRefForcePushedEvent { createdAt actor { login } beforeCommit { oid ...AppSuites @include(if: $withSuites) } afterCommit { oid } }
            ... on PullRequestCommit { commit { oid author { user { login } } committer { user { login } } ...AppSuites @include(if: $withSuites) } }
            ... on ClosedEvent { createdAt actor { login } }
            ... on ReopenedEvent { createdAt actor { login } }
            ... on MergedEvent { createdAt actor { login } }
          }
        }
        # The item just before the cursor: the last one kept, unless something before it was deleted or inserted.
        anchor: timelineItems(last: 1, before: $timeline, itemTypes: [${TIMELINE_TYPES}]) @include(if: $withAnchor) { nodes { ... on Node { id } } }
        # Only counts: a connection asked for no nodes needs no first or last.
        reviewCount: timelineItems(itemTypes: [PULL_REQUEST_REVIEW]) { totalCount }
        commentCount: timelineItems(itemTypes: [ISSUE_COMMENT]) { totalCount }
`;

/** The fragments PULL_REQUEST_PAGE and the PR's fields use; a query that spreads them appends this. */
export const PULL_REQUEST_FRAGMENTS = /* GraphQL */ `
  fragment PullRequestFields on PullRequest {
    number
    title
    body
    url
    isDraft
    state
    author { login __typename }
    baseRefName
    baseRefOid
    headRefName
    headRefOid
    labels(first: 100) { nodes { name } }
    headCommit: commits(last: 1) {
      nodes { commit { oid checkSuites(first: 20) { nodes { app { databaseId slug } checkRuns(first: 50, filterBy: { checkType: LATEST }) { nodes { name conclusion completedAt permalink } } } } } }
    }
  }

  # When GitHub created the app's check suite on a commit: the push that made it a head, by a clock no committer sets.
  fragment AppSuites on Commit {
    appSuites: checkSuites(first: 5, filterBy: { appId: $appId }) { nodes { createdAt branch { name } } }
  }
`;

export const FACTS_QUERY = /* GraphQL */ `
  query FlowgateFacts($owner: String!, $name: String!, $number: Int!, $timeline: String, $files: String, $withPr: Boolean!, $withFiles: Boolean!, $appId: Int, $withSuites: Boolean!, $withAnchor: Boolean!) {
    repository(owner: $owner, name: $name) {
      defaultBranchRef @include(if: $withPr) { name }
      pullRequest(number: $number) {
        ...PullRequestFields @include(if: $withPr)
        ${PULL_REQUEST_PAGE}
      }
    }
  }
  ${PULL_REQUEST_FRAGMENTS}
`;

type Login = { login: string } | null;
type Page<T> = { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: T[] };
type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

/** A timeline item as read: with its node id (`id`), which tells it apart from every other. */
export type TimelineItem = TimelineItemFields & { id?: string };

type TimelineItemFields =
  | { __typename: 'PullRequestReview'; databaseId: number; state: ReviewState; submittedAt: string | null; body: string; author: Login; reviewedCommit: { oid: string } | null }
  | { __typename: 'ReviewDismissedEvent'; createdAt: string; actor: Login; previousReviewState: ReviewState; review: { databaseId: number } | null }
  | { __typename: 'LabeledEvent' | 'UnlabeledEvent'; createdAt: string; actor: Login; label: { name: string } }
  | { __typename: 'IssueComment'; databaseId: number; createdAt: string; lastEditedAt?: string | null; body: string; author: ({ login: string; __typename?: string }) | null }
  | { __typename: 'HeadRefForcePushedEvent'; createdAt: string; actor: Login; beforeCommit: ({ oid: string } & WithSuites) | null; afterCommit: { oid: string } | null }
  | { __typename: 'PullRequestCommit'; commit: { oid: string; author: { user: Login } | null; committer: { user: Login } | null } & WithSuites }
  | { __typename: 'ClosedEvent' | 'ReopenedEvent' | 'MergedEvent'; createdAt: string; actor: Login };

/** The app's check suites on a commit (absent when not asked for). */
type WithSuites = { appSuites?: { nodes: { createdAt: string; branch: { name: string } | null }[] } | null };

/** When GitHub created the app's check suite on a commit, and for which branch's push. */
export interface SuiteTime {
  createdAt: string;
  branch: string | null;
}

export interface PullRequestFields {
  number: number;
  title: string;
  body: string;
  url: string;
  isDraft: boolean;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  author: { login: string; __typename: string } | null;
  baseRefName: string;
  baseRefOid: string;
  headRefName: string;
  headRefOid: string;
  labels: { nodes: { name: string }[] };
  headCommit?: {
    nodes: { commit: { oid: string; checkSuites: { nodes: { app: { databaseId: number | null; slug?: string } | null; checkRuns: { nodes: { name: string; conclusion: string | null; completedAt: string | null; permalink: string }[] } }[] } | null } }[];
  };
}

/** Check runs that have concluded on the head, except the app's own: what `wait: check_run` waits for. */
export function checkRunsFrom(pr: PullRequestFields, appId: number | undefined): FactEvent[] {
  const commit = pr.headCommit?.nodes[0]?.commit;
  if (!commit) return [];
  return (commit.checkSuites?.nodes ?? [])
    .filter((suite) => suite.app?.databaseId !== appId)
    .flatMap((suite) => {
      // The reporting app, so a flow can require its check to come from one app and not from any workflow.
      const app = suite.app?.databaseId != null ? { app: { id: suite.app.databaseId, ...(suite.app.slug ? { slug: suite.app.slug } : {}) } } : {};
      return suite.checkRuns.nodes
        .filter((run) => run.conclusion !== null && run.completedAt !== null)
        .map((run): FactEvent => ({ type: 'check_run', at: run.completedAt!, name: run.name, conclusion: run.conclusion!.toLowerCase(), sha: commit.oid, url: run.permalink, ...app }));
    });
}

export interface FactsPage {
  repository: {
    defaultBranchRef?: { name: string } | null;
    pullRequest: (Partial<PullRequestFields> & { files?: Page<ChangedFile>; timelineItems: Page<TimelineItem> & { totalCount?: number }; anchor?: { nodes: ({ id?: string } | null)[] }; reviewCount?: { totalCount: number }; commentCount?: { totalCount: number } }) | null;
  } | null;
}

/** A deleted account shows as no login; GitHub names it `ghost`. */
const loginOf = (user: Login | undefined): string => user?.login ?? 'ghost';

export interface PullRequestPages {
  pr: PullRequestFields;
  files: ChangedFile[];
  timeline: TimelineItem[];
}

/** The snapshot fields GitHub knows; teams, permissions and CODEOWNERS come from other requests. */
export function snapshotFrom({ pr, files, timeline }: PullRequestPages): Omit<PullRequestSnapshot, 'teams' | 'permissions' | 'codeowners'> {
  const committers = new Set<string>();
  for (const item of timeline) {
    if (item.__typename !== 'PullRequestCommit') continue;
    for (const user of [item.commit.author?.user, item.commit.committer?.user]) if (user) committers.add(user.login);
  }
  return {
    number: pr.number,
    title: pr.title,
    body: pr.body,
    url: pr.url,
    author: loginOf(pr.author),
    author_type: pr.author?.__typename === 'Bot' ? 'Bot' : 'User',
    base: pr.baseRefName,
    head: pr.headRefName,
    head_sha: pr.headRefOid,
    draft: pr.isDraft,
    labels: pr.labels.nodes.map((label) => label.name),
    files,
    committers: [...committers],
  };
}

/** The PR's commits, newest first: where to look for a run whose push the app missed. */
export function commitsFrom(timeline: readonly TimelineItem[]): string[] {
  return timeline.flatMap((item) => (item.__typename === 'PullRequestCommit' ? [item.commit.oid] : [])).reverse();
}

/** The app's check suites by commit: from the PR's commits, and the commits force pushes replaced. */
export function suitesFrom(timeline: readonly TimelineItem[]): Map<string, SuiteTime[]> {
  const suites = new Map<string, SuiteTime[]>();
  const add = (commit: ({ oid: string } & WithSuites) | null) => {
    if (!commit?.appSuites) return;
    const times = commit.appSuites.nodes.map((suite) => ({ createdAt: suite.createdAt, branch: suite.branch?.name ?? null }));
    suites.set(commit.oid, [...(suites.get(commit.oid) ?? []), ...times]);
  };
  for (const item of timeline) {
    if (item.__typename === 'PullRequestCommit') add(item.commit);
    else if (item.__typename === 'HeadRefForcePushedEvent') add(item.beforeCommit);
  }
  return suites;
}

/**
 * The app's own comments: by a Bot account whose login is the app's. GraphQL names
 * a bot without the `[bot]` suffix REST uses; a user account never matches, whatever its name.
 */
export function appCommentsFrom(timeline: readonly TimelineItem[], appLogin: string | undefined): { id: number; body: string }[] {
  return timeline.flatMap((item) => (isAppComment(item, appLogin) ? [{ id: item.databaseId, body: item.body }] : []));
}

export function isAppComment(item: TimelineItem, appLogin: string | undefined): item is Extract<TimelineItem, { __typename: 'IssueComment' }> {
  if (!appLogin || item.__typename !== 'IssueComment' || item.author?.__typename !== 'Bot') return false;
  const slug = appLogin.toLowerCase().replace(/\[bot\]$/, '');
  const login = item.author.login.toLowerCase();
  return login === slug || login === `${slug}[bot]`;
}

/**
 * The app's own comments as they read now, by node id: the timeline kept from earlier events holds each comment as
 * first read, but the app edits its sticky comment, and a maintainer may edit any of the app's comments (an
 * effect's hidden key among them). Asked in the event's query (read-event.ts) so what is observed is current.
 */
export const APP_COMMENTS_FIELD = /* GraphQL */ `
      appComments: nodes(ids: $appComments) { ... on IssueComment { id databaseId body lastEditedAt } }
`;

export type AppCommentNode = { id: string; databaseId: number; body: string; lastEditedAt: string | null } | null;

const REVIEW_STATES: Partial<Record<ReviewState, 'approved' | 'changes_requested' | 'commented'>> = {
  APPROVED: 'approved',
  CHANGES_REQUESTED: 'changes_requested',
  COMMENTED: 'commented',
};

/**
 * The timeline as engine events. A dismissed review reports its state as DISMISSED;
 * what it was before comes from its dismissal event, so it is replayed as the
 * original review followed by the dismissal.
 */
export function eventsFrom(timeline: readonly TimelineItem[]): FactEvent[] {
  const before = new Map<number, ReviewState>();
  const mergedAt = new Set<string>();
  for (const item of timeline) {
    if (item.__typename === 'ReviewDismissedEvent' && item.review) before.set(item.review.databaseId, item.previousReviewState);
    if (item.__typename === 'MergedEvent') mergedAt.add(item.createdAt);
  }
  const events: FactEvent[] = [];
  for (const item of timeline) {
    switch (item.__typename) {
      case 'PullRequestReview': {
        const state = REVIEW_STATES[item.state === 'DISMISSED' ? (before.get(item.databaseId) ?? 'COMMENTED') : item.state];
        if (!state || !item.submittedAt || !item.reviewedCommit) break;
        events.push({ type: 'review', at: item.submittedAt, actor: loginOf(item.author), id: String(item.databaseId), state, sha: item.reviewedCommit.oid, ...(item.body ? { body: item.body } : {}) });
        break;
      }
      case 'ReviewDismissedEvent':
        if (item.review) events.push({ type: 'review_dismissed', at: item.createdAt, actor: loginOf(item.actor), review_id: String(item.review.databaseId) });
        break;
      case 'LabeledEvent':
      case 'UnlabeledEvent':
        events.push({ type: item.__typename === 'LabeledEvent' ? 'labeled' : 'unlabeled', at: item.createdAt, actor: loginOf(item.actor), label: item.label.name });
        break;
      case 'IssueComment':
        // GitHub marks a comment whose body changed after posting; the engine counts a command only as first posted.
        events.push({ type: 'comment', at: item.createdAt, actor: loginOf(item.author), id: String(item.databaseId), body: item.body, ...(item.lastEditedAt ? { edited: true } : {}) });
        break;
      case 'HeadRefForcePushedEvent':
        if (item.afterCommit) {
          events.push({ type: 'push', at: item.createdAt, sha: item.afterCommit.oid, ...(item.beforeCommit ? { before: item.beforeCommit.oid } : {}), actor: loginOf(item.actor) });
        }
        break;
      case 'ClosedEvent':
        // A merge also closes the PR: one event, the merge, stands for both.
        if (!mergedAt.has(item.createdAt)) events.push({ type: 'closed', at: item.createdAt, actor: loginOf(item.actor), merged: false });
        break;
      case 'MergedEvent':
        events.push({ type: 'closed', at: item.createdAt, actor: loginOf(item.actor), merged: true });
        break;
      case 'ReopenedEvent':
        events.push({ type: 'reopened', at: item.createdAt, actor: loginOf(item.actor) });
        break;
      case 'PullRequestCommit':
        break;
    }
  }
  return events;
}
