/**
 * Whether a PR is open, closed or merged, and its head: read again when a merge
 * was refused or its answer lost, to tell "already merged at the approved
 * commit" (done) from "not merged" (failed, or still pending).
 */
import type { GitHubClient, RepoRef } from '../client.js';

export interface PullRequestState {
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  /** A merged PR's head is the commit it merged. */
  headSha: string;
}

const QUERY = 'query FlowgatePullState($owner: String!, $name: String!, $number: Int!) { repository(owner: $owner, name: $name) { pullRequest(number: $number) { state headRefOid } } }';

interface Answer {
  repository: { pullRequest: { state: PullRequestState['state']; headRefOid: string } | null } | null;
}

export async function pullRequestState(gh: GitHubClient, repo: RepoRef, number: number): Promise<PullRequestState> {
  const answer = await gh.graphql<Answer>(QUERY, { owner: repo.owner, name: repo.name, number });
  const pull = answer.repository?.pullRequest;
  if (!pull) throw new Error(`pull request ${repo.owner}/${repo.name}#${number} cannot be read`);
  return { state: pull.state, headSha: pull.headRefOid };
}
