/**
 * Less allocated per evaluation (issue 12, item 6: the engine's p99): the judgements a
 * permission or a code owner earns are shared by the names they are a function of, a
 * decision's ref string is shared by its id, permissions listed in lower case are read where
 * they are, and the code owners of the list the last evaluation found are compared first.
 * These tests pin what each is keyed by, that each is bounded, and that answers stay right.
 */
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/flow/compile.js';
import { firstOwnedFiles, parseCodeowners } from '../../src/engine/codeowners.js';
import { judge, JUDGEMENT_MEMO, judgementMemoSize } from '../../src/engine/gate.js';
import { prContext } from '../../src/engine/pr-context.js';
import { REF_MEMO, refMemoSize, refOf } from '../../src/engine/run.js';
import type { GateState } from '../../src/engine/state.js';
import { comment, flowOf, HEAD, pr, review, run } from '../helpers.js';

const byPermission = flowOf(`name: perms
on: { pull_request: {} }
steps:
  - id: writers
    approval: { from: { permission: write }, count: 3 }
  - id: maintainers
    approval: { from: { permission: maintain }, count: 1 }
`);

const byOwners = flowOf(`name: owners
on: { pull_request: {} }
steps:
  - id: owners
    approval: { from: { codeowners: true }, count: 3 }
`);

const openGate = (): GateState => ({ status: 'open', approvals: 0, votes: {}, addedUsers: [], addedTeams: [], handovers: {} }) as unknown as GateState;
const view = { headSha: HEAD, pushers: [], mergedFrom: [] };

describe('judgements shared by permission held and needed', () => {
  it('names the permission each approver holds and the one the gate needs', () => {
    const result = run(byPermission, [review(10, 'mia'), review(11, 'adam'), review(12, 'kim'), review(13, 'adam', 'approved', HEAD, 'again')], {
      snapshot: { permissions: { mia: 'write', adam: 'admin', kim: 'maintain' } },
    });
    expect(result.decisions.map((decision) => decision.rule)).toEqual([
      'counted: has write permission (needs write)',
      'counted: has admin permission (needs write)',
      'counted: has maintain permission (needs write)',
      // The same holder, another gate: keyed by the permission held alone, this would say "needs write".
      'counted: has admin permission (needs maintain)',
    ]);
  });

  it('hands out judgements no caller can change', () => {
    const gate = compileFlow(byPermission).byId.get('writers')!.gates[0]!;
    const context = prContext(pr({ permissions: { mia: 'write' } }));
    const counted = judge(gate, openGate(), { actor: 'mia', decision: 'approve', source: 'review', sha: HEAD }, context, view);
    expect(() => Object.assign(counted, { rule: 'counted: forged' })).toThrow(TypeError);
    expect(judge(gate, openGate(), { actor: 'mia', decision: 'approve', source: 'review', sha: HEAD }, context, view).rule).toBe('counted: has write permission (needs write)');
  });
});

describe('judgements shared by owned file and owning team', () => {
  const codeowners = '* @fallback\n/src/a.ts @ann @acme/managers\n/src/b.ts @acme/security\n';
  const files = [
    { path: 'src/a.ts', additions: 1, deletions: 0 },
    { path: 'src/b.ts', additions: 1, deletions: 0 },
  ];

  it('names the file each owner owns, and the team an approver owns it through', () => {
    const result = run(byOwners, [review(10, 'ann'), review(11, 'mia'), review(12, 'sam')], { snapshot: { codeowners, files } });
    expect(result.decisions.map((decision) => decision.rule)).toEqual([
      'counted: code owner of src/a.ts',
      // Keyed by file alone, this would answer as for ann.
      'counted: code owner of src/a.ts (member of acme/managers)',
      // Keyed by team alone (or by the first key only), this would name src/a.ts.
      'counted: code owner of src/b.ts (member of acme/security)',
    ]);
  });

  it('stays bounded past JUDGEMENT_MEMO files, answering right for a file judged before', () => {
    const gate = compileFlow(byOwners).byId.get('owners')!.gates[0]!;
    const judgeOwner = (path: string) => {
      const context = prContext(pr({ codeowners: '* @ann', files: [{ path, additions: 1, deletions: 0 }] }));
      return judge(gate, openGate(), { actor: 'ann', decision: 'approve', source: 'review', sha: HEAD }, context, view).rule;
    };
    expect(judgeOwner('first.ts')).toBe('counted: code owner of first.ts');
    for (let index = 0; index <= JUDGEMENT_MEMO; index += 1) judgeOwner(`file-${index}.ts`);
    expect(judgementMemoSize()).toBeLessThanOrEqual(JUDGEMENT_MEMO);
    expect(judgeOwner('first.ts')).toBe('counted: code owner of first.ts');
    expect(judgeOwner(`file-${JUDGEMENT_MEMO}.ts`)).toBe(`counted: code owner of file-${JUDGEMENT_MEMO}.ts`);
  });
});

