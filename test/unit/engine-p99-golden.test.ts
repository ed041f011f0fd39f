/**
 * The same output, byte for byte (issue 12, item 6: the engine's p99 was brought down by doing
 * less, never by answering otherwise). 146 evaluations of two flows over seeded facts (reviews,
 * comments with and without commands, edits, buttons for other steps, labels, pushes, dismissals,
 * teams and permissions in mixed case, CODEOWNERS of several shapes and none), each cold, with
 * every verdict stored, and re-parsed from JSON with comments deleted; and the benchmark's own
 * case (a 20-step flow, 300 reviews, 1,000 comments, 3,000 files) cold and replayed. Their JSON
 * hashes to what the commit before the work (5ab83aa) gave. A change that means to alter the
 * engine's output updates GOLDEN, saying so.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.js';
import { validateFlowText } from '../../src/flow/validate.js';

const GOLDEN = 'bf20b573ef120d212715db2dd6c37a3014b2d07acd0cf09fdd8b192ad7084309';

const benchText = readFileSync(new URL('../../bench/engine.bench.ts', import.meta.url), 'utf8');
const BENCH = benchText.slice(benchText.indexOf('const FLOW = `') + 'const FLOW = `'.length, benchText.indexOf('`;', benchText.indexOf('const FLOW = `')));
const SMALL = `
name: small
on: { pull_request: {} }
steps:
  - id: g1
    approval: { from: { users: [Alice, bob], teams: [org/Team-A], permission: maintain }, count: 2, invalidate_on_push: true, exclude: [author, committers], escalate: [ { after: 1h, add_approvers: { users: [carol], teams: [org/team-c] }, notify: { users: [lead] } } ] }
  - id: g2
    approval: { from: { codeowners: true }, count: 1 }
  - id: g2b
    approval: { from: { users: [u1, u2], teams: [org/team-c] }, count: all, exclude: [committers] }
  - id: g3
    parallel:
      sec: { from: { teams: [org/team-b] }, count: 1 }
      ops: { from: { permission: write }, count: 2 }
  - { id: a1, actions: [ { comment: "done {{pr.title}} {{decision.reason}}" } ] }
`;
const flows = [validateFlowText(BENCH, 'bench.yml').flow, validateFlowText(SMALL, 'small.yml').flow];
if (!flows[0] || !flows[1]) throw new Error(JSON.stringify(validateFlowText(SMALL, 'small.yml').problems));
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = <T,>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const START = Date.parse('2026-11-24T09:00:00Z');
const users = Array.from({ length: 60 }, (_, i) => (i % 7 === 0 ? `U${i}` : `u${i}`));
function facts(size: number, variant: number): any {
  const events: any[] = [];
  const shas = ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)];
  let head = 0;
  for (let i = 0; i < size; i += 1) {
    const at = new Date(START + (i + 1) * 60_000 * (1 + (variant % 3))).toISOString();
    const actor = pick([...users, 'author', 'dependabot[bot]', 'Alice', 'carol']);
    const r = rand();
    if (r < 0.35) events.push({ type: 'review', at, actor, id: `r${i % (size - 3 > 0 ? size - 3 : 1)}`, state: pick(['approved', 'approved', 'commented', 'changes_requested']), sha: rand() < 0.9 ? shas[head] : shas[(head + 1) % 3], ...(rand() < 0.2 ? { body: 'because   reasons\n' + 'x'.repeat(Math.floor(rand() * 400)) } : {}) });
    else if (r < 0.7) events.push({ type: 'comment', at, actor, id: `c${i % (size - 2 > 0 ? size - 2 : 1)}`, body: pick(['Looks fine.\n/approve', '/decline too risky', 'A remark.', '/approve lgtm', '```\n/approve\n```', '/reassign @carol @U7', '> /approve']), ...(rand() < 0.1 ? { edited: true } : {}) });
    else if (r < 0.75) events.push({ type: 'button', at, actor, action: pick(['approve', 'decline']), ...(rand() < 0.5 ? { step: pick(['g1', 'g2', 'g3', 'sec', 'ops', 'nope']) } : {}), ...(rand() < 0.3 ? { reason: 'clicked' } : {}) });
    else if (r < 0.8) events.push({ type: pick(['labeled', 'unlabeled']), at, actor, label: pick(['approve', 'risk:high', 'in-review', 'x']) });
    else if (r < 0.84 && variant % 2 === 0) { const before = shas[head]; head = (head + 1) % 3; events.push({ type: 'push', at, sha: shas[head], before, actor: pick(users) }); }
    else if (r < 0.87) events.push({ type: 'review_dismissed', at, actor, review_id: `r${Math.floor(rand() * size)}` });
    else events.push({ type: 'comment', at, actor, id: `c${i}`, body: 'plain remark without a command' });
  }
  const teams: Record<string, string[]> = { 'org/team-a': users.slice(0, 25), 'org/Team-A': users.slice(5, 20), 'org/team-b': users.slice(20, 45), 'org/team-c': users.slice(40, 60) };
  const permissions: Record<string, string> = Object.fromEntries(users.map((u, i) => [variant % 2 ? u.toUpperCase() : u, pick(['read', 'write', 'maintain', 'admin', 'triage'])]));
  const codeowners = variant % 4 === 3 ? '' : ['* @u1', '*.ts @org/team-b @U14', 'src/module-1/ @u2', '/docs/*.md @carol', 'src/module-2/file-2.ts @u3 @org/team-c'].slice(0, 2 + (variant % 4)).join('\n');
  return { repo: { owner: 'org', name: 'repo' }, run: { id: `run${variant}`, started_at: new Date(START).toISOString() },
    pr: { number: 1, title: 'Large @change fixes #1', body: 'amount: 25,000\nrisk: high', author: 'author', base: 'main', head: 'feature', head_sha: shas[0], draft: variant % 5 === 0, labels: ['risk:high'],
      files: Array.from({ length: 20 + variant * 7 }, (_, i) => ({ path: i % 9 === 0 ? `docs/x${i}.md` : `src/module-${i % 4}/file-${i}.ts`, additions: i, deletions: 1 })),
      committers: ['author', 'u3'], teams, permissions, codeowners, bots: ['helper'] }, events };
}

/** The benchmark's case (bench/engine.bench.ts), built the same way. */
function benchFacts(): any {
  const users = Array.from({ length: 400 }, (_, index) => `u${index}`);
  const HOURS = 12;
  const events: any[] = [];
  const total = 1300;
  let reviews = 0;
  for (let index = 0; index < total; index += 1) {
    const at = new Date(START + ((index + 1) * HOURS * 3600_000) / (total + 1)).toISOString();
    const actor = users[(index * 7) % users.length]!;
    if (index % Math.round(total / 300) === 0 && reviews < 300) {
      reviews += 1;
      events.push({ type: 'review', at, actor, id: `r${index}`, state: index % 11 === 0 ? 'commented' : 'approved', sha: 'a'.repeat(40) });
    } else {
      events.push({ type: 'comment', at, actor, id: `c${index}`, body: index % 3 === 0 ? 'Looks fine.\n/approve' : 'A remark about the diff, without a command.' });
    }
  }
  return {
    repo: { owner: 'org', name: 'repo' },
    run: { id: 'bench', started_at: new Date(START).toISOString() },
    pr: {
      number: 1, title: 'Large change', body: 'amount: 25,000\nrisk: high', author: 'author', base: 'main', head: 'feature', head_sha: 'a'.repeat(40), draft: false, labels: ['risk:high'],
      files: Array.from({ length: 3000 }, (_, index) => ({ path: `src/module-${index % 80}/file-${index}.ts`, additions: 5, deletions: 2 })),
      committers: ['author'],
      teams: { 'org/team-a': users.slice(0, 120), 'org/team-b': users.slice(100, 220), 'org/team-c': users.slice(200, 320) },
      permissions: Object.fromEntries(users.map((user, index) => [user, index % 3 === 0 ? 'write' : 'read'])),
      codeowners: Array.from({ length: 60 }, (_, index) => `src/module-${index}/ @u${index * 3} @org/team-a`).join('\n'),
    },
    events,
  };
}

