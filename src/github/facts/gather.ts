/**
 * Gathering the facts of a pull request in as few requests as possible:
 *
 *  1. the facts query, paged by 100 while the timeline or the diff goes on.
 *     The diff is skipped when the head commit's files are already known, and
 *     the timeline is read on from where the last event left it: only pages
 *     that are new cost a request. The item before the last one kept (GitHub's
 *     `before:` leaves out the cursor's own item), the last one kept (read again
 *     by its node id), and GitHub's counts of the timeline's items say whether
 *     what was kept is still true (nothing before the cursor deleted or
 *     inserted); when they disagree, or a force push rewrote the PR's commits,
 *     the whole timeline is read again.
 *     The event's one query (read-event.ts) asks the first page itself.
 *  2. what the flows need beyond that (people.ts): team members, permissions
 *     and CODEOWNERS, only what is not already known.
 */
import type { CompiledFlow } from '../../flow/compile.js';
import { lower } from '../../flow/compile.js';
import type { BaseMergeCheck, ChangedFile, FactEvent, PullRequestSnapshot } from '../../engine/facts.js';
import type { GitHubCache } from './cache.js';
import type { GitHubClient, RepoRef } from '../client.js';
import { appCommentsFrom, checkRunsFrom, commitsFrom, eventsFrom, FACTS_QUERY, isAppComment, snapshotFrom, suitesFrom, type AppCommentNode, type FactsPage, type PullRequestFields, type SuiteTime, type TimelineItem } from './pull-request-query.js';
import type { HeadMove } from './heads.js';
import { gatherPeople, type Needs } from './people.js';

export type { Needs };
export { CODEOWNERS_PATHS } from './people.js';

export function needsOf(flows: readonly CompiledFlow[]): Needs {
  const teams = new Set<string>();
  let permissions = false;
  let codeowners = false;
  const visit = (condition: unknown): void => {
    if (condition === null || typeof condition !== 'object') return;
    const record = condition as Record<string, unknown>;
    if (Array.isArray(record.author_team)) for (const team of record.author_team as string[]) teams.add(lower(team));
    for (const child of [...((record.all as unknown[]) ?? []), ...((record.any as unknown[]) ?? []), record.not]) visit(child);
  };
  for (const flow of flows) {
    for (const step of flow.steps) {
      visit(step.condition);
      for (const gate of step.gates) {
        for (const team of gate.from.teams) teams.add(team);
        for (const rung of gate.escalate) for (const team of rung.addApprovers?.teams ?? []) teams.add(team);
        permissions ||= gate.from.permission !== undefined;
        codeowners ||= gate.from.codeowners;
      }
    }
  }
  return { teams: [...teams].sort(), permissions, codeowners };
}

/** The PR (or its repository) is not there: deleted, transferred, or never was. */
export class PullRequestNotFound extends Error {
  readonly status = 404;
}

export interface GatheredFacts {
  pr: PullRequestSnapshot;
  /** The repository's default branch, where live flows are read. */
  defaultBranch?: string;
  state: PullRequestFields['state'];
  baseSha: string;
  /** The timeline as engine events, except head moves: a run's moves come from heads.ts. */
  events: FactEvent[];
  /** Force pushes on the timeline. */
  forced: HeadMove[];
  /** When GitHub created the app's check suite on each commit (with the app's id only). */
  suites: Map<string, SuiteTime[]>;
  /** How many times the PR was reopened: a run's identity includes it. */
  reopens: number;
  /** The app's own comments on the PR (with the app's login only). */
  appComments: { id: number; body: string }[];
  /** The PR's commits, newest first. */
  commits: string[];
  /** When the facts were gathered. */
  at: string;
  /** How many API requests this took, for tests and logs. */
  requests: number;
  /** What was proven of head moves that may only merge the base branch, by `before..sha` (see base-merge.ts); filled after gathering. */
  baseMerges?: Map<string, BaseMergeCheck>;
}

