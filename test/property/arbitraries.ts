/** fast-check generators for flows, facts and events. */
import fc from 'fast-check';
import type { FactEvent } from '../../src/engine/facts.js';
import type { Flow } from '../../src/flow/schema.js';
import { validateFlowText } from '../../src/flow/validate.js';
import { HEAD, NEXT, START } from '../helpers.js';

export const ELIGIBLE = ['mia', 'max', 'sam', 'sid'];
export const OUTSIDERS = ['olga', 'oscar'];
const ACTORS = [...ELIGIBLE, 'dev', 'rob', 'helper[bot]', ...OUTSIDERS];
const LABELS = ['flowgate:approve', 'flowgate:decline', 'ready', 'risk:high'];

const gate = fc.record(
  {
    from: fc.oneof(fc.constant({ teams: ['acme/managers'] }), fc.constant({ users: ['mia', 'sam'] }), fc.constant({ permission: 'write' as const }), fc.constant({ teams: ['acme/managers', 'acme/security'] })),
    count: fc.constantFrom(1, 2),
    timeout: fc.constantFrom('1h', '2h', '1d'),
    on_timeout: fc.constantFrom('decline' as const, 'approve' as const, 'wait' as const),
    escalate: fc.constant([{ after: '30m', notify: { users: ['backup'] }, add_approvers: { users: ['max'] }, repeat: '10m' }]),
    invalidate_on_push: fc.boolean(),
  },
  { requiredKeys: ['from'] },
);

const wait = fc.oneof(
  fc.constant({ callback: {}, timeout: '2h' }),
  fc.constant({ label: 'ready' }),
  fc.constant({ push: true as const, timeout: '1d' }),
  fc.constant({ duration: '45m' }),
  fc.constant({ check_run: { name: 'ci' }, timeout: '3h' }),
);

const action = fc.constantFrom(
  { comment: 'hello {{pr.title}} {{decision.actor}}' },
  { label: ['seen'] },
  { merge: { method: 'squash' as const } },
  { close: {} },
  { notify: { users: ['mia'], message: 'ping {{gate.waiting_on}}' } },
);

/** Flows that pass validation: forward edges everywhere, and backward edges only out of waits. */
export const validFlow: fc.Arbitrary<Flow> = fc
  .array(fc.constantFrom('route', 'approval', 'parallel', 'wait', 'actions'), { minLength: 1, maxLength: 8 })
  .chain((kinds) => {
    const ids = kinds.map((_, index) => `s${index}`);
    const forward = (index: number) => fc.constantFrom(...ids.slice(index + 1), 'succeed', 'fail');
    const anywhere = fc.constantFrom(...ids, 'succeed', 'fail');
    const steps = kinds.map((kind, index) => {
      const id = fc.constant(ids[index]!);
      switch (kind) {
        case 'route':
          return fc.record({ id, if: fc.constantFrom({ labels: ['risk:*'] }, { field: 'amount', gt: 100 }, { not: { draft: true } }), then: forward(index) });
        case 'approval':
          return fc.record({ id, approval: gate, on_decline: forward(index) }, { requiredKeys: ['id', 'approval'] });
        case 'parallel':
          return fc.record({ id, parallel: fc.record({ a: gate, b: gate }), on_approve: forward(index) }, { requiredKeys: ['id', 'parallel'] });
        case 'wait':
          return fc.record({ id, wait, next: anywhere }, { requiredKeys: ['id', 'wait'] });
        default:
          return fc.record({ id, actions: fc.array(action, { minLength: 1, maxLength: 3 }) });
      }
    });
    return fc.tuple(...steps);
  })
  .map((steps) => ({ name: 'generated', on: { pull_request: {} }, steps }) as unknown)
  .filter((candidate) => validateFlowText(JSON.stringify(candidate), 'generated.json').flow !== undefined)
  .map((candidate) => validateFlowText(JSON.stringify(candidate), 'generated.json').flow!);

const at = (minutes: number) => new Date(START + minutes * 60_000).toISOString();