function outputs(): string[] {
  const outputs: string[] = [];
  for (let variant = 0; variant < 24; variant += 1) {
    for (const flow of flows) {
      const f = facts([10, 60, 200, 600][variant % 4]!, variant);
      const now = START + [1, 3, 30, 300][variant % 4]! * 3600_000;
      const first = evaluate(flow!, f, now);
      outputs.push(JSON.stringify(first));
      const judged = { ...f, verdicts: first.verdicts };
      outputs.push(JSON.stringify(evaluate(flow!, judged, now)));
      const reparsed = JSON.parse(JSON.stringify({ ...judged, events: judged.events.filter((_: unknown, i: number) => i % 5 !== 1) }));
      outputs.push(JSON.stringify(evaluate(flow!, reparsed, now)));
    }
  }
  const bench = benchFacts();
  const now = START + 13 * 3600_000;
  const cold = evaluate(flows[0]!, bench, now);
  outputs.push(JSON.stringify(cold));
  outputs.push(JSON.stringify(evaluate(flows[0]!, { ...JSON.parse(JSON.stringify(bench)), verdicts: cold.verdicts }, now)));
  return outputs;
}

describe('the engine\'s output, byte for byte', () => {
  it('is what the commit before the p99 work gave, for 146 evaluations of seeded facts and the benchmark\'s case', () => {
    const all = outputs();
    expect(all).toHaveLength(146);
    const hash = createHash('sha256').update(all.join('\n')).digest('hex');
    if (process.env.PRINT_GOLDEN) console.log(hash);
    expect(hash).toBe(GOLDEN);
  });
});