export interface GatherOptions {
  cache: GitHubCache;
  /** The app's own id: its check runs are not facts for `wait: check_run`; its check suites date pushes. */
  appId?: number;
  /** The app's bot login (`name[bot]`), to find its own comments. */
  appLogin?: string;
  now?: number;
  /** The head commit, when the webhook says it: its files may already be known, saving the diff pages. */
  headSha?: string;
  /** The first page, already read by the event's one query with `firstPagePlan`'s variables. */
  first?: FactsPage;
  /**
   * The nodes `firstPagePlan` names in `appComments` as they read now, by node id; null: deleted. They are the app's
   * comments in the kept timeline and the last item kept, whatever its kind: without it the kept timeline is read again.
   */
  current?: ReadonlyMap<string, AppCommentNode>;
}

/**
 * The variables of the facts query's first page: on from the timeline already read, with the diff only when the head's
 * is not known. `appComments` are the nodes to read again by id: the app's own comments kept, and the last item kept,
 * which GitHub's cursors cannot show (`before:` the cursor stops short of it, `after:` starts past it).
 */
export function firstPagePlan(repo: RepoRef, number: number, options: Pick<GatherOptions, 'cache' | 'appId' | 'appLogin' | 'headSha'>): { timeline: string | null; files: null; withFiles: boolean; withSuites: boolean; withAnchor: boolean; appComments: string[] } {
  const withSuites = options.appId !== undefined;
  const known = options.cache.timelines.peek(timelineKey(repo, number, withSuites));
  const files = options.headSha === undefined ? undefined : options.cache.filesByHead.peek(options.headSha);
  // The app's comments already kept, to read again as they are now (see APP_COMMENTS_FIELD).
  const appComments = (known?.items ?? []).flatMap((item) => (isAppComment(item, options.appLogin) && item.id ? [item.id] : []));
  const last = known?.cursor != null ? known.items.at(-1)?.id : undefined;
  if (last !== undefined && !appComments.includes(last)) appComments.push(last);
  return { timeline: known?.cursor ?? null, files: null, withFiles: files === undefined, withSuites, withAnchor: known?.cursor != null, appComments };
}

/** Items read after the cursor that were not kept already: an item is one decision, however pages overlap. */
function unseen(kept: readonly TimelineItem[], read: readonly TimelineItem[]): TimelineItem[] {
  const ids = new Set(kept.map((item) => item.id));
  return read.filter((item) => item.id === undefined || !ids.has(item.id));
}

/**
 * The kept timeline with the app's comments as they read now: edited in place, or gone. Others' comments keep the
 * body first read, even the last one kept (read again only to prove it is still there): an edit is no decision.
 */
function current(items: readonly TimelineItem[], now: ReadonlyMap<string, AppCommentNode> | undefined, appLogin: string | undefined): TimelineItem[] {
  if (!now || now.size === 0) return [...items];
  return items.flatMap((item): TimelineItem[] => {
    if (!isAppComment(item, appLogin) || !item.id || !now.has(item.id)) return [item];
    const node = now.get(item.id);
    return node ? [{ ...item, body: node.body, lastEditedAt: node.lastEditedAt }] : [];
  });
}

/** What is kept of a PR's timeline as the app reads it (with its check suites), without counting a use. */
export function keptTimeline(cache: GitHubCache, repo: RepoRef, number: number): readonly TimelineItem[] {
  return cache.timelines.peek(timelineKey(repo, number, true))?.items ?? [];
}

const pullKey = (repo: RepoRef, number: number) => `${repo.owner}/${repo.name}#${number}`.toLowerCase();

/** Timelines read with the app's check suites and without them (the CLI) differ, so they are kept apart. */
const timelineKey = (repo: RepoRef, number: number, withSuites: boolean) => `${pullKey(repo, number)}${withSuites ? '' : ':plain'}`;

/** A PR's head and base commits when the app last read it: a hint for what is known before asking. */
export function lastSeen(cache: GitHubCache, repo: RepoRef, number: number): { head: string; base: string } | undefined {
  return cache.heads.get(pullKey(repo, number));
}

type Counts = { total?: number; reviews?: number; comments?: number; anchor?: string | null };

