import { describe, expect, it } from 'vitest';
import { loadYaml, MAX_FILE_BYTES } from '../../src/flow/yaml-source.js';

const fail = (text: string) => {
  const result = loadYaml(text, 'f.yml');
  if (result.ok) throw new Error('expected a problem');
  return result.problems[0]!;
};

describe('safe YAML loading', () => {
  it('refuses duplicate keys, with the line of the duplicate', () => {
    const problem = fail('name: a\nsteps: []\nname: b\n');
    expect(problem.code).toBe('yaml-syntax');
    expect(problem.message).toMatch(/duplicated mapping key/);
    expect(problem.line).toBe(3);
  });

  it('refuses custom tags and the tags of the default schema', () => {
    expect(fail('name: !!js/function "x"').message).toMatch(/unknown tag/);
    expect(fail('name: !secret x').message).toMatch(/unknown tag/);
    expect(fail('when: !!timestamp 2026-01-01').message).toMatch(/unknown tag/);
  });

  it('keeps dates and version-like values as strings', () => {
    const result = loadYaml('when: 2026-11-24\nversion: 1.10\n', 'f.yml');
    expect(result.ok && result.source.value).toEqual({ when: '2026-11-24', version: 1.1 });
  });

  it('refuses a file over the size cap before parsing it', () => {
    const problem = fail(`x: "${'a'.repeat(MAX_FILE_BYTES)}"`);
    expect(problem.code).toBe('file-too-large');
  });

  it('refuses an alias bomb quickly, pointing at an alias', () => {
    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level < 9; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      rows.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const problem = fail(rows.join('\n'));
    expect(problem.code).toBe('yaml-aliases');
    expect(problem.line).toBe(2);
  });

  it('refuses an alias that contains itself', () => {
    expect(fail('a: &a [1, *a]\n').code).toBe('yaml-aliases');
  });

  it('allows modest anchors and merge keys', () => {
    const result = loadYaml('base: &b { count: 1 }\ngate: { <<: *b, timeout: 1h }\n', 'f.yml');
    expect(result.ok && result.source.value).toEqual({ base: { count: 1 }, gate: { count: 1, timeout: '1h' } });
  });

  it('reports a syntax error at its line and column', () => {
    const problem = fail('steps:\n  - id: a\n   bad: indent\n');
    expect(problem.code).toBe('yaml-syntax');
    expect(problem.line).toBeGreaterThanOrEqual(2);
    expect(problem.col).toBeGreaterThanOrEqual(1);
  });

  it('locates fields, keys and missing paths', () => {
    const result = loadYaml('name: x\nsteps:\n  - id: a\n    approval:\n      count: 3\n', 'f.yml');
    if (!result.ok) throw new Error('parse failed');
    expect(result.source.locate(['steps', 0, 'approval', 'count'])).toEqual({ line: 5, col: 14 });
    expect(result.source.locate(['steps', 0, 'approval', 'count'], 'key')).toEqual({ line: 5, col: 7 });
    expect(result.source.locate(['steps', 0, 'missing'])).toEqual({ line: 3, col: 5 });
  });
});
