/**
 * What changed between two versions of the flows, for the `Flowgate: release`
 * check run: the semantic diff (src/release/diff.ts), in Markdown.
 */
import type { FlowVersion } from '../../release/contract.js';
import { diffFlowVersions } from '../../release/diff.js';
import { renderDiffMarkdown } from '../../release/diff-render.js';

/** The changes from `from` to `to`, as Markdown. */
export function renderReleaseChanges(from: FlowVersion, to: FlowVersion): string {
  return renderDiffMarkdown(diffFlowVersions(from, to));
}
