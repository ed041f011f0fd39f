import { describe, expect, it } from 'vitest';
import { runSandboxDemo } from '../../src/demo/sandbox-demo.js';

describe('npm run demo', () => {
  it('plays the stories on the sandbox with the real app: three merges at the approved commit, a decline, an agent\'s callback, a deadline', async () => {
    const lines: string[] = [];
    const result = await runSandboxDemo((line) => lines.push(line));
    expect(result).toEqual({ merged: 3, closed: 1 });
    const output = lines.join('\n');
    expect(output).toContain('rob approved via label: ignored: not an approver (approvers: @acme/managers)');
    expect(output).toContain('💬 flowgate[bot]: @rob: Flowgate removed the label `flowgate:approve`');
    expect(output).toContain('sam declined via comment ("the webhook secret is logged"): counted: member of acme/security');
    expect(output).toContain('eve approved via button: counted: member of acme/editors');
    expect(output).toContain('remote-checks: callback: success (All 412 tests pass; the bundle is 3 KB smaller.) -> summary');
    expect(output).toMatch(/Flowgate answered HTTP 409: this token was already used/);
    expect(output).toContain('escalation 1 after 4h: added @backup-oncall as approvers; notified @backup-oncall');
    expect(output).toContain('auto-declined at 2026-11-26');
    expect(output).toContain('primary-oncall approved via review: ignored: arrived after the deadline');
    expect(output).toContain('══ Final check runs ══');
    expect(output).toMatch(/## Flowgate: payment-change on [0-9a-f]{7}: completed \(failure\): Declined by sam/);
  });
});
