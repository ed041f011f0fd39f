/**
 * The semantic diff between two versions of a repository's flows (issue 10):
 * per flow, matched by name, what a run would do differently, in plain words
 * side by side ("manager: quorum 1 → 2"). Not a text diff: both sides are
 * validated and compiled first, so key order, comments, quoting and written-out
 * defaults change nothing. Pure.
 */
import { compileFlow, type CompiledFlow, type CompiledStep } from '../flow/compile.js';
import type { FlowFile } from '../flow/validate.js';
import type { Trigger } from '../flow/schema.js';
import { DEFAULT_TRIGGER_TYPES } from '../engine/triggers.js';
import type { FlowChange, FlowDiffEntry, FlowSetDiff, FlowVersion, InvalidFlowFile } from './contract.js';
import { diffStep } from './diff-step.js';
import { canonical, list } from './diff-words.js';

export { renderDiffMarkdown, renderDiffText } from './diff-render.js';

interface Located {
  file: string;
  flow: CompiledFlow;
}

/** The valid flows of a version by name; the first file wins a clash (validation reports the second). */
function flowsByName(files: readonly FlowFile[]): Map<string, Located> {
  const byName = new Map<string, Located>();
  for (const { file, flow } of files) if (flow && !byName.has(flow.name)) byName.set(flow.name, { file, flow: compileFlow(flow) });
  return byName;
}

function invalidFiles(side: 'from' | 'to', files: readonly FlowFile[]): InvalidFlowFile[] {
  return files
    .filter((file) => !file.flow)
    .map((file) => ({
      side,
      file: file.file,
      errors: file.problems.filter((problem) => problem.severity === 'error').map((problem) => `${problem.line ?? 1}:${problem.col ?? 1} ${problem.message}`),
    }));
}

export function diffFlowVersions(from: FlowVersion, to: FlowVersion): FlowSetDiff {
  const before = flowsByName(from.files);
  const after = flowsByName(to.files);
  const invalid = [...invalidFiles('from', from.files), ...invalidFiles('to', to.files)];
  const invalidNow = new Map(invalid.filter((entry) => entry.side === 'to').map((entry) => [entry.file, entry]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const flows = names.map((name): FlowDiffEntry => {
    const old = before.get(name);
    const now = after.get(name);
    if (!old) return { flow: name, kind: 'added', changes: [{ text: `new flow (${describeSteps(now!.flow.steps)})`, file: now!.file }] };
    if (!now) {
      // A flow whose file no longer validates has not been removed: it cannot be read.
      const broken = invalidNow.get(old.file);
      if (broken) return { flow: name, kind: 'changed', changes: [{ text: `${old.file} is invalid in ${to.label}, so this flow cannot be compared (${broken.errors.length} error${broken.errors.length === 1 ? '' : 's'})`, file: old.file }] };
      return { flow: name, kind: 'removed', changes: [{ text: `flow removed (was in ${old.file})`, file: old.file }] };
    }
    const changes = diffFlow(old, now);
    return { flow: name, kind: changes.length === 0 ? 'unchanged' : 'changed', changes };
  });
  return { from: { label: from.label, sha: from.sha }, to: { label: to.label, sha: to.sha }, flows, invalid };
}

const describeSteps = (steps: readonly CompiledStep[]): string =>
  `${steps.length} step${steps.length === 1 ? '' : 's'}: ${steps.map((step) => `${step.id} (${step.kind})`).join(', ')}`;

function diffFlow(old: Located, now: Located): FlowChange[] {
  const file = now.file;
  const changes: FlowChange[] = [];
  const flowChange = (text: string) => changes.push({ text, file });
  if ((old.flow.flow.description ?? '') !== (now.flow.flow.description ?? '')) flowChange('description changed');
  for (const text of diffTrigger(old.flow.flow.on.pull_request, now.flow.flow.on.pull_request)) flowChange(text);
  for (const text of diffConnections(old.flow.flow.connections ?? {}, now.flow.flow.connections ?? {})) flowChange(text);

  const oldIds = old.flow.steps.map((step) => step.id);
  const newIds = now.flow.steps.map((step) => step.id);
  newIds.forEach((id, index) => {
    if (oldIds.includes(id)) return;
    changes.push({ text: `new step \`${id}\` (${now.flow.byId.get(id)!.kind})${position(newIds, index)}`, file });
  });
  oldIds.forEach((id, index) => {
    if (newIds.includes(id)) return;
    changes.push({ text: `step \`${id}\` removed (${old.flow.byId.get(id)!.kind}, was${position(oldIds, index) || ' the only step'})`, file });
  });
  const keptOld = oldIds.filter((id) => newIds.includes(id));
  const keptNew = newIds.filter((id) => oldIds.includes(id));
  if (keptOld.join() !== keptNew.join()) flowChange(`steps reordered: ${keptOld.join(', ')} → ${keptNew.join(', ')}`);
  for (const step of now.flow.steps) {
    const previous = old.flow.byId.get(step.id);
    if (previous) for (const text of diffStep(previous, step)) changes.push({ step: step.id, text, file });
  }
  return changes;
}

/** " between manager and merge", " before merge", " after manager". */
function position(ids: readonly string[], index: number): string {
  const before = ids[index - 1];
  const after = ids[index + 1];
  if (before && after) return ` between ${before} and ${after}`;
  if (after) return ` before ${after}`;
  if (before) return ` after ${before}`;
  return '';
}

const TRIGGER_LISTS: [keyof Trigger, string][] = [
  ['branches', 'base branches'],
  ['branches_ignore', 'ignored base branches'],
  ['paths', 'paths'],
  ['paths_ignore', 'ignored paths'],
  ['labels', 'labels'],
  ['authors', 'authors'],
  ['authors_ignore', 'ignored authors'],
];

function diffTrigger(before: Trigger, after: Trigger): string[] {
  const changes: string[] = [];
  const types = (trigger: Trigger) => [...(trigger.types ?? DEFAULT_TRIGGER_TYPES)].sort();
  if (types(before).join() !== types(after).join()) changes.push(`starts on: ${list(types(before))} → ${list(types(after))}`);
  for (const [key, words] of TRIGGER_LISTS) {
    const old = [...((before[key] as string[] | undefined) ?? [])].sort();
    const now = [...((after[key] as string[] | undefined) ?? [])].sort();
    if (old.join('\n') !== now.join('\n')) changes.push(`trigger ${words}: ${list(old, 'any')} → ${list(now, 'any')}`);
  }
  if ((before.drafts ?? false) !== (after.drafts ?? false)) changes.push(`starts on draft PRs: ${before.drafts ? 'yes' : 'no'} → ${after.drafts ? 'yes' : 'no'}`);
  return changes;
}

function diffConnections(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const changes: string[] = [];
  for (const name of Object.keys(after)) {
    if (!(name in before)) changes.push(`connection \`${name}\` added`);
    else if (canonical(before[name]) !== canonical(after[name])) changes.push(`connection \`${name}\` changed`);
  }
  for (const name of Object.keys(before)) if (!(name in after)) changes.push(`connection \`${name}\` removed`);
  return changes;
}
