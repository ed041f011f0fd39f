/**
 * The engine's hot fold keeps a few memos (issue 12, item 6). Each is keyed by what it
 * depends on; these tests pin that none answers for facts it was not computed from.
 */
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/flow/compile.js';
import { codeownersGlobs, globMatcher, ownersOf, parseCodeowners } from '../../src/engine/codeowners.js';
import { parseCommand } from '../../src/engine/commands.js';
import { engineContext, evaluate, foldEvents, resume } from '../../src/engine/evaluate.js';
import type { FactEvent } from '../../src/engine/facts.js';
import { comment, factsOf, flowOf, review, run, START } from '../helpers.js';

describe('CODEOWNERS matching without picomatch result objects', () => {
  const patterns = ['*', '**', '/', '*.md', 'docs/', 'docs/*', '/docs/', 'src/**/test/', '/src/billing/', 'a/b', '**/logs', 'apps/*/x.ts', '.github/', '*.y?ml', 'lib/**', '/x', 'x/', '\\#notes', '**/*.ts', 'foo/**/bar', '.*', 'docs/**/*.md'];
  const paths = ['', 'a', 'a/b', 'a/b/c', 'docs/x.md', 'docs/a/b.md', 'x/docs/y', '.github/workflows/ci.yml', 'src/billing/x.ts', 'lib/billing/x.ts', 'README.md', 'a.yml', 'a.yaml', 'logs', 'a/logs', 'a/logs/b', 'apps/web/x.ts', 'apps/web/y/x.ts', 'x', 'x/y', '#notes', '.env', 'foo/bar', 'foo/a/b/bar', 'src/test/x', 'src/a/test/y', 'docs/', 'dir/.hidden/file'];

  it('answers exactly as picomatch does, for every pattern shape and path', () => {
    const differences: string[] = [];
    for (const pattern of patterns) {
      const globs = codeownersGlobs(pattern);
      const reference = picomatch(globs, { dot: true });
      const matcher = globMatcher(globs);
      for (const path of paths) if (Boolean(reference(path)) !== matcher(path)) differences.push(`${pattern} ${path}`);
    }
    expect(differences).toEqual([]);
  });

  it('lets a rule that names a file win over its directory, in a directory whose candidates are already known', () => {
    const rules = parseCodeowners('src/ @dir\n/src/pay.ts @file\n');
    expect(ownersOf('src/other.ts', rules).owners).toEqual(['dir']);
    expect(ownersOf('src/pay.ts', rules).owners).toEqual(['file']);
    expect(ownersOf('src/more.ts', rules).owners).toEqual(['dir']);
  });

  it('keeps the candidates of a directory apart for two CODEOWNERS texts', () => {
    const first = parseCodeowners('src/ @ann\n');
    const second = parseCodeowners('* @bob\nsrc/billing/ @cat\n');
    expect(ownersOf('src/billing/x.ts', first).owners).toEqual(['ann']);
    expect(ownersOf('src/billing/x.ts', second).owners).toEqual(['cat']);
    expect(ownersOf('src/billing/y.ts', first).owners).toEqual(['ann']);
  });
});

describe('commands matched once per comment text', () => {
  it('gives each text its own command, however often it is asked', () => {
    expect(parseCommand('/approve')).toEqual({ decision: 'approve' });
    expect(parseCommand('/decline too risky')).toEqual({ decision: 'decline', reason: 'too risky' });
    expect(parseCommand('/approve')).toEqual({ decision: 'approve' });
    expect(parseCommand('```\n/approve\n```')).toBeUndefined();
    expect(parseCommand('```\n/approve\n```')).toBeUndefined();
    expect(parseCommand('/decline not yet')).toEqual({ decision: 'decline', reason: 'not yet' });
  });

  it('hands out answers no caller can change for the next one', () => {
    const answer = parseCommand('/decline because') as { reason?: string };
    expect(() => {
      answer.reason = 'forged';
    }).toThrow(TypeError);
    expect(parseCommand('/decline because')).toEqual({ decision: 'decline', reason: 'because' });
  });
});

