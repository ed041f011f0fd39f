/**
 * The semantic diff of one approval gate: who may decide, how many, who may
 * not, which sources count, the deadline and the escalation ladder. Both sides
 * are compiled, so a default written out ("count: 1") equals its omission.
 */
import type { CompiledEscalation, CompiledGate } from '../flow/compile.js';
import { canonical, duration, list, setChanges, yesNo } from './diff-words.js';

/** Logins compare without case, as GitHub does; the newer spelling is shown. */
const logins = (items: readonly string[]): string[] => items.map((item) => item.toLowerCase());

export function diffGate(before: CompiledGate, after: CompiledGate): string[] {
  const changes: string[] = [];
  const users = setChanges(logins(before.from.users), logins(after.from.users));
  for (const user of users.added) changes.push(`user ${user} added to approvers`);
  for (const user of users.removed) changes.push(`user ${user} removed from approvers`);
  const teams = setChanges(before.from.teams, after.from.teams);
  for (const team of teams.added) changes.push(`team ${team} added to approvers`);
  for (const team of teams.removed) changes.push(`team ${team} removed from approvers`);
  if (before.from.permission !== after.from.permission) {
    const words = (permission: string | undefined) => (permission ? `anyone with ${permission} permission` : 'no permission level');
    changes.push(`approvers by permission: ${words(before.from.permission)} → ${words(after.from.permission)}`);
  }
  if (before.from.codeowners !== after.from.codeowners) {
    changes.push(after.from.codeowners ? 'the code owners added to approvers' : 'the code owners removed from approvers');
  }
  if (before.count !== after.count) changes.push(`quorum ${before.count} → ${after.count}`);
  if (before.perTeam !== after.perTeam) changes.push(`quorum per team ${before.perTeam ?? 'none'} → ${after.perTeam ?? 'none'}`);
  changes.push(...diffExclusions(before.exclude, after.exclude));
  const beforeSources = [...before.sources].sort();
  const afterSources = [...after.sources].sort();
  if (beforeSources.join() !== afterSources.join()) changes.push(`decision sources: ${list(beforeSources)} → ${list(afterSources)}`);
  if (before.labels.approve !== after.labels.approve) changes.push(`approve label ${before.labels.approve} → ${after.labels.approve}`);
  if (before.labels.decline !== after.labels.decline) changes.push(`decline label ${before.labels.decline} → ${after.labels.decline}`);
  if (before.invalidateOnPush !== after.invalidateOnPush) {
    changes.push(`a push voids earlier approvals: ${yesNo(before.invalidateOnPush)} → ${yesNo(after.invalidateOnPush)}`);
  }
  if (before.keepOnBaseMerge !== after.keepOnBaseMerge) {
    changes.push(`approvals survive a proven "Update branch" merge: ${yesNo(before.keepOnBaseMerge)} → ${yesNo(after.keepOnBaseMerge)}`);
  }
  if (before.requestReview !== after.requestReview) {
    changes.push(`reviews requested when the gate opens: ${yesNo(before.requestReview)} → ${yesNo(after.requestReview)}`);
  }
  if (before.timeoutMs !== after.timeoutMs) changes.push(`timeout ${duration(before.timeoutMs)} → ${duration(after.timeoutMs)}`);
  if (before.onTimeout !== after.onTimeout) changes.push(`at the deadline: ${before.onTimeout} → ${after.onTimeout}`);
  changes.push(...diffLadder(before.escalate, after.escalate));
  if ((before.message ?? '') !== (after.message ?? '')) changes.push(after.message === undefined ? 'gate message removed' : before.message === undefined ? 'gate message added' : 'gate message changed');
  // A setting this diff does not name yet still shows: a draft never reads as "no change" when the gate differs.
  if (changes.length === 0 && comparable(before) !== comparable(after)) changes.push('a gate setting changed');
  return changes;
}

/** The gate as data, in the forms the words above compare (logins without case, sources as a sorted list). */
function comparable(gate: CompiledGate): string {
  return canonical({
    ...gate,
    from: { ...gate.from, users: logins(gate.from.users) },
    exclude: { ...gate.exclude, users: logins(gate.exclude.users) },
    sources: [...gate.sources].sort(),
  });
}

function diffExclusions(before: CompiledGate['exclude'], after: CompiledGate['exclude']): string[] {
  const changes: string[] = [];
  const who = { author: 'the author', committers: 'committers', bots: 'bots' } as const;
  for (const key of ['author', 'committers', 'bots'] as const) {
    if (before[key] === after[key]) continue;
    changes.push(after[key] ? `${who[key]} may no longer decide (excluded)` : `${who[key]} may now decide (no longer excluded)`);
  }
  const users = setChanges(before.users, after.users);
  for (const user of users.added) changes.push(`user ${user} excluded from deciding`);
  for (const user of users.removed) changes.push(`user ${user} no longer excluded`);
  return changes;
}

const rungWords = (rung: CompiledEscalation): string => {
  const parts = [`after ${duration(rung.afterMs)}`];
  if (rung.notify) {
    const to = [...rung.notify.users, ...rung.notify.teams].map((login) => `@${login}`);
    if (rung.notify.connection) to.push(`connection ${rung.notify.connection}`);
    parts.push(`notify ${list(to, 'nobody')}`);
  }
  if (rung.addApprovers) parts.push(`add approvers ${list([...rung.addApprovers.users, ...rung.addApprovers.teams].map((login) => `@${login}`))}`);
  if (rung.repeatMs !== undefined) parts.push(`repeat every ${duration(rung.repeatMs)}`);
  return parts.join(', ');
};

/** The ladder rung by rung: a rung's place is its identity (it fires in order). */
function diffLadder(before: readonly CompiledEscalation[], after: readonly CompiledEscalation[]): string[] {
  const changes: string[] = [];
  for (let index = 0; index < Math.max(before.length, after.length); index += 1) {
    const old = before[index];
    const now = after[index];
    const name = `escalation ${index + 1}`;
    if (!old) changes.push(`${name} added: ${rungWords(now!)}`);
    else if (!now) changes.push(`${name} removed (was: ${rungWords(old)})`);
    else if (canonical({ ...old, index: 0 }) !== canonical({ ...now, index: 0 })) {
      const wordsBefore = rungWords(old);
      const wordsAfter = rungWords(now);
      changes.push(wordsBefore === wordsAfter ? `${name}: its message changed` : `${name}: ${wordsBefore} → ${wordsAfter}`);
    }
  }
  return changes;
}
