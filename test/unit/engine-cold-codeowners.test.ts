/**
 * A cold evaluation (a new snapshot, as every event builds) finds the code owners of its list
 * of changed files remembered from an earlier snapshot listing the same paths under the same
 * CODEOWNERS (issue 12, item 6). These tests pin what that memo is keyed by (the parsed
 * CODEOWNERS text and the exact paths in order), that it is bounded, and that what it answers
 * is what matching afresh answers.
 */
import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { codeownersGlobs, firstOwnedFiles, LIST_MEMO_BUDGET, listMemoStats, ownersOf, parseCodeowners, rememberedList, samePaths } from '../../src/engine/codeowners.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { factsOf, flowOf, HEAD, NEXT, push, review, START } from '../helpers.js';

/** The owners of each file as GitHub reads CODEOWNERS, matched afresh with picomatch: the last matching line wins. */
function reference(text: string, paths: readonly string[]): Map<string, string> {
  const rules = parseCodeowners(text).rules.map((rule) => ({ owners: rule.owners, test: picomatch(codeownersGlobs(rule.pattern), { dot: true }) }));
  const owners = new Map<string, string>();
  for (const path of paths) {
    const rule = rules.findLast((candidate) => candidate.test(path));
    for (const owner of rule?.owners ?? []) if (!owners.has(owner)) owners.set(owner, path);
  }
  return owners;
}

const files = (...paths: string[]) => paths.map((path) => ({ path }));

