/**
 * Safe YAML loading for untrusted input: js-yaml with the core schema (no
 * custom tags, no timestamps or binaries), duplicate keys refused, a size cap,
 * and a bound on what anchors and aliases may expand to.
 *
 * js-yaml keeps no source positions, so a second, lazy parse with `yaml`
 * maps field paths back to line:col, and only when there is a problem to report.
 */
import yaml from 'js-yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { PathSegment, Problem } from './problem.js';

export const MAX_FILE_BYTES = 256 * 1024;
/** The most nodes a document may expand to once aliases are followed. */
export const MAX_EXPANDED_NODES = 50_000;

// js-yaml exports its built-in types at run time, but @types/js-yaml does not declare them.
const { merge } = (yaml as unknown as { types: { merge: yaml.Type } }).types;
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [merge] });

export interface Position {
  line: number;
  col: number;
}

export interface YamlSource {
  file: string;
  text: string;
  value: unknown;
  /** Where a field path is in the text; the nearest existing ancestor when the path is missing. */
  locate(path: readonly PathSegment[], part?: 'key' | 'value'): Position;
}

export type LoadResult = { ok: true; source: YamlSource } | { ok: false; problems: Problem[] };

export function loadYaml(text: string, file: string): LoadResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_FILE_BYTES) {
    return fail(file, 'file-too-large', `file is ${bytes} bytes`, `at most ${MAX_FILE_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = yaml.load(text, { schema: SCHEMA, filename: file, json: false });
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      return {
        ok: false,
        problems: [
          {
            code: 'yaml-syntax',
            severity: 'error',
            file,
            line: error.mark ? error.mark.line + 1 : undefined,
            col: error.mark ? error.mark.column + 1 : undefined,
            path: '',
            message: `invalid YAML: ${error.reason}`,
          },
        ],
      };
    }
    throw error;
  }
  const expansion = measureExpansion(value);
  if (expansion !== 'ok') {
    const message =
      expansion === 'cycle'
        ? 'an alias refers to a node that contains it'
        : `anchors and aliases expand to more than ${MAX_EXPANDED_NODES} nodes`;
    const at = firstAlias(text);
    return {
      ok: false,
      problems: [{ code: 'yaml-aliases', severity: 'error', file, ...at, path: '', message, expected: 'a document without alias bombs' }],
    };
  }
  return { ok: true, source: { file, text, value, locate: lazyLocator(text) } };
}

function fail(file: string, code: string, found: string, expected: string): LoadResult {
  return { ok: false, problems: [{ code, severity: 'error', file, line: 1, col: 1, path: '', message: found, expected }] };
}

/** Counts nodes as if every alias were copied out, stopping at the cap; shared subtrees are measured once. */
function measureExpansion(root: unknown): 'ok' | 'too-large' | 'cycle' {
  const sizes = new Map<object, number>();
  const open = new Set<object>();
  const size = (node: unknown): number => {
    if (node === null || typeof node !== 'object') return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (open.has(node)) throw new CycleFound();
    open.add(node);
    let total = 1;
    for (const child of Object.values(node)) {
      total += size(child);
      if (total > MAX_EXPANDED_NODES) break;
    }
    open.delete(node);
    sizes.set(node, total);
    return total;
  };
  try {
    return size(root) > MAX_EXPANDED_NODES ? 'too-large' : 'ok';
  } catch (error) {
    if (error instanceof CycleFound) return 'cycle';
    throw error;
  }
}

class CycleFound extends Error {}

function firstAlias(text: string): Position {
  const match = /(^|[\s,[{:-])\*[^\s,\]}]+/m.exec(text);
  return match ? offsetToPosition(text, match.index + match[1]!.length) : { line: 1, col: 1 };
}

function offsetToPosition(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) {
    line += 1;
    lineStart = index + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

function lazyLocator(text: string): YamlSource['locate'] {
  let parsed: { root: Node | null; lines: LineCounter } | undefined;
  return (path, part = 'value') => {
    if (!parsed) {
      const lines = new LineCounter();
      const document = parseDocument(text, { lineCounter: lines, uniqueKeys: false, strict: false });
      parsed = { root: (document.contents as Node | null) ?? null, lines };
    }
    const { root, lines } = parsed;
    const at = (offset: number): Position => {
      const { line, col } = lines.linePos(offset);
      return { line, col };
    };
    if (!root) return { line: 1, col: 1 };
    let node: Node = root;
    let keyOffset: number | undefined;
    for (const segment of path) {
      let next: Node | undefined;
      keyOffset = undefined;
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair) {
          keyOffset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
          next = (pair.value as Node | null) ?? undefined;
          if (!next) return keyOffset !== undefined ? at(keyOffset) : at(node.range?.[0] ?? 0);
        }
      } else if (isSeq(node) && typeof segment === 'number') {
        next = (node.items[segment] as Node | undefined) ?? undefined;
      }
      if (!next) return at(node.range?.[0] ?? 0);
      node = next;
    }
    if (part === 'key' && keyOffset !== undefined) return at(keyOffset);
    return at(node.range?.[0] ?? 0);
  };
}
