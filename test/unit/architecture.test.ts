/**
 * The layout's rules, enforced rather than promised: no import cycle between
 * files or between sibling folders of src/, and a pure engine and flow
 * language. The graph is read from the `import`/`export … from` lines and
 * `import('…')` calls of every .ts file under src/; `import type` counts too,
 * because a cycle of types is still two files that cannot be read apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

/** Folders whose code must be a pure function of its input: no I/O, no app, no GitHub. */
const PURE = ['src/engine', 'src/flow', 'src/release'];
/** What the pure folders may not import from src/: the shell and the adapters. */
const IMPURE_FOLDERS = ['src/github', 'src/app', 'src/sandbox', 'src/cli', 'src/demo', 'src/simulate'];
/**
 * Node's modules that the pure folders may use. Everything else of Node's is
 * I/O (fs, http, net, child_process, …) or a clock or randomness. node:crypto is
 * refused too: its random values would make evaluate() depend on more than
 * (flow, facts, now), and HMAC keys are secrets the engine never holds; the
 * shell signs and verifies.
 */
const PURE_NODE_MODULES = new Set(['path', 'url', 'util']);
/** Packages that talk to the world, refused in the pure folders like Node's I/O. */
const IO_PACKAGES = [/^probot$/, /^@octokit\//, /^ioredis$/, /^redis-semaphore$/, /^undici$/];
/**
 * Known breaches of the purity rule; a stale entry fails the test, so this list
 * can only shrink. schema-check.ts reads the published JSON Schema that ships
 * beside the code, once, when it is first needed: no input reaches it, and a JSON
 * import would put schemas/ under the build's rootDir. It goes when the schema is
 * generated into src/ at build time.
 */
const KNOWN_IMPURE: readonly string[] = [
  'src/flow/schema-check.ts -> node:fs',
];

/** Known cycles outside the engine, each as the files in it, sorted; a stale entry fails the test. None now. */
const KNOWN_CYCLES: readonly string[] = [];

interface SourceFile {
  /** Path from the repository root, with forward slashes: src/github/handle.ts. */
  path: string;
  /** Every module specifier the file imports or re-exports from. */
  specifiers: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT_PATTERNS = [
  // import x from '…', import type { a, b } from '…' (over several lines), export * from '…', export { x } from '…'
  /^\s*(?:import|export)\s[^;'"`()]*?\sfrom\s*['"]([^'"]+)['"]/gm,
  // import '…' (for its side effects)
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  // import('…')
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];

function specifiersOf(text: string): string[] {
  return [...new Set(IMPORT_PATTERNS.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]!)))];
}

const toRepoPath = (absolute: string): string => relative(ROOT, absolute).split('\\').join('/');

const files: SourceFile[] = sourceFiles(SRC)
  .map((path) => ({ path: toRepoPath(path), specifiers: specifiersOf(readFileSync(path, 'utf8')) }))
  .sort((a, b) => a.path.localeCompare(b.path));
const known = new Set(files.map((file) => file.path));

/** The file a relative specifier names: './x.js' is x.ts, './x' is x.ts or x/index.ts. */
function resolveLocal(from: string, specifier: string): string | undefined {
  const base = toRepoPath(resolve(ROOT, dirname(from), specifier));
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((candidate) => known.has(candidate));
}

const isLocal = (specifier: string): boolean => specifier.startsWith('.');
const nodeModule = (specifier: string): string | undefined => {
  const name = specifier.replace(/^node:/, '');
  const top = name.split('/')[0]!;
  return specifier.startsWith('node:') || builtinModules.includes(name) || builtinModules.includes(top) ? name : undefined;
};

/** Edges between files of src/, each file to the files it imports. */
const graph = new Map<string, string[]>(
  files.map((file) => [
    file.path,
    file.specifiers.filter(isLocal).flatMap((specifier) => {
      const target = resolveLocal(file.path, specifier);
      return target ? [target] : [];
    }),
  ]),
);

