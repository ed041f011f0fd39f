/**
 * The dry run (issue 10): live and draft flows evaluated against the same PRs
 * with the engine, one line per outcome, and which PRs would differ.
 */
import { describe, expect, it } from 'vitest';
import { validateFlowText } from '../../src/flow/validate.js';
import { dryRun, renderDryRunMarkdown, renderDryRunText } from '../../src/release/dry-run.js';
import type { DryRunCase, FlowVersion } from '../../src/release/contract.js';
import type { FactEvent } from '../../src/engine/facts.js';
import { factsOf, review, t } from '../helpers.js';

const version = (label: string, ...texts: string[]): FlowVersion => ({
  label,
  sha: 'c'.repeat(40),
  files: texts.map((text, index) => validateFlowText(text, `f${index}.yml`)),
});

const FLOW = (extra = '') => `
name: payment
on: { pull_request: { paths: ["billing/**"] } }
steps:
  - id: manager
    approval:
      from: { teams: [acme/managers] }
  ${extra}
  - id: merge
    actions: [ { merge: {} } ]
`;
const SECURITY = `- id: security
    approval:
      from: { teams: [acme/security] }`;

const closed = (minutes: number): FactEvent => ({ type: 'closed', at: t(minutes), actor: 'flowgate[bot]', merged: true });

const entry = (number: number, events: FactEvent[], snapshot = {}, at = t(60)): DryRunCase => ({ number, title: `PR ${number}`, facts: factsOf(events, { number, ...snapshot }), at });

describe('the dry run of a draft against PRs', () => {
  it('shows a PR the draft would hold back: live approved and merged, draft waits for security', () => {
    const rows = dryRun(version('live', FLOW()), version('draft', FLOW(SECURITY)), [entry(412, [review(5, 'mia'), closed(6)])]);
    expect(rows).toEqual([
      expect.objectContaining({
        number: 412,
        differs: true,
        live: { summary: 'approved by mia; merged', runs: [{ flow: 'payment', status: 'succeeded', summary: 'approved by mia; merged' }] },
        draft: expect.objectContaining({ summary: 'waiting for 1 approval from @acme/security' }),
      }),
    ]);
  });

  it('a merge by the live flow does not cancel the draft run: the PR is judged as if still open', () => {
    const [row] = dryRun(version('live', FLOW()), version('draft', FLOW(SECURITY)), [entry(1, [review(5, 'mia'), closed(6)])]);
    expect(row!.draft.runs[0]!.status).toBe('waiting');
  });

  it('finds identical outcomes identical', () => {
    const rows = dryRun(version('live', FLOW()), version('draft', FLOW().replace('merge: {}', 'merge: { method: merge }')), [entry(1, [review(5, 'mia')]), entry(2, [])]);
    expect(rows.map((row) => row.differs)).toEqual([false, false]);
    expect(rows[1]!.live.summary).toBe('waiting for 1 approval from @acme/managers');
  });

  it('lets triggers decide which flows start: no flow applies outside the paths', () => {
    const rows = dryRun(version('live', FLOW()), version('draft', FLOW().replace('billing/**', '**')), [entry(3, [review(5, 'mia')], { files: [{ path: 'docs/a.md', additions: 1, deletions: 0 }] })]);
    expect(rows[0]!.live).toEqual({ summary: 'no flow applies', runs: [] });
    expect(rows[0]!.draft.summary).toBe('approved by mia; merged');
    expect(rows[0]!.differs).toBe(true);
  });

  it('evaluates at the case instant: a decision after it does not count', () => {
    const rows = dryRun(version('live', FLOW()), version('draft', FLOW()), [entry(4, [review(90, 'mia')], {}, t(60))]);
    expect(rows[0]!.live.summary).toBe('waiting for 1 approval from @acme/managers');
  });

  it('words declines and names every flow when several apply', () => {
    const other = FLOW().replace('name: payment', 'name: audit').replace('acme/managers', 'acme/security');
    const rows = dryRun(version('live', FLOW(), other), version('draft', FLOW()), [entry(5, [review(5, 'max', 'changes_requested'), review(6, 'sam')])]);
    expect(rows[0]!.live.summary).toBe('audit: approved by sam; merged; payment: declined by max');
    expect(rows[0]!.draft.summary).toBe('declined by max');
  });

  it('ignores invalid files of a version: only valid flows run', () => {
    const rows = dryRun(version('live', FLOW()), version('draft', FLOW(), 'name: [broken'), [entry(6, [review(5, 'mia')])]);
    expect(rows[0]!.differs).toBe(false);
  });

  it('renders only the differing rows, with the count of PRs checked', () => {
    const rows = dryRun(version('live', FLOW()), version('draft', FLOW(SECURITY)), [entry(412, [review(5, 'mia')]), entry(413, [])]);
    rows[0]!.title = 'Pay @everyone | now';
    const markdown = renderDryRunMarkdown(rows);
    expect(markdown).toContain('2 PRs checked: 1 identical, 1 would differ.');
    expect(markdown).toContain('| #412 Pay @\u200deveryone \\| now | approved by mia; merged | waiting for 1 approval from @\u200dacme/security |');
    expect(markdown).not.toContain('#413');
    expect(renderDryRunText(rows)).toContain('  draft → waiting for 1 approval from @acme/security');
  });
});
