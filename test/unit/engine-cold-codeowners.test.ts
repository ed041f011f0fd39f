/**
 * A cold evaluation (a new snapshot, as after a push) finds the owners of each changed path
 * remembered from earlier snapshots under the same CODEOWNERS (issue 12, item 6). These tests
 * pin what that memo is keyed by (the parsed CODEOWNERS text and the exact path), that it is
 * bounded, and that what it answers is what matching afresh answers.
 */
import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { codeownersGlobs, firstOwnedFiles, ownersOf, parseCodeowners, PATH_MEMO_BUDGET, pathMemoStats } from '../../src/engine/codeowners.js';
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

describe('owners of a path remembered across snapshots', () => {
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
    expect(ownersOf('SRC/Pay.ts', rules).owners).toEqual(['anyone']);
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

  it('stays within its budget when filled past it, and still answers right for the paths it forgot', () => {
    const rules = parseCodeowners('* @anyone\nlong/ @long\n');
    const segment = 'x'.repeat(1000);
    const paths = Array.from({ length: Math.ceil(PATH_MEMO_BUDGET / 1000) + 50 }, (_, index) => `long/${segment}/${index}.ts`);
    let largest = 0;
    for (let start = 0; start < paths.length; start += 500) {
      expect(firstOwnedFiles(files(...paths.slice(start, start + 500)), rules).get('long')).toBe(paths[start]);
      largest = Math.max(largest, pathMemoStats().cost);
    }
    expect(largest).toBeLessThanOrEqual(PATH_MEMO_BUDGET);
    // The budget was reached and the paths forgotten at least once: fewer are kept than were matched.
    expect(pathMemoStats().paths).toBeLessThan(paths.length);
    expect(pathMemoStats().cost).toBeLessThanOrEqual(PATH_MEMO_BUDGET);
    expect(ownersOf(paths[0]!, rules).owners).toEqual(['long']);
    expect(ownersOf('short.md', rules).owners).toEqual(['anyone']);
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
        for (const paths of snapshots) expect([...firstOwnedFiles(files(...paths), rules)]).toEqual([...reference(codeowners, paths)]);
      }),
      { numRuns: 400, seed: 12 },
    );
  });
});
