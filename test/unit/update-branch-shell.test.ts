import { validate } from '@octokit/graphql-schema';
import { describe, expect, it } from 'vitest';
import { movesToProve, proveBaseMerges } from '../../src/github/base-merges.js';
import type { GitHubClient } from '../../src/github/client.js';
import { BASE_MERGE_QUERY } from '../../src/github/facts/base-merge.js';
import { GitHubCache } from '../../src/github/facts/cache.js';
import type { GatheredFacts } from '../../src/github/facts/gather.js';
import { newRecord } from '../../src/github/history/record.js';
import { runFacts } from '../../src/github/run-facts.js';
import type { FactEvent } from '../../src/engine/facts.js';
import { HEAD, NEXT, pr, t } from '../helpers.js';

const MERGE = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3';
const repo = { owner: 'acme', name: 'widgets' };

function gathered(events: FactEvent[], head = MERGE): GatheredFacts {
  return { pr: pr({ head_sha: head }), state: 'OPEN', baseSha: 'base', events, forced: [], suites: new Map(), reopens: 0, appComments: [], commits: [head], at: t(30), requests: 1 };
}

function recordWith(pushes: { at: string; sha: string; before: string }[]) {
  const record = newRecord({ id: 'run1', flow: 'gate', version: 'v', started_at: t(0), head_sha: HEAD });
  record.pushes.push(...pushes);
  return record;
}

const approval: FactEvent = { type: 'review', at: t(5), actor: 'mia', id: '1', state: 'approved', sha: HEAD };

/** Counts what is asked; every request fails, as a GitHub that is down. */
function downGitHub() {
  const asked: string[] = [];
  const gh: GitHubClient = {
    graphql: (query) => (asked.push(query.includes('FlowgateBaseMerge') ? 'base-merge' : 'other'), Promise.reject(Object.assign(new Error('down'), { status: 503 }))),
    request: (route) => (asked.push(route), Promise.reject(Object.assign(new Error('down'), { status: 503 }))),
  };
  return { gh, asked };
}

describe('which head moves Flowgate asks GitHub about', () => {
  it('the base-merge query is one GitHub\'s schema accepts', () => {
    expect(validate(BASE_MERGE_QUERY).map((error) => error.message)).toEqual([]);
  });

  it('a move after a possible approval is asked about; one before any is not (it has nothing to keep)', () => {
    const record = recordWith([{ at: t(10), sha: MERGE, before: HEAD }]);
    expect(movesToProve(repo, gathered([approval]), [record])).toEqual([{ before: HEAD, sha: MERGE }]);
    expect(movesToProve(repo, gathered([{ ...approval, at: t(12) }]), [record])).toEqual([]);
    expect(movesToProve(repo, gathered([{ type: 'comment', at: t(5), actor: 'mia', id: '2', body: 'nice' }]), [record])).toEqual([]);
    expect(movesToProve(repo, gathered([{ type: 'comment', at: t(5), actor: 'mia', id: '2', body: '/approve' }]), [record])).toEqual([{ before: HEAD, sha: MERGE }]);
  });

  it('an event with no head move asks nothing', async () => {
    const { gh, asked } = downGitHub();
    const facts = gathered([approval], HEAD);
    expect(await proveBaseMerges(gh, repo, facts, [recordWith([])], new GitHubCache())).toBe(0);
    expect(asked).toEqual([]);
  });

  it('a proof GitHub could not give voids the approvals with the reason, is not kept, and is asked again on the next event', async () => {
    const { gh, asked } = downGitHub();
    const cache = new GitHubCache();
    const record = recordWith([{ at: t(10), sha: MERGE, before: HEAD }]);
    const facts = gathered([approval]);
    await proveBaseMerges(gh, repo, facts, [record], cache);
    const push = runFacts(repo, facts, record).events.find((event) => event.type === 'push');
    expect(push).toMatchObject({ sha: MERGE, base_merge: { refused: 'could not read the commits from GitHub (503)' } });
    await proveBaseMerges(gh, repo, gathered([approval]), [record], cache);
    expect(asked).toEqual(['base-merge', 'base-merge']);
  });

  it('a proof that cannot change is kept: the next event asks nothing', async () => {
    const cache = new GitHubCache();
    let asked = 0;
    const gh: GitHubClient = {
      graphql: <T>() => ((asked += 1), Promise.resolve({ repository: { head: { parents: { totalCount: 1, nodes: [{ oid: HEAD }] } }, base: { target: { oid: 'tip' } } } } as T)),
      request: () => Promise.reject(new Error('not asked')),
    };
    const record = recordWith([{ at: t(10), sha: NEXT, before: HEAD }]);
    await proveBaseMerges(gh, repo, gathered([approval], NEXT), [record], cache);
    const again = gathered([approval], NEXT);
    expect(await proveBaseMerges(gh, repo, again, [record], cache)).toBe(0);
    expect(asked).toBe(1);
    expect(again.baseMerges?.get(`${HEAD}..${NEXT}`)).toEqual({ refused: 'b2b2b2b has 1 parent(s): not a merge' });
  });
});