/**
 * Whether the kept timeline and what was read after it are GitHub's timeline: the item GitHub has just before the
 * cursor is still the one kept before the last (`before:` leaves out the cursor's own item, GitHub's `endCursor` being
 * the last item's), the last one kept is still there (`lastThere`, read again by id), GitHub counts as many items,
 * reviews and comments, and no force push was read on: it drops commits and may bring ones dated before the cursor,
 * as many as it drops. A deleted, inserted or replaced item before the cursor changes one of them, whether GitHub's
 * cursors name a position or an item.
 */
function agrees(kept: readonly TimelineItem[], read: readonly TimelineItem[], timeline: readonly TimelineItem[], counts: Counts, lastThere: boolean): boolean {
  const of = (type: TimelineItem['__typename']) => timeline.reduce((sum, item) => sum + (item.__typename === type ? 1 : 0), 0);
  const last = kept.at(-1)?.id;
  const before = kept.length > 1 ? kept.at(-2)?.id : null;
  if (last === undefined || before === undefined || !lastThere) return false;
  if (read.some((item) => item.__typename === 'HeadRefForcePushedEvent')) return false;
  return counts.anchor === before && counts.total === timeline.length && counts.reviews === of('PullRequestReview') && counts.comments === of('IssueComment');
}

export async function gatherFacts(gh: GitHubClient, repo: RepoRef, number: number, needs: Needs, options: GatherOptions): Promise<GatheredFacts> {
  const now = options.now ?? Date.now();
  const { filesByHead, timelines } = options.cache;
  const plan = firstPagePlan(repo, number, options);
  const key = timelineKey(repo, number, plan.withSuites);
  // A timeline kept without a cursor is an empty one: reading it again from the start is all there is to do.
  const kept = timelines.get(key);
  const known = kept?.cursor != null ? kept : undefined;
  let requests = 0;
  // The event's first page was read on from the cursor kept when its query was planned. If that timeline is gone
  // since (evicted by other PRs' events while the query was in flight), the page is only the timeline's tail, not
  // the timeline: it is set aside and the timeline read from its start.
  let first = known === undefined && options.first?.repository?.pullRequest?.anchor !== undefined ? undefined : options.first;
  const read = async (variables: { timeline: string | null; files: string | null; withPr: boolean; withFiles: boolean; withAnchor: boolean }): Promise<NonNullable<NonNullable<FactsPage['repository']>['pullRequest']> & { defaultBranch?: string }> => {
    let page: FactsPage;
    if (first) {
      page = first;
      first = undefined;
    } else {
      page = await gh
        .graphql<FactsPage>(FACTS_QUERY, { owner: repo.owner, name: repo.name, number, ...variables, appId: options.appId ?? null, withSuites: plan.withSuites })
        .catch((error: unknown) => {
          // GitHub answers a missing repository or PR with a NOT_FOUND error rather than null.
          const errors = (error as { errors?: { type?: string }[] } | null)?.errors;
          if (errors?.some((entry) => entry.type === 'NOT_FOUND')) throw new PullRequestNotFound(`pull request ${repo.owner}/${repo.name}#${number} not found`);
          throw error;
        });
      requests += 1;
    }
    const pull = page.repository?.pullRequest;
    if (!pull) throw new PullRequestNotFound(`pull request ${repo.owner}/${repo.name}#${number} not found`);
    return { ...pull, ...(page.repository?.defaultBranchRef ? { defaultBranch: page.repository.defaultBranchRef.name } : {}) };
  };

  let pr: PullRequestFields | undefined;
  let defaultBranch: string | undefined;
  const files: ChangedFile[] = [];
  let knownFiles = options.headSha === undefined ? undefined : filesByHead.get(options.headSha);
  let filesCursor: string | null = null;
  let moreFiles = plan.withFiles;
  /** Reads the timeline on from `cursor` (and the diff while it goes on); returns what it read, where it ended, and GitHub's counts. */
  const pageOn = async (cursor: string | null) => {
    const items: TimelineItem[] = [];
    let counts: Counts = {};
    let anchor: string | null | undefined;
    let moreTimeline = true;
    let end = cursor;
    // The first page also asks for the item just before the cursor.
    let opening = true;
    while (moreTimeline || moreFiles) {
      const pull = await read({ timeline: end, files: filesCursor, withPr: pr === undefined, withFiles: moreFiles && knownFiles === undefined, withAnchor: opening && cursor !== null });
      if (opening && pull.anchor) anchor = pull.anchor.nodes[0]?.id ?? null;
      opening = false;
      if (pull.defaultBranch) defaultBranch = pull.defaultBranch;
      if (pr === undefined) {
        pr = pull as PullRequestFields;
        // The head may have moved since the webhook: files are only reused for the head GitHub reports.
        if (knownFiles && options.headSha !== pr.headRefOid) knownFiles = undefined;
        knownFiles ??= filesByHead.get(pr.headRefOid);
        if (knownFiles) moreFiles = false;
        else if (!pull.files) moreFiles = true;
      }
      if (moreTimeline) {
        items.push(...pull.timelineItems.nodes);
        moreTimeline = pull.timelineItems.pageInfo.hasNextPage;
        // An empty page has no end cursor: reading goes on from where it was.
        end = pull.timelineItems.pageInfo.endCursor ?? end;
        counts = { total: pull.timelineItems.totalCount, reviews: pull.reviewCount?.totalCount, comments: pull.commentCount?.totalCount, anchor };
      }
      if (pull.files && knownFiles === undefined) {
        files.push(...pull.files.nodes);
        moreFiles = pull.files.pageInfo.hasNextPage;
        filesCursor = pull.files.pageInfo.endCursor;
      } else {
        moreFiles = false;
      }
    }
    return { items, end, counts };
  };

  const fresh = await pageOn(known?.cursor ?? null);
  const added = known ? unseen(known.items, fresh.items) : fresh.items;
  let timeline = known ? [...current(known.items, options.current, options.appLogin), ...added] : fresh.items;
  let end = fresh.end;
  // The last item kept, as the event's query read it again: absent (a caller without that query) proves nothing.
  const lastId = known?.items.at(-1)?.id;
  const lastThere = lastId !== undefined && options.current?.get(lastId) != null;
  if (known && !agrees(known.items, added, timeline, fresh.counts, lastThere)) {
    // Something before the cursor changed (a comment deleted, a force push that dropped commits): read it all again.
    const again = await pageOn(null);
    timeline = again.items;
    end = again.end;
  }
  timelines.set(key, { items: timeline, cursor: end });
  const changed = knownFiles ?? remember(filesByHead, pr!.headRefOid, files);
  options.cache.heads.set(pullKey(repo, number), { head: pr!.headRefOid, base: pr!.baseRefOid });
  const snapshot = snapshotFrom({ pr: pr!, files: changed, timeline });
  const timelineEvents = eventsFrom(timeline);
  const forced = timelineEvents.flatMap((event) => (event.type === 'push' ? [{ at: event.at, sha: event.sha, ...(event.before ? { before: event.before } : {}), ...(event.actor ? { actor: event.actor } : {}) }] : []));
  const events = [...timelineEvents.filter((event) => event.type !== 'push'), ...checkRunsFrom(pr!, options.appId)];

  const extra = await gatherPeople(gh, repo, pr!.baseRefOid, snapshot, events, needs, now, options.cache);
  requests += extra.requests;
  return {
    pr: { ...snapshot, teams: extra.teams, permissions: extra.permissions, codeowners: extra.codeowners },
    ...(defaultBranch ? { defaultBranch } : {}),
    state: pr!.state,
    baseSha: pr!.baseRefOid,
    events,
    forced,
    suites: suitesFrom(timeline),
    reopens: timelineEvents.filter((event) => event.type === 'reopened').length,
    appComments: appCommentsFrom(timeline, options.appLogin),
    commits: commitsFrom(timeline),
    at: new Date(now).toISOString(),
    requests,
  };
}

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  cache.set(key, value);
  return value;
}
