/**
 * The runs on a pull request, as the app would evaluate them now, read-only:
 * nothing is applied or written. What `flowgate status` prints.
 */
import { compileFlow } from '../flow/compile.js';
import { evaluate } from '../engine/evaluate.js';
import type { Evaluation } from '../engine/state.js';
import type { GitHubCache } from './facts/cache.js';
import { findRuns } from './history/check-runs.js';
import type { GitHubClient, RepoRef } from './client.js';
import { readFlows } from './facts/flow-source.js';
import { gatherFacts, needsOf } from './facts/gather.js';
import { runFacts } from './run-facts.js';
import { keepsOnBaseMerge, proveBaseMerges } from './base-merges.js';

export interface RunStatus {
  flow: string;
  id: string;
  /** The commit of the flow file the run is pinned to. */
  version: string;
  /** What that version was called when the run started: a release tag, or `default branch`; absent for older runs. */
  versionLabel?: string;
  checkRun: { id: number; url?: string; sha: string };
  evaluation: Evaluation;
}

export async function readStatus(gh: GitHubClient, repo: RepoRef, number: number, cache: GitHubCache, now: number): Promise<{ head: string; runs: RunStatus[] }> {
  const first = await gatherFacts(gh, repo, number, { teams: [], permissions: false, codeowners: false }, { cache, now });
  const stored = await findRuns(gh, repo, first.commits.length > 0 ? first.commits.slice(0, 6) : [first.pr.head_sha], undefined);
  const flows = new Map<string, ReturnType<typeof compileFlow>>();
  for (const run of stored) {
    const set = await readFlows(gh, repo, run.record.run.version, cache);
    const flow = set?.files.find((file) => file.flow?.name === run.record.run.flow)?.flow;
    if (flow) flows.set(run.record.run.id, compileFlow(flow));
  }
  const needs = needsOf([...flows.values()]);
  const facts = needs.teams.length > 0 || needs.permissions || needs.codeowners ? await gatherFacts(gh, repo, number, needs, { cache, now, headSha: first.pr.head_sha }) : first;
  await proveBaseMerges(gh, repo, facts, stored.filter((run) => keepsOnBaseMerge(flows.get(run.record.run.id))).map((run) => run.record), cache);
  const runs: RunStatus[] = [];
  for (const run of stored) {
    const flow = flows.get(run.record.run.id);
    if (!flow) continue;
    runs.push({
      flow: flow.name,
      id: run.record.run.id,
      version: run.record.run.version,
      ...(run.record.run.label ? { versionLabel: run.record.run.label } : {}),
      checkRun: { id: run.checkRunId, sha: run.sha, ...(run.url ? { url: run.url } : {}) },
      evaluation: evaluate(flow, runFacts(repo, facts, run.record), now),
    });
  }
  return { head: facts.pr.head_sha, runs };
}
