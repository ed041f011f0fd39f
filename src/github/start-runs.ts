import type { CompiledFlow } from '../flow/compile.js';
import { DEFAULT_TRIGGER_TYPES, matchTrigger, type PullRequestAction } from '../engine/triggers.js';
import type { GatheredFacts } from './facts/gather.js';
import { newRecord, type AppRecord } from './history/record.js';
import type { StoredRun } from './history/stored-run.js';
import type { Payload } from './payload.js';
import { runIdentity, sameGeneration } from './run-identity.js';

const STARTING_ACTIONS = new Set<string>(['opened', 'reopened', 'synchronize', 'ready_for_review', 'labeled', 'unlabeled', 'edited']);

/**
 * New runs. A PR event a flow's trigger names starts that flow. Any other event,
 * and the sweep, starts a flow that matches the PR as it is now and has no run on
 * the PR yet: the event that should have started it failed. Never a run beside
 * one of the same flow still waiting (it follows the PR), and never a second run
 * of the same identity, whatever became of the first (see run-identity.ts).
 * The run starts now: decisions made before it do not count.
 */
export function startRuns(name: string, payload: Payload, facts: GatheredFacts, flows: readonly CompiledFlow[], found: readonly StoredRun[], version: string | undefined, number: number, now: number, label?: string): StoredRun[] {
  if (facts.state !== 'OPEN' || version === undefined) return [];
  const action = name === 'pull_request' && STARTING_ACTIONS.has(payload.action ?? '') ? (payload.action as PullRequestAction) : undefined;
  const head = facts.pr.head_sha;
  return flows
    .filter((flow) => {
      const runs = found.filter((run) => run.record.run.flow === flow.name);
      if (runs.some((run) => run.status !== 'completed')) return false;
      const id = runIdentity(number, flow.name, head, facts.reopens);
      // A run that started on another commit and ended on this one (its merge refused: the head moved) does not
      // stand in for a run of this commit; one that started here does, whatever its id.
      const startedHere = (run: StoredRun) => run.sha === head && (run.record.run.head_sha ?? head) === head && sameGeneration(run.record.run.id, facts.reopens);
      if (runs.some((run) => run.record.run.id === id || startedHere(run))) return false;
      if (action && matchTrigger(flow, facts.pr, action).matched) return true;
      if (runs.some((run) => sameGeneration(run.record.run.id, facts.reopens))) return false;
      return (flow.flow.on.pull_request.types ?? DEFAULT_TRIGGER_TYPES).some((type) => matchTrigger(flow, facts.pr, type).matched);
    })
    .map((flow) => {
      const record: AppRecord = newRecord({
        id: runIdentity(number, flow.name, head, facts.reopens),
        flow: flow.name,
        version,
        ...(label ? { label } : {}),
        started_at: new Date(now).toISOString(),
        head_sha: head,
      });
      return { checkRunId: 0, sha: head, status: 'queued', record };
    });
}
