/**
 * The semantic diff (issue 10): what a run would do differently, per flow and
 * step, in plain words. Each kind of change is pinned by its sentence; a
 * rewrite that changes nothing a run does gives no change.
 */
import { describe, expect, it } from 'vitest';
import { validateFlowText } from '../../src/flow/validate.js';
import { diffFlowVersions, renderDiffMarkdown, renderDiffText } from '../../src/release/diff.js';
import type { FlowSetDiff, FlowVersion } from '../../src/release/contract.js';

const version = (label: string, files: Record<string, string>): FlowVersion => ({
  label,
  sha: `${label.length}`.padEnd(40, 'a'),
  files: Object.entries(files).map(([file, text]) => validateFlowText(text, file)),
});

const BASE = `
name: payment
on:
  pull_request:
    branches: [main]
steps:
  - id: manager
    approval:
      from: { teams: [acme/managers, acme/security] }
      exclude: [author]
      timeout: 24h
      escalate:
        - after: 8h
          notify: { users: [backup-lead] }
  - id: merge
    actions:
      - merge: { method: squash }
      - comment: "merged"
`;

/** The changes of the one flow in a diff, as the renderer words them. */
const lines = (diff: FlowSetDiff, flow = 'payment'): string[] =>
  diff.flows.find((entry) => entry.flow === flow)!.changes.map((change) => (change.step ? `${change.step}: ${change.text}` : change.text));

const diffOf = (before: string, after: string): string[] =>
  lines(diffFlowVersions(version('live', { 'a.yml': before }), version('draft', { 'a.yml': after })));

