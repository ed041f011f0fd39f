/**
 * The dry run for people: only the PRs whose outcome would differ, in a table,
 * and how many were checked. PR titles and flow text come from whoever wrote
 * them, so the Markdown keeps them inert.
 */
import type { DryRunRow } from './contract.js';
import { markdownText } from './diff-render.js';

const cell = (text: string): string => markdownText(text).replace(/\r?\n/g, ' ');

export function dryRunCounts(rows: readonly DryRunRow[]): { checked: number; identical: number; differing: number } {
  const differing = rows.filter((row) => row.differs).length;
  return { checked: rows.length, identical: rows.length - differing, differing };
}

const countLine = (rows: readonly DryRunRow[]): string => {
  const { checked, identical, differing } = dryRunCounts(rows);
  return `${checked} PR${checked === 1 ? '' : 's'} checked: ${identical} identical, ${differing} would differ.`;
};

export function renderDryRunMarkdown(rows: readonly DryRunRow[]): string {
  const out = [countLine(rows)];
  const differing = rows.filter((row) => row.differs);
  if (differing.length > 0) {
    out.push('', '| PR | live | draft |', '| --- | --- | --- |');
    for (const row of differing) out.push(`| #${row.number} ${cell(row.title)} | ${cell(row.live.summary)} | ${cell(row.draft.summary)} |`);
  }
  return out.join('\n');
}

export function renderDryRunText(rows: readonly DryRunRow[]): string {
  const out = [countLine(rows)];
  for (const row of rows.filter((candidate) => candidate.differs)) {
    out.push('', `#${row.number} ${row.title}`, `  live  → ${row.live.summary}`, `  draft → ${row.draft.summary}`);
  }
  return out.join('\n');
}
