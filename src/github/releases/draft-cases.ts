/**
 * The pull requests a draft is dry-run against: the PR itself, and the last N
 * closed PRs of the repository. Facts cost requests, so a closed PR's are kept
 * per head SHA (bounded): each closed PR is gathered once per app instance.
 * Every request is counted, so the draft check can say what it spent.
 */
import type { CompiledFlow } from '../../flow/compile.js';
import type { DryRunCase } from '../../release/contract.js';
import type { GitHubClient, RepoRef } from '../client.js';
import { Lru, type GitHubCache } from '../facts/cache.js';
import { gatherFacts, needsOf, type GatheredFacts, type Needs } from '../facts/gather.js';
import { newRecord } from '../history/record.js';
import { runFacts } from '../run-facts.js';

export const CLOSED_PRS_QUERY = /* GraphQL */ `
  query FlowgateClosedPulls($owner: String!, $name: String!, $first: Int!) {
    repository(owner: $owner, name: $name) {
      pullRequests(states: [MERGED, CLOSED], first: $first, orderBy: { field: UPDATED_AT, direction: DESC }) {
        nodes { number title headRefOid createdAt closedAt }
      }
    }
  }
`;

interface ClosedAnswer {
  repository: { pullRequests: { nodes: ({ number: number; title: string; headRefOid: string; createdAt: string; closedAt: string | null } | null)[] } } | null;
}

/** Gathered facts of closed PRs, by `owner/name#number@head` and the needs they were gathered for; per app instance. */
const pastFacts = new WeakMap<GitHubCache, Lru<string, { needs: Needs; facts: GatheredFacts }>>();
const PAST_FACTS_LIMIT = 1024;

export interface CaseOptions {
  cache: GitHubCache;
  appId?: number;
  appLogin?: string;
  now: number;
}

export interface GatheredCases {
  past: DryRunCase[];
  /** Requests spent on past PRs (the list and their facts); facts found in the cache cost none. */
  requests: number;
  cached: number;
}

/** Whether facts gathered for `have` also serve flows that need `want`. */
export function covers(have: Needs, want: Needs): boolean {
  return want.teams.every((team) => have.teams.includes(team)) && (have.permissions || !want.permissions) && (have.codeowners || !want.codeowners);
}

export const unionNeeds = (flows: readonly CompiledFlow[]): Needs => needsOf(flows);

/** A PR's case: its facts as a run started at `startedAt` would see them, evaluated at `at`. */
export function caseOf(repo: RepoRef, gathered: GatheredFacts, startedAt: string, at: string): DryRunCase {
  const record = newRecord({ id: `dry-run:${gathered.pr.number}`, flow: '', version: '', started_at: startedAt, head_sha: gathered.pr.head_sha });
  return { number: gathered.pr.number, title: gathered.pr.title, facts: runFacts(repo, gathered, record), at };
}

/** The last `count` closed PRs other than `except`, as dry-run cases. */
export async function closedCases(gh: GitHubClient, repo: RepoRef, count: number, except: number, needs: Needs, options: CaseOptions): Promise<GatheredCases> {
  if (count <= 0) return { past: [], requests: 0, cached: 0 };
  const answer = await gh.graphql<ClosedAnswer>(CLOSED_PRS_QUERY, { owner: repo.owner, name: repo.name, first: Math.min(count, 100) });
  let requests = 1;
  let cached = 0;
  let store = pastFacts.get(options.cache);
  if (!store) pastFacts.set(options.cache, (store = new Lru({ entries: PAST_FACTS_LIMIT, bytes: 64 * 1024 * 1024 })));
  const past: DryRunCase[] = [];
  for (const node of answer.repository?.pullRequests.nodes ?? []) {
    if (!node || node.number === except || !node.closedAt) continue;
    const key = `${repo.owner}/${repo.name}#${node.number}@${node.headRefOid}`.toLowerCase();
    const known = store.get(key);
    let facts: GatheredFacts;
    if (known && covers(known.needs, needs)) {
      facts = known.facts;
      cached += 1;
    } else {
      facts = await gatherFacts(gh, repo, node.number, needs, { cache: options.cache, now: options.now, headSha: node.headRefOid, ...(options.appId !== undefined ? { appId: options.appId } : {}), ...(options.appLogin ? { appLogin: options.appLogin } : {}) });
      requests += facts.requests;
      store.set(key, { needs, facts });
    }
    past.push(caseOf(repo, facts, node.createdAt, node.closedAt));
  }
  return { past, requests, cached };
}