describe('the semantic diff of two flow versions', () => {
  it('finds no change when keys are reordered, comments added and defaults written out', () => {
    const rewritten = `
# the same flow, written differently
on: { pull_request: { branches: ["main"] } }
steps:
  - approval:
      timeout: 1d          # 24h in other words
      exclude: [author]
      escalate: [ { notify: { users: [backup-lead] }, after: 480m } ]
      count: 1
      from: { teams: [acme/managers, acme/security] }
      on_timeout: decline
    id: manager
    on_decline: fail
  - id: merge
    actions: [ { merge: { method: squash } }, { comment: merged } ]
name: payment
`;
    const diff = diffFlowVersions(version('live', { 'a.yml': BASE }), version('draft', { 'b.yml': rewritten }));
    expect(diff.flows).toEqual([{ flow: 'payment', kind: 'unchanged', changes: [] }]);
    expect(renderDiffText(diff)).toContain('No change to what any flow does.');
  });

  it('names a draft that stops approvals surviving "Update branch" (or lets them): never "no change"', () => {
    expect(diffOf(BASE, BASE.replace('exclude: [author]', 'keep_on_base_merge: false\n      exclude: [author]'))).toEqual(['manager: approvals survive a proven "Update branch" merge: yes → no']);
  });

  it('words a quorum change side by side', () => {
    expect(diffOf(BASE, BASE.replace('exclude: [author]', 'count: 2\n      exclude: [author]'))).toEqual(['manager: quorum 1 → 2']);
  });

  it('names a team removed from and a user added to the approvers', () => {
    const after = BASE.replace('teams: [acme/managers, acme/security]', 'teams: [acme/managers], users: [mia]');
    expect(diffOf(BASE, after)).toEqual(['manager: user mia added to approvers', 'manager: team acme/security removed from approvers']);
  });

  it('places a new step between its neighbours, and the step above now leads to it', () => {
    const after = BASE.replace('  - id: merge', '  - id: legal\n    approval:\n      from: { users: [lawyer] }\n  - id: merge');
    expect(diffOf(BASE, after)).toEqual(['new step `legal` (approval) between manager and merge', 'manager: on approve: merge → legal']);
  });

  it('says where a removed step was', () => {
    const after = BASE.replace(/ {2}- id: merge[\s\S]*$/, '');
    expect(diffOf(BASE, after)).toContain('step `merge` removed (actions, was after manager)');
  });

  it('reports steps that changed order', () => {
    const reordered = `
name: payment
on: { pull_request: { branches: [main] } }
steps:
  - id: merge
    actions: [ { merge: { method: squash } }, { comment: merged } ]
    next: manager
  - id: manager
    approval:
      from: { teams: [acme/managers, acme/security] }
      exclude: [author]
      timeout: 24h
      escalate: [ { after: 8h, notify: { users: [backup-lead] } } ]
    on_approve: succeed
`;
    expect(diffOf(BASE, reordered)).toContain('steps reordered: manager, merge → merge, manager');
  });

  it('words exclusions: the author may now decide, committers may not', () => {
    expect(diffOf(BASE, BASE.replace('exclude: [author]', 'exclude: [committers]'))).toEqual([
      'manager: the author may now decide (no longer excluded)',
      'manager: committers may no longer decide (excluded)',
    ]);
  });

  it('words decision sources, timeouts and the deadline policy', () => {
    const after = BASE.replace('timeout: 24h', 'timeout: 48h\n      on_timeout: approve\n      sources: [review]');
    expect(diffOf(BASE, after)).toEqual([
      'manager: decision sources: button, callback, comment, label, review → review',
      'manager: timeout 1d → 2d',
      'manager: at the deadline: decline → approve',
    ]);
  });

  it('words an escalation rung changed, and one added', () => {
    const after = BASE.replace('- after: 8h', '- after: 4h').replace('notify: { users: [backup-lead] }', 'notify: { users: [backup-lead] }\n        - after: 12h\n          notify: { teams: [acme/leads] }');
    expect(diffOf(BASE, after)).toEqual([
      'manager: escalation 1: after 8h, notify @backup-lead → after 4h, notify @backup-lead',
      'manager: escalation 2 added: after 12h, notify @acme/leads',
    ]);
  });

  it('words a changed routing condition and its targets', () => {
    const route = (condition: string, then: string) => `
name: payment
on: { pull_request: {} }
steps:
  - id: route
    if: ${condition}
    then: ${then}
    else: ${then === 'a' ? 'b' : 'a'}
  - id: a
    approval: { from: { users: [mia] } }
    on_approve: succeed
  - id: b
    approval: { from: { users: [max] } }
`;
    expect(diffOf(route('{ labels: [risk:high] }', 'b'), route('{ any: [ { labels: [risk:high] }, { field: amount, gt: 10000 } ] }', 'a'))).toEqual([
      'route: condition: label risk:high → (label risk:high or amount > 10000)',
      'route: then: b → a',
      'route: else: a → b',
    ]);
  });

  it('words waits and their timeouts', () => {
    const wait = (body: string) => `
name: payment
on: { pull_request: {} }
steps:
  - id: ci
    wait: ${body}
`;
    expect(diffOf(wait('{ check_run: { name: build } }'), wait('{ check_run: { name: build, conclusions: [success, neutral] }, timeout: 2h }'))).toEqual([
      'ci: waits for check run "build" (success) → check run "build" (success, neutral)',
      'ci: timeout none → 2h',
      'ci: on timeout: fail (new)',
    ]);
  });

  it('words actions by place, and a template whose text changed', () => {
    const after = BASE.replace('merge: { method: squash }', 'merge: { method: rebase }').replace('comment: "merged"', 'comment: "merged!"');
    expect(diffOf(BASE, after)).toEqual([
      'merge: action 1: merge (squash, at the approved commit) → merge (rebase, at the approved commit)',
      'merge: action 2 (comment): its text changed',
    ]);
    const added = BASE.replace('comment: "merged"', 'comment: "merged"\n      - label: [shipped]');
    expect(diffOf(BASE, added)).toEqual(['merge: action 3 added: add label shipped']);
  });

  it('words trigger changes', () => {
    const after = BASE.replace('branches: [main]', 'branches: [main, release/*]\n    paths: [billing/**]\n    types: [opened]');
    expect(diffOf(BASE, after)).toEqual([
      'starts on: opened, ready_for_review, reopened, synchronize → opened',
      'trigger base branches: main → main, release/*',
      'trigger paths: any → billing/**',
    ]);
  });

  it('compares parallel gates by name', () => {
    const parallel = (security: string) => `
name: payment
on: { pull_request: {} }
steps:
  - id: both
    parallel:
      eng: { from: { teams: [acme/eng] } }
      ${security}
`;
    expect(diffOf(parallel('sec: { from: { teams: [acme/sec] } }'), parallel('sec: { from: { teams: [acme/sec] }, count: 2 }'))).toEqual(['both: gate sec: quorum 1 → 2']);
    expect(diffOf(parallel('sec: { from: { teams: [acme/sec] } }'), parallel('legal: { from: { users: [lawyer] } }'))).toEqual([
      'both: new parallel gate `legal`',
      'both: parallel gate `sec` removed',
    ]);
  });

  it('reports a step whose kind changed as one line', () => {
    const after = BASE.replace(/actions:[\s\S]*$/, 'wait: { push: true }\n');
    expect(validateFlowText(after, 'a.yml').problems).toEqual([]);
    expect(diffOf(BASE, after)).toEqual(['merge: actions → a wait']);
  });

  it('matches flows by name across files: added, removed and moved', () => {
    const other = BASE.replace('name: payment', 'name: docs');
    const diff = diffFlowVersions(version('live', { 'a.yml': BASE, 'c.yml': other }), version('draft', { 'moved.yml': BASE, 'd.yml': other.replace('name: docs', 'name: legal') }));
    expect(diff.flows.map((entry) => [entry.flow, entry.kind])).toEqual([['docs', 'removed'], ['legal', 'added'], ['payment', 'unchanged']]);
    expect(lines(diff, 'legal')).toEqual(['new flow (2 steps: manager (approval), merge (actions))']);
    expect(lines(diff, 'docs')).toEqual(['flow removed (was in c.yml)']);
  });

  it('reports an invalid file as such, and does not call its flow removed', () => {
    const diff = diffFlowVersions(version('live', { 'a.yml': BASE }), version('draft', { 'a.yml': BASE.replace('count', 'x').replace('timeout: 24h', 'timeout: soon') }));
    expect(diff.invalid).toHaveLength(1);
    expect(diff.invalid[0]).toMatchObject({ side: 'to', file: 'a.yml' });
    expect(diff.invalid[0]!.errors[0]).toMatch(/^\d+:\d+ /);
    expect(diff.flows).toEqual([expect.objectContaining({ flow: 'payment', kind: 'changed' })]);
    expect(lines(diff)[0]).toMatch(/a\.yml is invalid in draft/);
    expect(renderDiffText(diff)).toContain('Invalid files (not compared):');
  });

  it('renders Markdown with inert mentions and literal globs', () => {
    const after = BASE.replace('teams: [acme/managers, acme/security]', 'teams: [acme/managers, acme/security, acme/everyone]').replace('branches: [main]', 'branches: [main]\n    paths: ["**/*.md"]');
    const markdown = renderDiffMarkdown(diffFlowVersions(version('live', { 'a.yml': BASE }), version('draft', { 'a.yml': after })));
    expect(markdown).toContain('**payment** (changed)');
    expect(markdown).toContain('- manager: team acme/everyone added to approvers');
    expect(markdown).toContain('\\*\\*/\\*.md');
    const mention = renderDiffMarkdown(diffFlowVersions(version('live', { 'a.yml': BASE }), version('draft', { 'a.yml': BASE.replace('backup-lead] }', 'backup-lead, boss] }') })));
    expect(mention).not.toMatch(/@boss/);
    expect(mention).toContain('@\u200dboss');
  });
});