describe('approver lists worked out once per gate', () => {
  const ladder = `name: gate
on: { pull_request: {} }
steps:
  - id: review
    approval:
      from: { teams: [acme/managers] }
      escalate:
        - after: 4h
          add_approvers: { users: [bob] }
    on_approve: ship
  - id: ship
    actions: [ { merge: {} } ]
`;

  it('names the approvers an escalation added, and only in the run where it fired', () => {
    const flow = flowOf(ladder);
    // One compiled flow for all three: the memo is per compiled gate.
    expect(compileFlow(flow)).toBe(compileFlow(flow));
    const before = run(flow, [review(60, 'rob')]);
    expect(before.decisions[0]!.rule).toBe('ignored: not an approver (approvers: @acme/managers)');
    const after = run(flow, [review(5 * 60, 'rob')]);
    expect(after.decisions[0]!.rule).toBe('ignored: not an approver (approvers: @bob; @acme/managers)');
    const again = run(flow, [review(60, 'rob')]);
    expect(again.decisions[0]!.rule).toBe('ignored: not an approver (approvers: @acme/managers)');
  });

  it('names the people a gate was handed to with /reassign', () => {
    const flow = flowOf(ladder);
    const result = run(flow, [comment(10, 'mia', '/reassign @zed'), review(20, 'rob')]);
    expect(result.decisions.at(-1)!.rule).toBe('ignored: not an approver (approvers: @zed; @acme/managers)');
  });
});

describe('team members and permissions indexed per evaluation', () => {
  const flow = flowOf(`name: gate
on: { pull_request: {} }
steps:
  - id: review
    approval: { from: { teams: [Acme/Managers], permission: write }, count: 2 }
`);

  it('reads each evaluation\'s own teams and permissions, never an earlier one\'s', () => {
    const events = [review(10, 'kim'), review(11, 'lee')];
    const first = evaluate(flow, factsOf(events, { teams: { 'acme/managers': ['kim'] }, permissions: { lee: 'write' } }), START + 60 * 60_000);
    expect(first.decisions.map((decision) => decision.counted)).toEqual([true, true]);
    const second = evaluate(flow, factsOf(events, { teams: { 'acme/managers': ['lee'] }, permissions: { kim: 'read' } }), START + 60 * 60_000);
    expect(second.decisions.map((decision) => decision.rule)).toEqual([
      'ignored: not an approver (approvers: @acme/managers; anyone with write permission)',
      'counted: member of acme/managers',
    ]);
  });

  it('reads team names and logins in any case, the last of two spellings of a team winning', () => {
    const events = [review(10, 'KIM'), review(11, 'lee')];
    const result = evaluate(flow, factsOf(events, { teams: { 'acme/managers': ['nobody'], 'ACME/MANAGERS': ['Kim'] }, permissions: { LEE: 'admin' } }), START + 60 * 60_000);
    expect(result.decisions.map((decision) => decision.rule)).toEqual(['counted: member of acme/managers', 'counted: has admin permission (needs write)']);
  });
});

describe('the index of verdicts given in an evaluation', () => {
  const flow = flowOf(`name: gate
on: { pull_request: {} }
steps:
  - id: review
    approval: { from: { teams: [acme/managers] }, count: 2 }
`);
  const click = (minutes: number, actor: string): FactEvent => ({ type: 'button', at: new Date(START + minutes * 60_000).toISOString(), actor, action: 'approve' });
  // The same click delivered twice: one decision, judged once, recorded twice.
  const events = [click(10, 'mia'), click(10, 'mia'), click(20, 'rob')];
  const now = START + 60 * 60_000;

  it('finds a state\'s own verdicts again after another state was folded in between', () => {
    const expected = evaluate(flow, factsOf(events), now);
    expect(expected.verdicts.map((verdict) => verdict.ref)).toEqual([`button:mia:${new Date(START + 10 * 60_000).toISOString()}`, `button:rob:${new Date(START + 20 * 60_000).toISOString()}`]);
    const context = engineContext(flow, factsOf(events));
    const state = foldEvents(context, 1);
    // Another run folded between the two halves of this one, with its own verdict on the same ref
    // (there, mia is not a manager): this run's duplicate must be replayed from this run's verdict.
    const other = engineContext(flow, factsOf([click(10, 'mia'), click(10, 'mia')], { teams: { 'acme/managers': ['max'] } }));
    expect(foldEvents(other, 2).decisions.map((decision) => decision.counted)).toEqual([false, false]);
    expect(resume(context, state, 1, now)).toEqual(expected);
    expect(expected.decisions.map((decision) => decision.counted)).toEqual([true, true, false]);
  });
});
