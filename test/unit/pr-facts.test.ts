import { describe, expect, it } from 'vitest';
import { numericValue, parseBodyFields } from '../../src/engine/body-fields.js';
import { ownersOf, parseCodeowners } from '../../src/engine/codeowners.js';
import { evaluateCondition } from '../../src/engine/conditions.js';
import { prContext } from '../../src/engine/pr-context.js';
import { matchTrigger } from '../../src/engine/triggers.js';
import { compileFlow } from '../../src/flow/compile.js';
import type { Condition } from '../../src/flow/schema.js';
import { flowOf, GATE_FLOW, pr } from '../helpers.js';

describe('fields in the PR body', () => {
  it('reads `name: value` lines, bold names, list items and headings', () => {
    const body = [
      'Amount: 12,000',
      '- **Risk level:** high',
      '* cost-center: ops',
      '### Ticket',
      '',
      'OPS-42',
      '```',
      'ignored: inside a fence',
      '```',
      'See https://example.com/x',
      'amount: 1',
    ].join('\n');
    expect(parseBodyFields(body)).toEqual({ amount: '12,000', risk_level: 'high', cost_center: 'ops', ticket: 'OPS-42' });
  });

  it('reads numbers as people write them', () => {
    expect(numericValue('12,000')).toBe(12000);
    expect(numericValue('$12,000.50')).toBe(12000.5);
    expect(numericValue('12000 USD')).toBe(12000);
    expect(numericValue('-3')).toBe(-3);
    expect(numericValue('high')).toBeUndefined();
    expect(numericValue('12 apples and 3 pears')).toBeUndefined();
  });
});

describe('CODEOWNERS', () => {
  const rules = parseCodeowners('# owners\n*       @org/everyone\n/billing/ @org/payments @ann  # money\n*.md    @docs-team dev@example.com\nbilling/README.md @bea\n');

  it('applies the last matching rule, as GitHub does', () => {
    expect(ownersOf('src/x.ts', rules).owners).toEqual(['org/everyone']);
    expect(ownersOf('billing/ledger.ts', rules).owners).toEqual(['org/payments', 'ann']);
    expect(ownersOf('docs/guide.md', rules).owners).toEqual(['docs-team']);
    expect(ownersOf('billing/README.md', rules)).toMatchObject({ owners: ['bea'], rule: { line: 5 } });
  });

  it('anchors a leading slash to the root', () => {
    expect(ownersOf('lib/billing/x.ts', rules).owners).toEqual(['org/everyone']);
  });

  it('follows GitHub where it differs from gitignore: docs/* owns direct children only', () => {
    const github = parseCodeowners('* @all\ndocs/* @docs\napps/ @apps\n/build/logs/ @logs\n**/deploy @ops\n');
    expect(ownersOf('docs/intro.md', github).owners).toEqual(['docs']);
    expect(ownersOf('docs/guide/intro.md', github).owners).toEqual(['all']);
    expect(ownersOf('src/apps/web/index.ts', github).owners).toEqual(['apps']);
    expect(ownersOf('build/logs/2026/a.log', github).owners).toEqual(['logs']);
    expect(ownersOf('x/build/logs/a.log', github).owners).toEqual(['all']);
    expect(ownersOf('infra/deploy/main.tf', github).owners).toEqual(['ops']);
  });
});

describe('conditions', () => {
  const flow = compileFlow(flowOf(GATE_FLOW));
  const check = (condition: Condition, overrides = {}, labels: string[] = []) =>
    evaluateCondition(condition, { flow, context: prContext(pr(overrides)), labels });

  it('combines with all, any and not', () => {
    expect(check({ all: [{ draft: false }, { base: ['main'] }] }).value).toBe(true);
    expect(check({ any: [{ draft: true }, { base: ['release/*'] }] })).toMatchObject({ value: false, reason: expect.stringMatching(/^none of:/) });
    expect(check({ not: { draft: true } })).toEqual({ value: true, reason: 'not (the PR is not a draft)' });
  });

  it('tests changed lines and files', () => {
    const files = [{ path: 'a', additions: 300, deletions: 250 }, { path: 'b', additions: 1, deletions: 0 }];
    expect(check({ changed_lines: { gt: 500 } }, { files })).toEqual({ value: true, reason: 'changed lines 551 > 500' });
    expect(check({ changed_files: { lte: 1 } }, { files }).value).toBe(false);
  });

  it('tests paths, author, author team, head and title', () => {
    expect(check({ paths: ['billing/**'] }).reason).toBe('billing/x.ts matches billing/**');
    expect(check({ author: ['*[bot]'] }, { author: 'coder[bot]' }).value).toBe(true);
    expect(check({ author_team: ['acme/managers'] }, { author: 'MIA' }).value).toBe(true);
    expect(check({ head: ['agent/**'] }, { head: 'agent/fix/deps' }).value).toBe(true);
    expect(check({ title: ['*wip*'] }, { title: 'WIP: new/thing' }).value).toBe(true);
  });

  it('tests body fields: eq, ne, in, matches, exists', () => {
    const body = { body: 'risk: High\nteam: payments/core' };
    expect(check({ field: 'risk', eq: 'high' }, body).value).toBe(true);
    expect(check({ field: 'risk', ne: 'high' }, body).value).toBe(false);
    expect(check({ field: 'risk', in: ['low', 'medium'] }, body).value).toBe(false);
    expect(check({ field: 'team', matches: 'payments/*' }, body).value).toBe(true);
    expect(check({ field: 'owner', exists: false }, body).value).toBe(true);
    expect(check({ field: 'amount', gt: 1 }, body)).toEqual({ value: false, reason: 'field amount is missing from the PR body' });
    expect(check({ field: 'risk', gt: 1 }, body).reason).toBe('field risk "High" is not a number');
  });
});

describe('triggers', () => {
  const flow = flowOf(`name: t
on:
  pull_request:
    types: [opened, labeled]
    branches: [main, release/*]
    paths: ["billing/**"]
    paths_ignore: ["**/*.md"]
    authors_ignore: [renovate*]
    labels: [needs-approval]
steps:
  - id: a
    actions: [ { close: {} } ]
`);
  const labelled = { labels: ['needs-approval'] };

  it('starts on a matching PR event', () => {
    expect(matchTrigger(flow, pr(labelled), 'opened')).toMatchObject({ matched: true });
  });

  it('says why it does not start', () => {
    expect(matchTrigger(flow, pr(labelled), 'synchronize').reason).toBe('synchronize is not one of opened, labeled');
    expect(matchTrigger(flow, pr({ ...labelled, base: 'dev' }), 'opened').reason).toBe('base dev is not in main, release/*');
    expect(matchTrigger(flow, pr(), 'opened').reason).toBe('the PR has none of the labels needs-approval');
    expect(matchTrigger(flow, pr({ ...labelled, author: 'renovate[bot]' }), 'opened').reason).toBe('author renovate[bot] is ignored');
    expect(matchTrigger(flow, pr({ ...labelled, files: [{ path: 'billing/README.md', additions: 1, deletions: 0 }] }), 'opened').reason).toBe(
      'every changed file matches paths_ignore',
    );
    expect(matchTrigger(flow, pr({ ...labelled, draft: true }), 'opened').reason).toBe('the PR is a draft (drafts: false)');
  });
});
