/**
 * The semantic diff of one step, matched by id across two versions of a flow:
 * its kind, condition, gates, wait, actions and where it goes next. Targets are
 * compared resolved, so a step inserted before another changes the "next" of
 * the step above it, which is what a run will do.
 */
import { transitionsOf, type CompiledStep } from '../flow/compile.js';
import { diffGate } from './diff-gate.js';
import { canonical, describeAction, describeCondition, describeWait, duration, FIELD_WORDS } from './diff-words.js';

const KIND_WORDS: Record<CompiledStep['kind'], string> = {
  route: 'a route (if)',
  approval: 'an approval',
  parallel: 'parallel approvals',
  wait: 'a wait',
  actions: 'actions',
};

export function diffStep(before: CompiledStep, after: CompiledStep): string[] {
  if (before.kind !== after.kind) return [`${KIND_WORDS[before.kind]} → ${KIND_WORDS[after.kind]}`];
  const changes: string[] = [];
  if (before.name !== after.name) changes.push(`display name "${before.name}" → "${after.name}"`);
  switch (after.kind) {
    case 'route':
      if (canonical(before.condition) !== canonical(after.condition)) {
        changes.push(`condition: ${describeCondition(before.condition!)} → ${describeCondition(after.condition!)}`);
      }
      break;
    case 'approval':
      changes.push(...diffGate(before.gates[0]!, after.gates[0]!));
      break;
    case 'parallel':
      changes.push(...diffParallel(before, after));
      break;
    case 'wait':
      changes.push(...diffWait(before, after));
      break;
    case 'actions':
      changes.push(...diffActions(before, after));
      break;
  }
  changes.push(...diffTransitions(before, after));
  return changes;
}

function diffParallel(before: CompiledStep, after: CompiledStep): string[] {
  const changes: string[] = [];
  const old = new Map(before.gates.map((gate) => [gate.branch, gate]));
  for (const gate of after.gates) {
    const previous = old.get(gate.branch);
    if (!previous) changes.push(`new parallel gate \`${gate.branch}\``);
    else changes.push(...diffGate(previous, gate).map((change) => `gate ${gate.branch}: ${change}`));
  }
  const kept = new Set(after.gates.map((gate) => gate.branch));
  for (const gate of before.gates) if (!kept.has(gate.branch)) changes.push(`parallel gate \`${gate.branch}\` removed`);
  return changes;
}

function diffWait(before: CompiledStep, after: CompiledStep): string[] {
  const old = before.wait!;
  const now = after.wait!;
  const changes: string[] = [];
  const { timeoutMs: oldTimeout, ...oldRest } = old as typeof old & { timeoutMs?: number };
  const { timeoutMs: newTimeout, ...newRest } = now as typeof now & { timeoutMs?: number };
  if (canonical(oldRest) !== canonical(newRest)) {
    const wordsBefore = describeWait(old);
    const wordsAfter = describeWait(now);
    changes.push(wordsBefore === wordsAfter ? 'its callback message changed' : `waits for ${wordsBefore} → ${wordsAfter}`);
  }
  if (oldTimeout !== newTimeout) changes.push(`timeout ${duration(oldTimeout)} → ${duration(newTimeout)}`);
  return changes;
}

/** Actions by place: they run in order, so a moved action is a change. */
function diffActions(before: CompiledStep, after: CompiledStep): string[] {
  const changes: string[] = [];
  const old = before.actions.map(canonical);
  const now = after.actions.map(canonical);
  if (old.join('\n') !== now.join('\n')) {
    const sameSet = old.length === now.length && [...old].sort().join('\n') === [...now].sort().join('\n');
    if (sameSet) {
      changes.push(`actions reordered: ${before.actions.map(describeAction).join('; ')} → ${after.actions.map(describeAction).join('; ')}`);
    } else {
      for (let index = 0; index < Math.max(old.length, now.length); index += 1) {
        const place = `action ${index + 1}`;
        if (old[index] === now[index]) continue;
        if (index >= old.length) changes.push(`${place} added: ${describeAction(after.actions[index]!)}`);
        else if (index >= now.length) changes.push(`${place} removed (was: ${describeAction(before.actions[index]!)})`);
        else {
          const wordsBefore = describeAction(before.actions[index]!);
          const wordsAfter = describeAction(after.actions[index]!);
          changes.push(wordsBefore === wordsAfter ? `${place} (${wordsAfter}): its text changed` : `${place}: ${wordsBefore} → ${wordsAfter}`);
        }
      }
    }
  }
  if (before.onError !== after.onError) changes.push(`when an action fails: ${before.onError} → ${after.onError}`);
  return changes;
}

function diffTransitions(before: CompiledStep, after: CompiledStep): string[] {
  const old = new Map(transitionsOf(before));
  const changes: string[] = [];
  for (const [field, target] of transitionsOf(after)) {
    const previous = old.get(field);
    if (previous !== undefined && previous !== target) changes.push(`${FIELD_WORDS[field] ?? field}: ${previous} → ${target}`);
    else if (previous === undefined) changes.push(`${FIELD_WORDS[field] ?? field}: ${target} (new)`);
  }
  const kept = new Set(transitionsOf(after).map(([field]) => field));
  for (const [field, target] of old) if (!kept.has(field)) changes.push(`${FIELD_WORDS[field] ?? field}: no longer used (was ${target})`);
  return changes;
}
