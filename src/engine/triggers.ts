/**
 * Whether a pull-request event starts a flow. Runs on every webhook, so it is
 * cheap and needs only the PR snapshot.
 */
import { compileFlow, type CompiledFlow } from '../flow/compile.js';
import type { Flow } from '../flow/schema.js';
import type { PullRequestSnapshot } from './facts.js';

export type PullRequestAction = 'opened' | 'reopened' | 'synchronize' | 'ready_for_review' | 'labeled' | 'unlabeled' | 'edited';
export const DEFAULT_TRIGGER_TYPES: readonly PullRequestAction[] = ['opened', 'reopened', 'ready_for_review', 'synchronize'];

export interface TriggerMatch {
  matched: boolean;
  reason: string;
}

export function matchTrigger(flow: Flow | CompiledFlow, pr: PullRequestSnapshot, action: PullRequestAction): TriggerMatch {
  const compiled = 'byId' in flow ? flow : compileFlow(flow);
  const trigger = compiled.flow.on.pull_request;
  const no = (reason: string): TriggerMatch => ({ matched: false, reason });
  const types = trigger.types ?? DEFAULT_TRIGGER_TYPES;
  if (!types.includes(action)) return no(`${action} is not one of ${types.join(', ')}`);
  if (pr.draft && !trigger.drafts) return no('the PR is a draft (drafts: false)');
  const match = (patterns: readonly string[] | undefined, kind: 'path' | 'text', value: string) =>
    patterns === undefined || compiled.matcher(patterns, kind)(value);
  if (!match(trigger.branches, 'path', pr.base)) return no(`base ${pr.base} is not in ${trigger.branches!.join(', ')}`);
  if (trigger.branches_ignore && match(trigger.branches_ignore, 'path', pr.base)) return no(`base ${pr.base} is ignored`);
  if (!match(trigger.authors, 'text', pr.author)) return no(`author ${pr.author} is not in ${trigger.authors!.join(', ')}`);
  if (trigger.authors_ignore && match(trigger.authors_ignore, 'text', pr.author)) return no(`author ${pr.author} is ignored`);
  if (trigger.labels && !pr.labels.some((label) => match(trigger.labels, 'text', label))) {
    return no(`the PR has none of the labels ${trigger.labels.join(', ')}`);
  }
  if (trigger.paths && !pr.files.some((file) => match(trigger.paths, 'path', file.path))) {
    return no(`no changed file matches ${trigger.paths.join(', ')}`);
  }
  if (trigger.paths_ignore && pr.files.length > 0 && pr.files.every((file) => match(trigger.paths_ignore, 'path', file.path))) {
    return no(`every changed file matches paths_ignore`);
  }
  return { matched: true, reason: `${action} on ${pr.base} matches the trigger` };
}
