import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.js';
import type { FactEvent } from '../../src/engine/facts.js';
import { factsOf, flowOf, GATE_FLOW, HEAD, push, review, run, t } from '../helpers.js';

describe('actions and effects', () => {
  it('merges at the approved commit, even when the head moved afterwards', () => {
    const flow = flowOf(`name: m\non: { pull_request: {} }\nsteps:
  - id: review
    approval: { from: { users: [mia] } }
  - id: cooldown
    wait: { duration: 1h }
  - id: ship
    actions: [ { merge: { method: squash } } ]
`);
    const result = run(flow, [review(5, 'mia'), push(30)], { now: 70 });
    expect(result.run.approved_sha).toBe(HEAD);
    expect(result.effects).toMatchObject([{ type: 'merge', method: 'squash', sha: HEAD, status: 'pending' }]);
  });

  it('reports a failed merge ("head moved") and fails the run', () => {
    const flow = flowOf(GATE_FLOW);
    const first = run(flow, [review(5, 'mia')]);
    const merge = first.effects[0]!;
    const failed: FactEvent = { type: 'effect', at: t(6), key: merge.key, ok: false, error: '409: head moved' };
    const result = run(flow, [review(5, 'mia'), failed]);
    expect(result.run).toMatchObject({ status: 'failed', reason: 'ship: merge failed: 409: head moved' });
    expect(result.effects[0]).toMatchObject({ status: 'failed', error: '409: head moved' });
  });

  it('with on_error: continue, a failed effect does not fail the run', () => {
    const flow = flowOf(GATE_FLOW.replace('      - merge: {}', '      - merge: {}\n    on_error: continue'));
    const key = run(flow, [review(5, 'mia')]).effects[0]!.key;
    expect(run(flow, [review(5, 'mia'), { type: 'effect', at: t(6), key, ok: false, error: 'boom' }]).run.status).toBe('succeeded');
  });

  it('marks applied effects so the shell never applies a key twice', () => {
    const flow = flowOf(GATE_FLOW);
    const key = run(flow, [review(5, 'mia')]).effects[0]!.key;
    const again = run(flow, [review(5, 'mia'), { type: 'effect', at: t(6), key, ok: true }]);
    expect(again.effects).toMatchObject([{ key, status: 'applied' }]);
    expect(key).toBe('run1:ship:1:action-0');
  });

  it('keys are stable: a later evaluation repeats earlier effects with the same keys', () => {
    const flow = flowOf(GATE_FLOW);
    const early = run(flow, [review(5, 'mia')]);
    const later = run(flow, [review(5, 'mia'), review(9, 'max')], { now: 60 });
    expect(later.effects.map((effect) => effect.key)).toEqual(early.effects.map((effect) => effect.key));
  });

  it('a PR closed by someone else cancels the run; one closed by the run does not', () => {
    const flow = flowOf(GATE_FLOW);
    const closed: FactEvent = { type: 'closed', at: t(3), actor: 'dev', merged: false };
    expect(run(flow, [closed]).run).toMatchObject({ status: 'cancelled', reason: 'the PR was closed by dev' });
    const merged: FactEvent = { type: 'closed', at: t(6), actor: 'flowgate[bot]', merged: true };
    expect(run(flow, [review(5, 'mia'), merged]).run.status).toBe('succeeded');
  });

  it('renders templates with PR, run, step outputs, fields and the last decision', () => {
    const flow = flowOf(`name: tpl\non: { pull_request: {} }\nsteps:
  - id: review
    approval: { from: { users: [mia] } }
  - id: say
    actions:
      - comment: "#{{pr.number}} {{pr.title}} by {{pr.author}} for {{fields.amount}}: {{decision.actor}} said {{decision.reason}} at {{steps.review.outputs.sha}} in {{repo.full_name}}{{#pr.labels}} [{{.}}]{{/pr.labels}}"
`);
    const result = run(flow, [{ type: 'review', at: t(5), actor: 'mia', id: 'r', state: 'approved', sha: HEAD, body: 'ship it' }], {
      snapshot: { body: 'amount: 12,000', labels: ['billing', 'urgent'] },
    });
    expect(result.effects[0]).toMatchObject({ type: 'comment', body: `#7 Change billing by dev for 12,000: mia said ship it at ${HEAD} in acme/widgets [billing] [urgent]` });
  });

  it('does not HTML-escape template output, which is Markdown', () => {
    const flow = flowOf(`name: tpl\non: { pull_request: {} }\nsteps:\n  - id: say\n    actions: [ { comment: "{{pr.title}}" } ]\n`);
    expect(run(flow, [], { snapshot: { title: 'Use <T> & "quotes"' } }).effects[0]).toMatchObject({ body: 'Use <T> & "quotes"' });
  });

  it('produces every kind of effect with its payload', () => {
    const flow = flowOf(`name: all\non: { pull_request: {} }\nconnections:\n  hook: { type: webhook }\nsteps:
  - id: everything
    actions:
      - label: [a]
      - unlabel: [b]
      - request_reviewers: { users: [dev, mia], teams: [acme/security] }
      - dispatch_workflow: { workflow: deploy.yml, inputs: { pr: "{{pr.number}}" } }
      - repository_dispatch: { event_type: approved, client_payload: { pr: "{{pr.number}}", urgent: true } }
      - webhook: { connection: hook, body: { sha: "{{pr.head_sha}}" } }
      - notify: { users: [mia], message: "hi {{pr.author}}" }
      - close: { comment: bye }
`);
    const effects = run(flow).effects.map(({ key, step, attempt, at, cause, origin, status, ...body }) => body);
    expect(effects).toEqual([
      { type: 'label', labels: ['a'] },
      { type: 'unlabel', labels: ['b'] },
      { type: 'request_reviewers', users: ['mia'], teams: ['acme/security'] },
      { type: 'dispatch_workflow', workflow: 'deploy.yml', ref: 'main', inputs: { pr: '7' } },
      { type: 'repository_dispatch', event_type: 'approved', client_payload: { pr: '7', urgent: true } },
      { type: 'webhook', connection: 'hook', body: { sha: HEAD } },
      { type: 'notify', users: ['mia'], teams: [], message: 'hi dev' },
      { type: 'comment', body: 'bye' },
      { type: 'close' },
    ]);
  });
});

describe('routing', () => {
  const flow = flowOf(`name: r\non: { pull_request: {} }\nsteps:
  - id: route
    if: { any: [ { labels: ["risk:*"] }, { field: amount, gt: 10000 } ] }
    then: big
    else: small
  - id: small
    actions: [ { comment: small } ]
    next: succeed
  - id: big
    actions: [ { comment: big } ]
`);

  it('routes on labels at the moment of routing, and records why', () => {
    const result = run(flow, [], { snapshot: { labels: ['risk:high'] } });
    expect(result.steps[0]).toMatchObject({ status: 'routed', outputs: { branch: 'then', reason: 'label risk:high is present' } });
  });

  it('routes on a field of the PR body', () => {
    expect(run(flow, [], { snapshot: { body: 'Amount: $12,500' } }).steps[0]!.outputs.reason).toBe('field amount 12500 > 10000');
    expect(run(flow, [], { snapshot: { body: 'Amount: 500' } }).steps[0]!.outputs).toMatchObject({ branch: 'else' });
  });

  it('labels added after the route do not change where it went', () => {
    const facts = factsOf([{ type: 'labeled', at: t(5), actor: 'dev', label: 'risk:high' }], { labels: ['risk:high'] });
    const result = evaluate(flow, facts, t(10));
    expect(result.steps[0]!.outputs.branch).toBe('else');
  });
});