describe('a decision\'s ref shared by its id', () => {
  it('keeps reviews and comments with the same id apart', () => {
    expect(refOf('review', '17')).toBe('review:17');
    expect(refOf('comment', '17')).toBe('comment:17');
    expect(refOf('review', '17')).toBe('review:17');
  });

  it('records each decision with the ref of its own event', () => {
    const gateFlow = flowOf(`name: one
on: { pull_request: {} }
steps:
  - id: review
    approval: { from: { teams: [acme/managers] }, count: 2 }
`);
    const result = run(gateFlow, [review(10, 'mia', 'approved', HEAD, '5'), comment(5, 'max', '/approve')]);
    expect(result.decisions.map((decision) => decision.ref)).toEqual(['comment:c5', 'review:5']);
    expect(result.verdicts.map((verdict) => verdict.ref)).toEqual(['comment:c5', 'review:5']);
  });

  it('stays bounded past REF_MEMO ids, answering right for an id seen before', () => {
    for (let index = 0; index <= REF_MEMO; index += 1) refOf('comment', `bulk-${index}`);
    expect(refMemoSize('comment')).toBeLessThanOrEqual(REF_MEMO);
    expect(refOf('comment', 'bulk-0')).toBe('comment:bulk-0');
    expect(refOf('review', 'bulk-0')).toBe('review:bulk-0');
  });
});

describe('permissions read where they are when listed in lower case', () => {
  it('reads a lower-case record as the index would', () => {
    const context = prContext(pr({ permissions: { mia: 'write', rob: 'read' } }));
    expect(context.permissionOf('MIA')).toBe('write');
    expect(context.permissionOf('rob')).toBe('read');
    expect(context.permissionOf('nobody')).toBe('none');
    expect(context.hasPermission('Mia', 'write')).toBe(true);
    expect(context.hasPermission('rob', 'write')).toBe(false);
  });

  it('gives no permission to a login named like a property every object has', () => {
    const context = prContext(pr({ permissions: { mia: 'admin' } }));
    for (const login of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(context.permissionOf(login)).toBe('none');
      expect(context.hasPermission(login, 'read')).toBe(false);
    }
  });

  it('lets the last of two spellings win when the record lists one in upper case', () => {
    expect(prContext(pr({ permissions: { rob: 'read', Rob: 'admin' } })).permissionOf('rob')).toBe('admin');
    expect(prContext(pr({ permissions: { Rob: 'admin', rob: 'read' } })).permissionOf('ROB')).toBe('read');
  });
});

describe('the list the last evaluation found, compared first', () => {
  it('answers for each list when two lists of the same length take turns', () => {
    const rules = parseCodeowners('* @any\n/a/ @alpha\n/b/ @bravo\n');
    const first = [{ path: 'x.md' }, { path: 'a/one.ts' }];
    const second = [{ path: 'x.md' }, { path: 'b/one.ts' }];
    for (let round = 0; round < 3; round += 1) {
      expect([...firstOwnedFiles(first, rules)]).toEqual([
        ['any', 'x.md'],
        ['alpha', 'a/one.ts'],
      ]);
      expect([...firstOwnedFiles(second, rules)]).toEqual([
        ['any', 'x.md'],
        ['bravo', 'b/one.ts'],
      ]);
      // A list that only starts like the last one is not it.
      expect([...firstOwnedFiles(second.slice(0, 1), rules)]).toEqual([['any', 'x.md']]);
    }
  });
});
