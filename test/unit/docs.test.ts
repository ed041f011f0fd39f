import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/flow/problem.js';
import { validateFlowText } from '../../src/flow/validate.js';

const flowsIn = (file: string) =>
  [...readFileSync(new URL(`../../docs/${file}`, import.meta.url), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match) => match[1]!)
    .filter((block) => /^name: /m.test(block) && /^steps:/m.test(block));

describe('the flows in the docs', () => {
  const flows = flowsIn('flow-language.md');

  it('has runnable examples', () => {
    expect(flows.length).toBeGreaterThanOrEqual(6);
  });

  it.each(flows.map((flow) => [flow.match(/^name: (.*)$/m)![1]!, flow]))('%s is a valid flow', (_, flow) => {
    const result = validateFlowText(flow, 'docs/flow-language.md');
    expect(result.problems.map(formatProblem)).toEqual([]);
  });
});
