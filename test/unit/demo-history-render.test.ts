import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/flow/compile.js';
import { checkRunOutput, mermaidDiagram, stickyComment } from '../../src/github/history/render.js';
import { comment, flowOf, review, run, t } from '../helpers.js';

// Two routes out of the manager's gate: a run takes one, and never reaches the other.
const flow = flowOf(`name: payment
on: { pull_request: {} }
steps:
  - id: manager
    approval: { from: { teams: [acme/managers] } }
    on_decline: reject
  - id: security
    approval: { from: { teams: [acme/security] } }
    on_decline: reject
  - id: ship
    actions: [ { merge: {} } ]
    next: succeed
  - id: reject
    actions: [ { close: {} } ]
    next: fail
`);
const links = { pr: 'https://github.com/acme/widgets/pull/7' };
const succeeded = () => run(flow, [review(5, 'mia'), review(9, 'sam')]);
const declined = () => run(flow, [review(5, 'mia'), comment(9, 'sam', '/decline secrets in logs')]);

describe('a finished run as GitHub shows it', () => {
  it('the check run shows a step a succeeded run never reached as "not reached", never "pending"', () => {
    const { summary } = checkRunOutput(succeeded(), links);
    expect(summary).toContain('| reject | actions | not reached | 0 |');
    expect(summary).not.toMatch(/\| (approval|actions|route|wait|parallel) \| pending \|/);
  });

  it('the check run shows a step a declined run never reached as "not reached"', () => {
    const { summary } = checkRunOutput(declined(), links);
    expect(summary).toContain('| ship | actions | not reached | 0 |');
    expect(summary).not.toMatch(/\| (approval|actions|route|wait|parallel) \| pending \|/);
  });

  it('a run still waiting keeps its later steps "pending": it may yet reach them', () => {
    const { summary } = checkRunOutput(run(flow, [review(5, 'mia')]), links);
    expect(summary).toContain('| ship | actions | pending | 0 |');
    expect(summary).not.toContain('not reached');
  });

  it('a declined run names no "approved commit", though an earlier gate approved one', () => {
    expect(checkRunOutput(declined(), links).summary).not.toContain('approved commit');
    expect(checkRunOutput(succeeded(), links).summary).toMatch(/approved commit `[0-9a-f]{40}`/);
  });

  it('the sticky comment says in words which steps a finished run did not reach, and greys them in the diagram', () => {
    const evaluation = declined();
    const body = stickyComment([{ flow: compileFlow(flow), evaluation }]);
    expect(body).toContain('Run declined; not reached: ship.');
    const diagram = mermaidDiagram(compileFlow(flow), evaluation);
    expect(diagram).toContain('class s2 skipped');
    expect(diagram).toContain('class s3 passed');
  });

  it('the sticky comment of a waiting run greys nothing and lists nothing as not reached', () => {
    const evaluation = run(flow, [review(5, 'mia')]);
    expect(stickyComment([{ flow: compileFlow(flow), evaluation }])).not.toContain('not reached');
    expect(mermaidDiagram(compileFlow(flow), evaluation)).not.toMatch(/class s\d skipped/);
  });

  it('the step a cancelled run was in shows as stopped by the cancel, not as failed, and later steps as not reached', () => {
    const evaluation = run(flow, [review(5, 'mia'), { type: 'closed', at: t(9), actor: 'dev', merged: false }]);
    expect(evaluation.run.status).toBe('cancelled');
    const { summary } = checkRunOutput(evaluation, links);
    expect(summary).toContain('| security | approval | stopped: run cancelled | 1 |');
    expect(summary).toContain('| ship | actions | not reached | 0 |');
    expect(summary).not.toMatch(/\| approval \| failed \|/);
  });
});