/** An event at `minutes`; `index` makes each comment's id its own, as GitHub's are, when two share a minute. */
const eventAt = (minutes: number, index: number): fc.Arbitrary<FactEvent> =>
  fc.oneof(
    fc.record({ actor: fc.constantFrom(...ACTORS), state: fc.constantFrom('approved' as const, 'changes_requested' as const), sha: fc.constantFrom(HEAD, NEXT), id: fc.constantFrom('r1', 'r2', 'r3') }).map((event) => ({ type: 'review' as const, at: at(minutes), ...event })),
    fc.record({ actor: fc.constantFrom(...ACTORS), body: fc.constantFrom('/approve', '/decline nope', 'looks good', 'LGTM\n/approve') }).map((event) => ({ type: 'comment' as const, at: at(minutes), id: `c${minutes}-${index}`, ...event })),
    fc.record({ actor: fc.constantFrom(...ACTORS), label: fc.constantFrom(...LABELS) }).map((event) => ({ type: 'labeled' as const, at: at(minutes), ...event })),
    fc.record({ actor: fc.constantFrom(...ACTORS), label: fc.constantFrom(...LABELS) }).map((event) => ({ type: 'unlabeled' as const, at: at(minutes), ...event })),
    fc.constant({ type: 'push' as const, at: at(minutes), sha: NEXT, before: HEAD }),
    fc.record({ actor: fc.constantFrom(...ACTORS), action: fc.constantFrom('approve' as const, 'decline' as const) }).map((event) => ({ type: 'button' as const, at: at(minutes), ...event })),
    fc.record({ step: fc.constantFrom('s0', 's1', 's2', 's3'), attempt: fc.constantFrom(1, 2), result: fc.constantFrom('success' as const, 'failure' as const) }).map((event) => ({ type: 'callback' as const, at: at(minutes), ...event })),
    fc.record({ conclusion: fc.constantFrom('success', 'failure'), sha: fc.constantFrom(HEAD, NEXT) }).map((event) => ({ type: 'check_run' as const, at: at(minutes), name: 'ci', ...event })),
    fc.record({ actor: fc.constantFrom(...ACTORS), review_id: fc.constantFrom('r1', 'r2') }).map((event) => ({ type: 'review_dismissed' as const, at: at(minutes), ...event })),
    fc.constant({ type: 'closed' as const, at: at(minutes), actor: 'dev', merged: false }),
  );

/** Time-ordered events over the first few hours of a run, some before it starts. */
export const events: fc.Arbitrary<FactEvent[]> = fc
  .array(fc.integer({ min: -30, max: 600 }), { maxLength: 25 })
  .map((minutes) => [...minutes].sort((a, b) => a - b))
  .chain((minutes) => (minutes.length === 0 ? fc.constant([]) : fc.tuple(...minutes.map((minute, index) => eventAt(minute, index)))));

/** A decision by someone who is eligible for no gate that `validFlow` makes. */
export const ineligibleDecision = (minutes: number): fc.Arbitrary<FactEvent> =>
  fc.oneof(
    fc.record({ actor: fc.constantFrom(...OUTSIDERS), state: fc.constantFrom('approved' as const, 'changes_requested' as const) }).map((event) => ({ type: 'review' as const, at: at(minutes), id: 'x', sha: HEAD, ...event })),
    fc.record({ actor: fc.constantFrom(...OUTSIDERS), body: fc.constantFrom('/approve', '/decline no') }).map((event) => ({ type: 'comment' as const, at: at(minutes), id: 'x', ...event })),
    fc.record({ actor: fc.constantFrom(...OUTSIDERS), action: fc.constantFrom('approve' as const, 'decline' as const) }).map((event) => ({ type: 'button' as const, at: at(minutes), ...event })),
    fc.record({ actor: fc.constantFrom(...OUTSIDERS), label: fc.constantFrom('flowgate:approve', 'flowgate:decline') }).map((event) => ({ type: 'labeled' as const, at: at(minutes), ...event })),
  );
