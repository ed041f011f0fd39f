/**
 * The checks a promotion passes, gathered from GitHub and judged in one place,
 * so the app (on a tag push) and `flowgate promote` (before it creates the tag)
 * decide alike: the flows at the commit are valid, the commit is on the
 * default branch, and the version is higher than live.
 */
import type { GitHubClient, RepoRef } from '../client.js';
import { readFlows, type FlowCache, type FlowSet } from '../facts/flow-source.js';
import { policyProblems } from '../history/summary-check.js';
import { statusOf } from '../client.js';
import type { Problem } from '../../flow/problem.js';
import { judgePromotion, type PromotionJudgement } from '../../release/versions.js';
import type { LiveFlows } from './live.js';

export interface PromotionCase {
  judgement: PromotionJudgement;
  flows: FlowSet;
  /** The errors to annotate: the settings file's, then the flows'. */
  problems: Problem[];
}

/** Judges `tag` at commit `sha`, given what is live (readLiveFlows); undefined when the commit has no readable tree. */
export async function judgeTag(gh: GitHubClient, repo: RepoRef, defaultBranch: string, live: LiveFlows, tag: string, sha: string, cache: FlowCache): Promise<PromotionCase | undefined> {
  const flows = await readFlows(gh, repo, sha, cache);
  if (!flows) return undefined;
  const prefix = live.config?.config.releases.tag_prefix ?? 'flows/v';
  const promotions = live.promotions ?? [];
  const already = promotions.some((promotion) => promotion.tag === tag && promotion.sha === sha);
  const reachable = already || (await onDefaultBranch(gh, repo, defaultBranch, sha));
  const invalid = policyProblems(tag, flows)?.problems ?? [];
  const configProblems = live.config?.problems ?? [];
  const judgement = judgePromotion({ tag, sha, prefix, promotions, reachable, defaultBranch, invalid: invalid.length, configInvalid: configProblems.length, hasFlows: flows.files.length > 0 });
  return { judgement, flows, problems: [...configProblems, ...invalid] };
}

/** Whether the commit is the default branch's head or one of its ancestors. */
export async function onDefaultBranch(gh: GitHubClient, repo: RepoRef, defaultBranch: string, sha: string): Promise<boolean> {
  try {
    const { data } = await gh.request('GET /repos/{owner}/{repo}/compare/{basehead}', { owner: repo.owner, repo: repo.name, basehead: `${defaultBranch}...${sha}`, per_page: 1 });
    const status = (data as { status?: string }).status;
    return status === 'identical' || status === 'behind';
  } catch (error) {
    // No common history: not merged. Anything else, nobody can tell, and the caller fails (the app's event is delivered again).
    if (statusOf(error) === 404) return false;
    throw error;
  }
}
