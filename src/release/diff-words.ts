/**
 * Plain words for the parts of a flow the semantic diff compares: conditions,
 * actions, waits, lists and durations. Each value is written the same way on
 * both sides of an arrow, so "quorum 1 → 2" reads as one sentence.
 */
import { formatDuration } from '../flow/duration.js';
import type { CompiledWait } from '../flow/compile.js';
import type { Action, Condition, NumberTestInput } from '../flow/schema.js';

/**
 * A value's canonical text: object keys sorted, so two YAML files that differ
 * only in key order or comments compare equal.
 */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

export const list = (items: readonly string[], none = 'none'): string => (items.length === 0 ? none : items.join(', '));

export const duration = (milliseconds: number | undefined): string =>
  milliseconds === undefined || !Number.isFinite(milliseconds) ? 'none' : formatDuration(milliseconds);

export const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

/** Items of `after` not in `before`, and of `before` not in `after`, each in its own order. */
export function setChanges<T>(before: readonly T[], after: readonly T[]): { added: T[]; removed: T[] } {
  return { added: after.filter((item) => !before.includes(item)), removed: before.filter((item) => !after.includes(item)) };
}

const COMPARATORS: [keyof NumberTestInput, string][] = [['gt', '>'], ['gte', '≥'], ['lt', '<'], ['lte', '≤'], ['eq', '=']];

function numberTest(subject: string, test: NumberTestInput): string {
  const parts = COMPARATORS.flatMap(([key, sign]) => (test[key] === undefined ? [] : [`${subject} ${sign} ${test[key]}`]));
  return parts.join(' and ') || subject;
}

/** A routing condition in words: `label risk:high or amount > 10000`. */
export function describeCondition(condition: Condition): string {
  if ('all' in condition) return `(${condition.all.map(describeCondition).join(' and ')})`;
  if ('any' in condition) return `(${condition.any.map(describeCondition).join(' or ')})`;
  if ('not' in condition) return `not ${describeCondition(condition.not)}`;
  if ('labels' in condition) return `label ${condition.labels.join(' or ')}`;
  if ('paths' in condition) return `a changed path in ${condition.paths.join(', ')}`;
  if ('changed_lines' in condition) return numberTest('changed lines', condition.changed_lines);
  if ('changed_files' in condition) return numberTest('changed files', condition.changed_files);
  if ('author' in condition) return `author ${condition.author.join(' or ')}`;
  if ('author_team' in condition) return `author in team ${condition.author_team.join(' or ')}`;
  if ('base' in condition) return `base ${condition.base.join(' or ')}`;
  if ('head' in condition) return `head ${condition.head.join(' or ')}`;
  if ('title' in condition) return `title ${condition.title.join(' or ')}`;
  if ('draft' in condition) return condition.draft ? 'a draft PR' : 'not a draft PR';
  const { field, eq, ne, in: within, matches, exists, ...numbers } = condition;
  const parts: string[] = [];
  if (Object.keys(numbers).length > 0) parts.push(numberTest(field, numbers));
  if (eq !== undefined) parts.push(`${field} = ${JSON.stringify(eq)}`);
  if (ne !== undefined) parts.push(`${field} ≠ ${JSON.stringify(ne)}`);
  if (within !== undefined) parts.push(`${field} in ${within.map((item) => JSON.stringify(item)).join(', ')}`);
  if (matches !== undefined) parts.push(`${field} matches ${matches}`);
  if (exists !== undefined) parts.push(exists ? `${field} is given` : `${field} is not given`);
  return parts.join(' and ') || `${field} is given`;
}

const people = (users: readonly string[] = [], teams: readonly string[] = []): string =>
  [...users, ...teams].map((login) => `@${login}`).join(', ');

/** An action in words; its templates' text is compared, not shown. */
export function describeAction(action: Action): string {
  if ('comment' in action) return 'comment';
  if ('label' in action) return `add label ${action.label.join(', ')}`;
  if ('unlabel' in action) return `remove label ${action.unlabel.join(', ')}`;
  if ('request_reviewers' in action) return `request reviews from ${people(action.request_reviewers.users, action.request_reviewers.teams) || 'nobody'}`;
  if ('merge' in action) return `merge (${action.merge.method ?? 'merge'}, at the ${action.merge.sha ?? 'approved'} commit)`;
  if ('close' in action) return 'close the PR';
  if ('dispatch_workflow' in action) return `run workflow ${action.dispatch_workflow.workflow}${action.dispatch_workflow.ref ? ` on ${action.dispatch_workflow.ref}` : ''}`;
  if ('repository_dispatch' in action) return `repository dispatch ${action.repository_dispatch.event_type}`;
  if ('webhook' in action) return `webhook through connection ${action.webhook.connection}`;
  const { users, teams, connection, decide } = action.notify;
  const to = [people(users, teams), connection ? `connection ${connection}` : ''].filter(Boolean).join(' and ');
  return `notify ${to || 'nobody'}${decide ? ` (decide ${decide})` : ''}`;
}

/** What a wait step waits for, in words. */
export function describeWait(wait: CompiledWait): string {
  switch (wait.kind) {
    case 'callback':
      return 'a callback';
    case 'check_run':
      return `check run "${wait.name}" (${wait.conclusions.join(', ')}${wait.app !== undefined ? `, from app ${wait.app}` : ''})`;
    case 'label':
      return `label ${wait.label}`;
    case 'push':
      return 'a push';
    case 'duration':
      return `${duration(wait.durationMs)}`;
  }
}

/** Transition fields as people say them. */
export const FIELD_WORDS: Record<string, string> = {
  then: 'then',
  else: 'else',
  on_approve: 'on approve',
  on_decline: 'on decline',
  on_timeout: 'on timeout',
  next: 'next',
};