/** Strongly connected components with more than one member, or a file that imports itself: Tarjan's algorithm. */
function cycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (edges.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

/** One concrete loop through a component, to show: a -> b -> c -> a. */
function loopThrough(component: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string {
  const members = new Set(component);
  const start = component[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of edges.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start].join(' -> ');
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return component.join(', ');
}

const describeCycles = (found: readonly string[][], edges: ReadonlyMap<string, readonly string[]>): string[] =>
  found.map((component) => `${component.length} in a cycle: ${loopThrough(component, edges)}`);

/** The sibling folders of each folder under src/ (src itself included), and which of them import which. */
function folderGraphs(): Map<string, Map<string, string[]>> {
  const graphs = new Map<string, Map<string, Set<string>>>();
  const add = (parent: string, from: string, to: string) => {
    const folders = graphs.get(parent) ?? new Map<string, Set<string>>();
    graphs.set(parent, folders);
    if (!folders.has(to)) folders.set(to, new Set());
    const targets = folders.get(from) ?? new Set<string>();
    folders.set(from, targets);
    if (from !== to) targets.add(to);
  };
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const a = from.split('/');
      const b = to.split('/');
      let shared = 0;
      while (shared < a.length - 1 && shared < b.length - 1 && a[shared] === b[shared]) shared += 1;
      // Two files meet under a common folder; if each sits in a different subfolder of it, those subfolders depend.
      if (shared < a.length - 1 && shared < b.length - 1) {
        const parent = a.slice(0, shared).join('/');
        add(parent, a.slice(0, shared + 1).join('/'), b.slice(0, shared + 1).join('/'));
      }
    }
  }
  return new Map([...graphs].map(([parent, folders]) => [parent, new Map([...folders].map(([folder, targets]) => [folder, [...targets]]))]));
}

describe('the import graph of src/', () => {
  const inEngine = (path: string) => path.startsWith('src/engine/');

  it('is read from every file, and every relative import names a file of src/', () => {
    expect(files.length).toBeGreaterThan(50);
    const unresolved = files.flatMap((file) =>
      file.specifiers.filter(isLocal).filter((specifier) => !resolveLocal(file.path, specifier)).map((specifier) => `${file.path} -> ${specifier}`),
    );
    expect(unresolved).toEqual([]);
    expect(graph.get('src/github/handle.ts')?.length).toBeGreaterThan(5);
  });

  it('finds a cycle, and names its files in order', () => {
    const loop = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(describeCycles(cycles(loop), loop)).toEqual(['3 in a cycle: a.ts -> b.ts -> c.ts -> a.ts']);
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });

  it('reads imports over several lines, type imports, re-exports and import() calls', () => {
    const text = [
      "import {\n  a,\n  type B,\n} from './a.js';",
      "import type { C } from '../c.js';",
      "export * from './d.js';",
      "export { e } from './e.js';",
      "import './f.js';",
      "const g = await import('node:fs');",
      "const h = `text from '${x}'`;",
    ].join('\n');
    expect(specifiersOf(text)).toEqual(['./a.js', '../c.js', './d.js', './e.js', './f.js', 'node:fs']);
  });

  it('has no cycle between files outside src/engine', () => {
    const found = cycles(graph).filter((component) => !component.every(inEngine));
    const unknown = found.filter((component) => !KNOWN_CYCLES.includes(component.join(', ')));
    expect(describeCycles(unknown, graph)).toEqual([]);
    const stale = KNOWN_CYCLES.filter((known) => !found.some((component) => component.join(', ') === known));
    expect(stale, 'stale entries in KNOWN_CYCLES').toEqual([]);
  });

  it('has no cycle between files of src/engine', () => {
    const found = cycles(graph).filter((component) => component.every(inEngine));
    expect(describeCycles(found, graph)).toEqual([]);
  });

  it('has no cycle between sibling folders', () => {
    const found = [...folderGraphs()].flatMap(([parent, folders]) =>
      describeCycles(cycles(folders), folders).map((cycle) => `under ${parent}/: ${cycle}`),
    );
    expect(found).toEqual([]);
  });

  it('keeps src/engine, src/flow and src/release pure: no shell, adapter, sandbox or I/O import', () => {
    const breaches = files
      .filter((file) => PURE.some((folder) => file.path.startsWith(`${folder}/`)))
      .flatMap((file) =>
        file.specifiers.flatMap((specifier) => {
          if (isLocal(specifier)) {
            const target = resolveLocal(file.path, specifier) ?? specifier;
            return IMPURE_FOLDERS.some((folder) => target.startsWith(`${folder}/`)) ? [`${file.path} -> ${target}`] : [];
          }
          const builtin = nodeModule(specifier);
          if (builtin !== undefined) return PURE_NODE_MODULES.has(builtin) ? [] : [`${file.path} -> node:${builtin}`];
          return IO_PACKAGES.some((pattern) => pattern.test(specifier)) ? [`${file.path} -> ${specifier}`] : [];
        }),
      );
    expect(breaches.filter((breach) => !KNOWN_IMPURE.includes(breach))).toEqual([]);
    expect(KNOWN_IMPURE.filter((breach) => !breaches.includes(breach)), 'stale entries in KNOWN_IMPURE').toEqual([]);
  });
});
