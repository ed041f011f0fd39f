/**
 * Nothing an evaluation builds outlives it into V8's old generation (issue 12, item 6: the
 * engine's p99). Objects made with a spread and more properties in one literal (`{ ...body, key }`)
 * were kept alive by every young-generation collection until the next full one, and copied each
 * time: an effect, the facts with their events in order, a template view. Each collection's pause
 * grew with them (0.5 ms became 1.2–1.3 on the benchmark's large PR, 0.4 became 2–5 on a flow of
 * actions), and that pause is the p99.
 *
 * Counted, not timed: a child process evaluates a flow with actions, a gate and decisions 3,000
 * times, each on a new snapshot, under V8's own trace of each collection (`--trace-gc-nvp`), with
 * a 1 MiB young generation so that there are hundreds of collections. Once the code has settled
 * (the second half), a collection promotes about 10 KiB (code and feedback); before, 145–155 KiB.
 * And the engine's sources are read for the two shapes that did it (a literal starting with a
 * spread and going on; defineProperty), so a new one is caught even where the child's flow does not
 * go. A lone `{ ...a }` given properties afterwards does it too, and is not looked for: only the count
 * catches that one.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { extend } from '../../src/engine/extend.js';

const CHILD = fileURLToPath(new URL('../engine-retention-child.ts', import.meta.url));

interface Scavenge {
  promoted: number;
  survived: number;
}

function scavenges(iterations: number): Promise<{ collections: Scavenge[]; report: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--max-semi-space-size=1', '--trace-gc-nvp', '--import', 'tsx', CHILD, String(iterations)],
      { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${error.message}\n${stderr}`));
        const collections: Scavenge[] = [];
        for (const line of stdout.split('\n')) {
          if (!line.includes(' gc=s ')) continue;
          const field = (name: string) => Number(new RegExp(` ${name}=(\\d+)`).exec(line)?.[1] ?? Number.NaN);
          collections.push({ promoted: field('promoted'), survived: field('new_space_survived') });
        }
        resolve({ collections, report: stderr.trim() });
      },
    );
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('what an evaluation builds stays young', () => {
  it('is not promoted by the collections that follow it', async () => {
    const { collections, report } = await scavenges(3000);
    expect(report).toBe('evaluations: 3000, ended: 3000');
    // Enough collections for the median to mean something (about 290 with the fix, 360 before).
    expect(collections.length).toBeGreaterThan(100);
    expect(collections.every((collection) => Number.isFinite(collection.promoted))).toBe(true);
    const settled = collections.slice(collections.length / 2);
    expect(median(settled.map((collection) => collection.promoted))).toBeLessThan(48 * 1024);
  }, 150_000);
});

const ENGINE = fileURLToPath(new URL('../../src/engine/', import.meta.url));

/** Where source text builds objects the way that outlived young collections: a spread first in a literal with more after it, or defineProperty. */
function retainingShapes(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const where = (node: ts.Node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node) && node.properties.length > 1 && ts.isSpreadAssignment(node.properties[0]!)) found.push(`${where(node)} { ...spread, more }`);
    if (ts.isCallExpression(node) && node.expression.getText(source) === 'Object.defineProperty') found.push(`${where(node)} Object.defineProperty`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the engine builds no object the way that outlived young collections', () => {
  it('has no literal that starts with a spread and goes on, and no defineProperty, but in extend()', () => {
    const files = readdirSync(ENGINE).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((file) => retainingShapes(file, readFileSync(join(ENGINE, file), 'utf8')));
    // extend() itself falls back to a spread for a source with an own `__proto__`, which Object.assign would not copy.
    expect(found).toEqual(['extend.ts:15 { ...spread, more }']);
  });

  it('finds both shapes where they are, and not the spreads that are harmless', () => {
    const text = 'const a = { ...b, c: 1 };\nconst d = { e: 1, ...f };\nconst g = { ...h };\nObject.defineProperty(i, "j", {});\nconst k = [...l, 1];';
    expect(retainingShapes('x.ts', text)).toEqual(['x.ts:1 { ...spread, more }', 'x.ts:4 Object.defineProperty']);
  });
});

describe('extend(), which builds those objects now', () => {
  it('gives the own properties of a spread, in the same order, later ones winning', () => {
    const base = { type: 'label', labels: ['a'], key: 'old' };
    const built = extend(base, { key: 'new', status: 'pending' });
    expect(built).toEqual({ ...base, key: 'new', status: 'pending' });
    expect(Object.keys(built)).toEqual(['type', 'labels', 'key', 'status']);
    expect(base.key).toBe('old');
  });

  it('copies an own __proto__ from JSON as a spread does, never making it the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const built = extend(parsed, { b: 2 }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
    expect(Object.hasOwn(built, '__proto__')).toBe(true);
    expect(built.polluted).toBeUndefined();
    expect(Object.keys(built)).toEqual(Object.keys({ ...parsed, b: 2 }));
  });
});
