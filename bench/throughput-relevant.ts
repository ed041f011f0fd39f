/**
 * For the throughput bench: relevant events against the sandbox. The real app
 * (startAppOnSandbox: Probot, the app's HTTP handler, the sandbox on loopback)
 * runs a flow on a PR; each person's action is timed from the action to the
 * sandbox settled (its webhooks delivered and handled, and those they caused),
 * and its requests are counted from the sandbox's log. Repeated on `pulls` PRs.
 */
import { performance } from 'node:perf_hooks';
import { startAppOnSandbox } from '../src/sandbox/with-app.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';

const REPO = 'acme/widgets';
export const REVIEW_FLOW = `name: review
on: { pull_request: {} }
steps:
  - id: review
    approval:
      from: { users: [lead] }
    on_approve: done
  - id: done
    actions: [ { label: [approved] } ]
    next: succeed
`;

export interface EventCost {
  event: string;
  /** Per PR, in order. */
  ms: number[];
  reads: number[];
  writes: number[];
  /** The app's HTTP answers to the webhooks this event caused. */
  statuses: number[];
}

export const isRead = (request: string) => request.startsWith('GET ') || request === 'POST /graphql';

const EVENTS: [string, (sandbox: Sandbox, number: number) => Promise<unknown>][] = [
  ['a review that changes nothing (from someone the flow does not ask)', (sandbox, number) => sandbox.review(REPO, number, 'bob', 'approved')],
  ['a label that flows do not read', (sandbox, number) => sandbox.label(REPO, number, 'dev', 'docs')],
  ['a push to the PR (the run restarts on the new head)', (sandbox, number) => sandbox.push(REPO, number, 'dev', { 'src/b.ts': `${number}\n` })],
  ['/approve from the approver (decides; the flow labels and succeeds)', (sandbox, number) => sandbox.comment(REPO, number, 'lead', '/approve')],
];

export interface RelevantReport {
  costs: EventCost[];
  /** Each PR's check run at the end: the run must have succeeded on the PR's last head. */
  conclusions: (string | null)[];
}

export async function relevantEventCosts(pulls: number): Promise<RelevantReport> {
  const running = await startAppOnSandbox();
  const { sandbox } = running;
  try {
    sandbox.createRepo(REPO, { '.github/flows/review.yml': REVIEW_FLOW, 'src/a.ts': 'a\n' }, { permissions: { lead: 'write', bob: 'write' } });
    const costs: EventCost[] = [['a PR opened (starts the run)'] as const, ...EVENTS].map(([event]) => ({ event, ms: [], reads: [], writes: [], statuses: [] }));
    const conclusions: (string | null)[] = [];
    const timed = async (cost: EventCost, act: () => Promise<unknown>) => {
      sandbox.requests.length = 0;
      const delivered = sandbox.deliveries.length;
      const started = performance.now();
      await act();
      await sandbox.settle();
      cost.ms.push(performance.now() - started);
      cost.reads.push(sandbox.requests.filter(isRead).length);
      cost.writes.push(sandbox.requests.filter((request) => !isRead(request)).length);
      cost.statuses.push(...sandbox.deliveries.slice(delivered).map((delivery) => delivery.status ?? 0));
    };
    for (let index = 0; index < pulls; index += 1) {
      let number = 0;
      await timed(costs[0]!, async () => (number = (await sandbox.openPullRequest(REPO, { author: 'dev', title: `Change ${index}`, branch: `dev/${index}`, changes: { 'src/a.ts': `${index}\n` } })).number));
      for (const [at, [, act]] of EVENTS.entries()) await timed(costs[at + 1]!, () => act(sandbox, number));
      const pull = sandbox.pullRequest(REPO, number);
      conclusions.push(sandbox.checkRunsFor(pull.headSha).find((run) => run.name === 'Flowgate: review')?.conclusion ?? null);
    }
    return { costs, conclusions };
  } finally {
    await running.stop();
  }
}
