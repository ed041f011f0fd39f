/**
 * Run by test/unit/engine-p99-retention.test.ts in a child process, under V8's own trace of each
 * collection (--trace-gc-nvp): evaluates a flow with actions, a gate and decisions many times,
 * each evaluation on a new snapshot, keeping nothing from one to the next.
 */
import { evaluate } from '../src/engine/evaluate.js';
import type { Facts, FactEvent } from '../src/engine/facts.js';
import { validateFlowText } from '../src/flow/validate.js';

const FLOW = `name: retention
on: { pull_request: {} }
steps:
  - id: start
    actions: [ { label: [in-review] }, { comment: "Review {{pr.title}} by {{pr.author}}" } ]
  - id: review
    approval: { from: { teams: [org/reviewers] }, count: 3, escalate: [ { after: 1h, notify: { users: [lead] }, repeat: 30m } ] }
  - id: done
    actions: [ { label: [approved] }, { comment: "Approved by {{decision.actor}}" }, { notify: { users: [lead], message: "{{pr.title}} approved" } } ]
`;
const validated = validateFlowText(FLOW, 'retention.yml');
if (!validated.flow) throw new Error(JSON.stringify(validated.problems));
const flow = validated.flow;

const START = Date.parse('2026-11-24T09:00:00Z');
const reviewers = Array.from({ length: 20 }, (_, index) => `r${index}`);

function snapshot(iteration: number): Facts {
  const events: FactEvent[] = [];
  for (let index = 0; index < 40; index += 1) {
    const at = new Date(START + (index + 1) * 60_000).toISOString();
    const actor = index % 4 === 0 ? `outsider${index}` : reviewers[index % reviewers.length]!;
    events.push(
      index % 2 === 0
        ? { type: 'comment', at, actor, id: `c${iteration}-${index}`, body: index % 6 === 0 ? '/approve' : 'a remark' }
        : { type: 'review', at, actor, id: `r${iteration}-${index}`, state: index > 30 ? 'approved' : 'commented', sha: 'a'.repeat(40) },
    );
  }
  return {
    repo: { owner: 'org', name: 'repo' },
    run: { id: `run-${iteration}`, started_at: new Date(START).toISOString() },
    pr: {
      number: iteration,
      title: `Change ${iteration}`,
      body: 'amount: 10',
      author: 'author',
      base: 'main',
      head: 'feature',
      head_sha: 'a'.repeat(40),
      draft: false,
      labels: [],
      files: [{ path: `src/file-${iteration % 7}.ts`, additions: 3, deletions: 1 }],
      committers: ['author'],
      teams: { 'org/reviewers': reviewers },
      permissions: {},
    },
    events,
  };
}

const now = START + 3 * 3600_000;
const iterations = Number(process.argv[2] ?? 3000);
let ended = 0;
for (let iteration = 0; iteration < iterations; iteration += 1) {
  if (evaluate(flow, snapshot(iteration), now).run.status !== 'waiting') ended += 1;
}
process.stderr.write(`evaluations: ${iterations}, ended: ${ended}\n`);
