/**
 * What changed between two versions of the flows, for the `Flowgate: release`
 * check run. Until the semantic diff (src/release/diff.ts: diffFlowVersions,
 * renderDiffMarkdown) is merged, this says which flow files were added,
 * removed or changed; the one call to replace is in renderReleaseChanges.
 */
import type { FlowVersion } from '../../release/contract.js';

/** The changes from `from` to `to`, as Markdown. */
export function renderReleaseChanges(from: FlowVersion, to: FlowVersion): string {
  // At merge: return renderDiffMarkdown(diffFlowVersions(from, to));
  return changedFiles(from, to);
}

function changedFiles(from: FlowVersion, to: FlowVersion): string {
  const before = new Map(from.files.map((file) => [file.file, JSON.stringify(file.flow ?? file.problems)]));
  const after = new Map(to.files.map((file) => [file.file, JSON.stringify(file.flow ?? file.problems)]));
  const lines: string[] = [];
  for (const [file, text] of after) {
    if (!before.has(file)) lines.push(`- \`${file}\`: added`);
    else if (before.get(file) !== text) lines.push(`- \`${file}\`: changed`);
  }
  for (const file of before.keys()) if (!after.has(file)) lines.push(`- \`${file}\`: removed`);
  const count = lines.length;
  return [`${count} flow${count === 1 ? '' : 's'} changed from ${from.label} (${from.sha.slice(0, 7)}) to ${to.label} (${to.sha.slice(0, 7)})${count === 0 ? '.' : ':'}`, ...lines].join('\n');
}
