import { existsSync, readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateFlowText } from '../../src/flow/validate.js';
import { parseScenario } from '../../src/simulate/scenario.js';

// The flow examples: folders with a flow.yml (examples/workflows holds the Action's workflow).
const examples = readdirSync(new URL('../../examples', import.meta.url)).filter((name) => existsSync(new URL(`../../examples/${name}/flow.yml`, import.meta.url))).map((name) =>
  readFileSync(new URL(`../../examples/${name}/flow.yml`, import.meta.url), 'utf8'),
);

const SNIPPETS = ['', ':', '- ', '{', '}', '[', ']', '&a', '*a', '!!binary', '!tag', '"', "'", '\t', '#', '|', '>', '? ', '<<: *a', '~', 'null', '1e999', '{{', '}}', '\u0000', '\uFEFF', 'steps:', 'id: x', '  '];

/** A valid flow file with a few random edits: characters dropped, inserted or swapped, lines duplicated or moved. */
const malformed = fc.tuple(fc.constantFrom(...examples), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...SNIPPETS), fc.nat(4)), { minLength: 1, maxLength: 6 })).map(([text, edits]) => {
  let out = text;
  for (const [position, span, snippet, kind] of edits) {
    const at = position % (out.length + 1);
    if (kind === 0) out = out.slice(0, at) + snippet + out.slice(at);
    else if (kind === 1) out = out.slice(0, at) + out.slice(at + (span % 12));
    else if (kind === 2) out = out.slice(0, at) + snippet + out.slice(at + (span % 6));
    else {
      const lines = out.split('\n');
      const from = at % lines.length;
      const to = span % lines.length;
      const [line] = lines.splice(from, kind === 3 ? 1 : 0);
      lines.splice(to, 0, line ?? '');
      out = lines.join('\n');
    }
  }
  return out;
});

const isLocated = (problem: { line?: number; col?: number; path: string; message: string }) =>
  (problem.line !== undefined && problem.line >= 1 && problem.col !== undefined && problem.col >= 1) || problem.path !== '';

describe('fuzzing flow files', () => {
  it('a malformed flow file yields located errors, never a crash', () => {
    fc.assert(
      fc.property(malformed, (text) => {
        const result = validateFlowText(text, 'fuzz.yml');
        if (result.flow) return;
        expect(result.problems.length).toBeGreaterThan(0);
        for (const problem of result.problems) {
          expect(isLocated(problem), JSON.stringify(problem)).toBe(true);
          expect(problem.message.length).toBeGreaterThan(0);
          expect(problem.file).toBe('fuzz.yml');
        }
      }),
      { numRuns: 600 },
    );
  });

  it('arbitrary text yields a flow or located errors, never a crash', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (text) => {
        const result = validateFlowText(text, 'fuzz.yml');
        expect(result.flow !== undefined || result.problems.every(isLocated)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('malformed scenario files yield located errors, never a crash', () => {
    const scenario = readFileSync(new URL('../../examples/2-payment-thresholds/scenarios/large.yml', import.meta.url), 'utf8');
    fc.assert(
      fc.property(fc.tuple(fc.nat(), fc.constantFrom(...SNIPPETS)), ([position, snippet]) => {
        const at = position % scenario.length;
        const result = parseScenario(scenario.slice(0, at) + snippet + scenario.slice(at + 1), 'fuzz.scenario.yml');
        if (!result.ok) for (const problem of result.problems) expect(isLocated(problem), JSON.stringify(problem)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
