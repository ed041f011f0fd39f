import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/flow/compile.js';
import { CHECK_RUN_TEXT_LIMIT, checkRunOutput, mermaidDiagram, STICKY_MARKER, stickyComment } from '../../src/github/history/render.js';
import { comment, flowOf, review, run } from '../helpers.js';

const flow = flowOf(`name: payment
on: { pull_request: {} }
steps:
  - id: manager
    approval: { from: { teams: [acme/managers] } }
    on_decline: reject
  - id: security
    approval: { from: { teams: [acme/security] }, timeout: 1d }
    on_decline: reject
  - id: ship
    actions: [ { merge: {} } ]
    next: succeed
  - id: reject
    actions: [ { close: {} } ]
    next: fail
`);
const links = { pr: 'https://github.com/acme/widgets/pull/7' };

describe('the check run of a run', () => {
  it('is in progress while waiting, titled by who is awaited', () => {
    const output = checkRunOutput(run(flow, [review(5, 'mia')]), links);
    expect(output).toMatchObject({ name: 'Flowgate: payment', status: 'in_progress', title: 'Waiting for 1 more approval(s) from @acme/security' });
    expect(output.conclusion).toBeUndefined();
    expect(output.summary).toContain('- **security**: 1 more approval(s) from @acme/security (until 2026-11-25 09:05 UTC)');
    expect(output.summary).toContain('| manager | approval | approved | 1 |');
    expect(output.summary).toContain('counted: member of acme/managers');
  });

  it('completes with a conclusion and says who declined', () => {
    const output = checkRunOutput(run(flow, [review(5, 'mia'), comment(9, 'sam', '/decline secrets | in logs')]), links);
    expect(output).toMatchObject({ status: 'completed', conclusion: 'failure', title: 'Declined by sam' });
    expect(output.summary).toContain('decline: secrets \\| in logs');
    expect(output.text).toMatch(/^### History\n```\n2026-11-24 09:09 {2}run declined/);
  });

  it('stays within GitHub\'s limit, keeping the newest decisions and linking to the whole record', () => {
    const events = Array.from({ length: 3000 }, (_, index) => comment(index + 1, `person${index}`, '/approve with a long enough note to fill the table quickly'));
    const output = checkRunOutput(run(flow, events), { ...links, full: 'https://example.test/full' });
    expect(output.summary.length).toBeLessThanOrEqual(CHECK_RUN_TEXT_LIMIT);
    expect(output.text.length).toBeLessThanOrEqual(CHECK_RUN_TEXT_LIMIT);
    expect(output.summary).toContain('The whole record: https://example.test/full');
    expect(output.summary).toContain('person2999');
    expect(output.summary).not.toContain('| person0 |');
    expect(output.summary).toContain('### Effects');
  });
});

describe('the sticky comment', () => {
  it('carries its marker, a diagram marking the current step, and who is awaited', () => {
    const evaluation = run(flow, [review(5, 'mia')]);
    const body = stickyComment([{ flow: compileFlow(flow), evaluation, checkRunUrl: 'https://github.com/acme/widgets/runs/1' }]);
    expect(body.startsWith(STICKY_MARKER)).toBe(true);
    expect(body).toContain('### payment: Waiting for 1 more approval(s) from @acme/security ([details](https://github.com/acme/widgets/runs/1))');
    expect(body).toContain('```mermaid\nflowchart TD');
    expect(body).toContain('⏳ Waiting on @acme/security: 1 more approval(s), until 2026-11-25 09:05 UTC.');
    expect(body).toContain('- 2026-11-24 09:05 @mia approve via review: counted: member of acme/managers');
  });

  it('draws every transition and colours the path taken', () => {
    const diagram = mermaidDiagram(compileFlow(flow), run(flow, [review(5, 'mia')]));
    expect(diagram).toContain('s0 -->|approve| s1');
    expect(diagram).toContain('s0 -->|decline| s3');
    expect(diagram).toContain('s2 -->|next| succeed');
    expect(diagram).toContain('class s0 passed');
    expect(diagram).toContain('class s1 current');
  });
});