describe('owners of a file list remembered across snapshots', () => {
  it('answers for each file itself, never for another file of its directory or of its name', () => {
    const rules = parseCodeowners('src/ @dir\n/src/pay.ts @payer\n/lib/x.ts @lib\n');
    // The directory's other file first, then the named file: a memo keyed by directory would answer @dir.
    expect(ownersOf('src/other.ts', rules).owners).toEqual(['dir']);
    expect(ownersOf('src/pay.ts', rules).owners).toEqual(['payer']);
    // The same file name in another directory: a memo keyed by name would answer @lib.
    expect(ownersOf('lib/x.ts', rules).owners).toEqual(['lib']);
    expect(ownersOf('src/x.ts', rules).owners).toEqual(['dir']);
    expect(ownersOf('docs/x.ts', rules).owners).toEqual([]);
  });

  it('keeps paths that differ only in case apart, as git does', () => {
    const rules = parseCodeowners('* @anyone\n/src/Pay.ts @upper\n');
    expect(ownersOf('src/Pay.ts', rules).owners).toEqual(['upper']);
    expect(ownersOf('src/pay.ts', rules).owners).toEqual(['anyone']);
    expect([...firstOwnedFiles(files('src/Pay.ts'), rules)]).toEqual([['upper', 'src/Pay.ts']]);
    expect([...firstOwnedFiles(files('src/pay.ts'), rules)]).toEqual([['anyone', 'src/pay.ts']]);
    expect([...firstOwnedFiles(files('SRC/Pay.ts'), rules)]).toEqual([['anyone', 'SRC/Pay.ts']]);
  });

  it('tells apart lists whose paths agree in number, lengths and endings', () => {
    const rules = parseCodeowners('* @any\nalpha/ @ann\nbravo/ @bob\nAlpha/ @cap\n');
    const tail = '/deep/the-same-file-name.ts';
    expect([...firstOwnedFiles(files(`alpha${tail}`), rules)]).toEqual([['ann', `alpha${tail}`]]);
    expect([...firstOwnedFiles(files(`bravo${tail}`), rules)]).toEqual([['bob', `bravo${tail}`]]);
    expect([...firstOwnedFiles(files(`Alpha${tail}`), rules)]).toEqual([['cap', `Alpha${tail}`]]);
    // The last path of two is the one that differs.
    expect([...firstOwnedFiles(files('x.md', `alpha${tail}`), rules)]).toEqual([
      ['any', 'x.md'],
      ['ann', `alpha${tail}`],
    ]);
    expect([...firstOwnedFiles(files('x.md', `bravo${tail}`), rules)]).toEqual([
      ['any', 'x.md'],
      ['bob', `bravo${tail}`],
    ]);
    expect([...firstOwnedFiles(files(`alpha${tail}`), rules)]).toEqual([['ann', `alpha${tail}`]]);
  });

  it('finds a remembered list only for the same paths, in the same order, whatever their paths hold', () => {
    // Lists in one bucket are told apart by this comparison alone.
    const none = new Map<string, string>();
    const list = (...paths: string[]) => rememberedList(files(...paths), none);
    expect(samePaths(list('a', 'bc'), files('a', 'bc'))).toBe(true);
    expect(samePaths(list('a', 'bc'), files('a', 'b'))).toBe(false);
    expect(samePaths(list('a', 'b'), files('a\0b'))).toBe(false);
    expect(samePaths(list('ab', 'c'), files('a', '\0c'))).toBe(false);
    expect(samePaths(list('a', 'b'), files('b', 'a'))).toBe(false);
    expect(samePaths(list('a', 'b'), files('a', 'B'))).toBe(false);
    expect(samePaths(list(), files())).toBe(true);
    expect(samePaths(list(), files(''))).toBe(false);
  });

  it('never takes two lists for one, whatever their paths hold', () => {
    const rules = parseCodeowners('* @any\n/a @ann\n/b @bob\n/c @cat\n');
    // Joined with NUL, both lists would read a\0b\0c.
    expect([...firstOwnedFiles(files('a\0b', 'c'), rules)]).toEqual([
      ['any', 'a\0b'],
      ['cat', 'c'],
    ]);
    expect([...firstOwnedFiles(files('a', 'b\0c'), rules)]).toEqual([
      ['ann', 'a'],
      ['any', 'b\0c'],
    ]);
    expect([...firstOwnedFiles(files('a\0b', 'c'), rules)]).toEqual([
      ['any', 'a\0b'],
      ['cat', 'c'],
    ]);
    // Lists that agree but for their last path.
    expect([...firstOwnedFiles(files('a', 'x', 'b'), rules)]).toEqual([
      ['ann', 'a'],
      ['any', 'x'],
      ['bob', 'b'],
    ]);
    expect([...firstOwnedFiles(files('a', 'x', 'c'), rules)]).toEqual([
      ['ann', 'a'],
      ['any', 'x'],
      ['cat', 'c'],
    ]);
    // One list a prefix of another.
    expect([...firstOwnedFiles(files('a'), rules)]).toEqual([['ann', 'a']]);
    expect([...firstOwnedFiles(files('a', 'b'), rules)]).toEqual([
      ['ann', 'a'],
      ['bob', 'b'],
    ]);
  });

  it('answers per CODEOWNERS text: the same path under another text has its own owners', () => {
    const before = parseCodeowners('billing/ @ann\n');
    const after = parseCodeowners('billing/ @ann\nbilling/ledger.ts @bob\n');
    expect(firstOwnedFiles(files('billing/ledger.ts'), before)).toEqual(new Map([['ann', 'billing/ledger.ts']]));
    expect(firstOwnedFiles(files('billing/ledger.ts'), after)).toEqual(new Map([['bob', 'billing/ledger.ts']]));
    expect(firstOwnedFiles(files('billing/ledger.ts'), before)).toEqual(new Map([['ann', 'billing/ledger.ts']]));
  });

  it('gives each owner the first file they own in this snapshot\'s order, whatever earlier snapshots listed', () => {
    const rules = parseCodeowners('a/ @ann @bob\nb/ @bob @cat\n');
    expect([...firstOwnedFiles(files('b/1', 'a/1', 'b/2'), rules)]).toEqual([
      ['bob', 'b/1'],
      ['cat', 'b/1'],
      ['ann', 'a/1'],
    ]);
    expect([...firstOwnedFiles(files('a/2', 'b/2', 'a/1'), rules)]).toEqual([
      ['ann', 'a/2'],
      ['bob', 'a/2'],
      ['cat', 'b/2'],
    ]);
    expect([...firstOwnedFiles(files('c/1'), rules)]).toEqual([]);
    // The same paths in another order: another list.
    expect([...firstOwnedFiles(files('a/1', 'b/1'), rules)]).toEqual([
      ['ann', 'a/1'],
      ['bob', 'a/1'],
      ['cat', 'b/1'],
    ]);
    expect([...firstOwnedFiles(files('b/1', 'a/1'), rules)]).toEqual([
      ['bob', 'b/1'],
      ['cat', 'b/1'],
      ['ann', 'a/1'],
    ]);
  });

  it('counts a code owner on a new head by the CODEOWNERS of that snapshot, not the one remembered for the paths', () => {
    const flow = flowOf(`name: owners
on: { pull_request: {} }
steps:
  - id: review
    approval: { from: { codeowners: true }, invalidate_on_push: false }
`);
    const changed = [{ path: 'billing/ledger.ts', additions: 1, deletions: 1 }];
    const now = START + 60 * 60_000;
    const first = evaluate(flow, factsOf([review(10, 'bob')], { files: changed, codeowners: 'billing/ @ann\n' }), now);
    expect(first.decisions[0]!.counted).toBe(false);
    // The push brings a CODEOWNERS that names bob: a new snapshot with the same file, a new file list object.
    const second = evaluate(flow, factsOf([push(5, NEXT, HEAD), review(10, 'bob')], { files: changed.map((file) => ({ ...file })), codeowners: 'billing/ @ann\nbilling/ledger.ts @bob\n' }), now);
    expect(second.decisions[0]!.rule).toBe('counted: code owner of billing/ledger.ts');
    const third = evaluate(flow, factsOf([review(10, 'bob')], { files: changed.map((file) => ({ ...file })), codeowners: 'billing/ @ann\n' }), now);
    expect(third.decisions[0]!.counted).toBe(false);
  });

  it('stays within its budget when filled past it, and still answers right for the lists it forgot', () => {
    const rules = parseCodeowners('* @anyone\nlong/ @long\n');
    const segment = 'x'.repeat(100_000);
    const lists = Array.from({ length: Math.ceil(LIST_MEMO_BUDGET / 100_000) + 10 }, (_, index) => [`long/${segment}/${index}.ts`, `short-${index}.md`]);
    let largest = 0;
    for (const list of lists) {
      expect([...firstOwnedFiles(files(...list), rules)]).toEqual([
        ['long', list[0]],
        ['anyone', list[1]],
      ]);
      largest = Math.max(largest, listMemoStats().cost);
    }
    expect(largest).toBeLessThanOrEqual(LIST_MEMO_BUDGET);
    // The budget was reached and the lists forgotten at least once: fewer are kept than were matched.
    expect(listMemoStats().lists).toBeLessThan(lists.length);
    expect([...firstOwnedFiles(files(...lists[0]!), rules)]).toEqual([
      ['long', lists[0]![0]],
      ['anyone', lists[0]![1]],
    ]);
    // A list longer than the whole budget is matched, not remembered.
    const huge = [`long/${'y'.repeat(LIST_MEMO_BUDGET)}.ts`];
    const before = listMemoStats();
    expect([...firstOwnedFiles(files(...huge), rules)]).toEqual([['long', huge[0]]]);
    expect(listMemoStats()).toEqual(before);
  });

  it('answers as matching afresh with picomatch, for any CODEOWNERS and any files, snapshot after snapshot', () => {
    const segment = fc.constantFrom('src', 'docs', 'lib', 'a', 'b', '.github', 'Src', 'x.md', 'y.ts');
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
    const pattern = fc.oneof(
      fc.constantFrom('*', '**', '*.md', '*.ts', '/src/', 'src/', 'docs/*', 'a/b', '/a/b/', '**/lib', 'src/**/y.ts', '.github/', '/x.md', 'Src/'),
      path,
      path.map((value) => `/${value}`),
      path.map((value) => `${value}/`),
    );
    const owner = fc.constantFrom('@ann', '@bob', '@acme/team', '@Cat');
    const text = fc.array(fc.tuple(pattern, fc.array(owner, { maxLength: 2 })), { minLength: 1, maxLength: 6 }).map((lines) => lines.map(([glob, owners]) => [glob, ...owners].join(' ')).join('\n'));
    fc.assert(
      fc.property(text, fc.array(fc.array(path, { maxLength: 12 }), { minLength: 1, maxLength: 3 }), (codeowners, snapshots) => {
        const rules = parseCodeowners(codeowners);
        // Each list twice, the second time as a new snapshot of the same paths: remembered.
        for (const paths of [...snapshots, ...snapshots]) expect([...firstOwnedFiles(files(...paths), rules)]).toEqual([...reference(codeowners, paths)]);
      }),
      { numRuns: 400, seed: 12 },
    );
  });
});
