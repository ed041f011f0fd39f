/**
 * The semantic diff for people: Markdown for check runs and comments, plain
 * text for the terminal. A draft's text is written by whoever opened the PR, so
 * the Markdown makes its mentions inert and its emphasis and links literal.
 */
import { neutraliseMentions } from '../flow/mentions.js';
import type { FlowChange, FlowSetDiff } from './contract.js';

const short = (sha: string): string => sha.slice(0, 7);

/** Markdown's active characters made literal; backticks are kept for the step ids the diff quotes. */
export const markdownText = (text: string): string => neutraliseMentions(text.replace(/[\\*_[\]<>|~#]/g, (char) => `\\${char}`));

const line = (change: FlowChange): string => (change.step ? `${change.step}: ${change.text}` : change.text);

const KIND_WORDS = { added: 'new', removed: 'removed', changed: 'changed', unchanged: 'unchanged' } as const;

export function renderDiffMarkdown(diff: FlowSetDiff): string {
  const out: string[] = [`Flows **${markdownText(diff.from.label)}** (\`${short(diff.from.sha)}\`) → **${markdownText(diff.to.label)}** (\`${short(diff.to.sha)}\`)`, ''];
  const moved = diff.flows.filter((entry) => entry.kind !== 'unchanged');
  if (moved.length === 0 && diff.invalid.length === 0) out.push('No change to what any flow does.');
  for (const entry of moved) {
    out.push(`**${markdownText(entry.flow)}** (${KIND_WORDS[entry.kind]})`);
    for (const change of entry.changes) out.push(`- ${markdownText(line(change))}`);
    out.push('');
  }
  const same = diff.flows.filter((entry) => entry.kind === 'unchanged').map((entry) => markdownText(entry.flow));
  if (same.length > 0) out.push(`Unchanged: ${same.join(', ')}.`, '');
  if (diff.invalid.length > 0) {
    out.push('**Invalid files** (not compared):');
    for (const file of diff.invalid) {
      const label = file.side === 'from' ? diff.from.label : diff.to.label;
      out.push(`- \`${file.file}\` in ${markdownText(label)}: ${file.errors.map(markdownText).join('; ') || 'invalid'}`);
    }
  }
  return out.join('\n').trimEnd();
}

export function renderDiffText(diff: FlowSetDiff): string {
  const out: string[] = [`Flows ${diff.from.label} (${short(diff.from.sha)}) → ${diff.to.label} (${short(diff.to.sha)})`];
  const moved = diff.flows.filter((entry) => entry.kind !== 'unchanged');
  if (moved.length === 0 && diff.invalid.length === 0) out.push('No change to what any flow does.');
  for (const entry of moved) {
    out.push('', `${entry.flow} (${KIND_WORDS[entry.kind]})`);
    for (const change of entry.changes) out.push(`  ${line(change)}`);
  }
  const same = diff.flows.filter((entry) => entry.kind === 'unchanged').map((entry) => entry.flow);
  if (same.length > 0) out.push('', `Unchanged: ${same.join(', ')}`);
  if (diff.invalid.length > 0) {
    out.push('', 'Invalid files (not compared):');
    for (const file of diff.invalid) {
      const label = file.side === 'from' ? diff.from.label : diff.to.label;
      out.push(`  ${file.file} in ${label}:`, ...file.errors.map((error) => `    ${error}`));
    }
  }
  return out.join('\n');
}
