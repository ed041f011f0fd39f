import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { validateFlowText } from '../../src/flow/validate.js';

const BUTTON_FLOW = `name: gate
on: { pull_request: {} }
steps:
  - id: review
    approval:
      from: { users: [mia] }
      sources: [review, button]
    on_approve: ship
  - id: ship
    actions:
      - merge: {}
`;

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (text) => void (out += `${text}\n`), err: (text) => void (err += `${text}\n`) });
  return { code, out, err };
}

describe('validation for Action mode', () => {
  it('warns at file:line when a gate lists button, which no click can reach in a workflow', () => {
    const checked = validateFlowText(BUTTON_FLOW, 'gate.yml', { mode: 'action' });
    expect(checked.flow).toBeDefined();
    expect(checked.problems).toEqual([
      expect.objectContaining({ code: 'button-in-action-mode', severity: 'warning', line: 7, path: 'steps[0].approval.sources[1]', expected: 'the sources without button (review)' }),
    ]);
  });

  it("leaves the server's validation as it was: no warning without the mode", () => {
    expect(validateFlowText(BUTTON_FLOW, 'gate.yml').problems).toEqual([]);
    expect(validateFlowText(BUTTON_FLOW, 'gate.yml', { mode: 'app' }).problems).toEqual([]);
  });

  it('says when button is the only source: the gate could then never be decided', () => {
    const only = validateFlowText(BUTTON_FLOW.replace('[review, button]', '[button]'), 'gate.yml', { mode: 'action' });
    expect(only.problems[0]!.message).toMatch(/no one can decide step "review" with a button, and it has no other source$/);
  });

  it('flowgate validate --mode action prints the warning and exits 0; an unknown mode is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowgate-mode-'));
    writeFileSync(join(dir, 'gate.yml'), BUTTON_FLOW);
    const action = await cli(['validate', dir, '--mode', 'action']);
    expect(action.code).toBe(0);
    expect(action.out).toContain('gate.yml:7:');
    expect(action.out).toContain('1 of 1 flow file(s) valid; 0 error(s), 1 warning(s)');
    expect((await cli(['validate', dir])).out).toContain('0 warning(s)');
    const bogus = await cli(['validate', dir, '--mode', 'lambda']);
    expect(bogus.code).toBe(2);
    expect(bogus.err).toContain('--mode is lambda; expected app or action');
  });
});
