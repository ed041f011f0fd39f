/**
 * The recorded-facts file `flowgate dry-run --prs <file>` reads: pull requests
 * with the facts the engine needs, as JSON (schema `flowgate.dry-run-prs/v1`,
 * schemas/dry-run-prs.schema.json): each PR's `facts` are the engine's Facts
 * (src/engine/facts.ts). Parsed with zod once; every problem is located by its
 * field path.
 */
import { z } from 'zod';
import type { Problem } from '../flow/problem.js';
import { formatPath } from '../flow/problem.js';
import type { DryRunCase } from './contract.js';

const Time = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/).meta({ description: 'ISO 8601 time with a zone, e.g. 2026-11-24T09:00:00Z' });
const Login = z.string().min(1);

const Event = z.discriminatedUnion('type', [
  z.object({ type: z.literal('review'), at: Time, actor: Login, id: z.string(), state: z.enum(['approved', 'changes_requested', 'commented']), sha: z.string(), body: z.string().optional() }),
  z.object({ type: z.literal('review_dismissed'), at: Time, actor: Login, review_id: z.string() }),
  z.object({ type: z.literal('labeled'), at: Time, actor: Login, label: z.string() }),
  z.object({ type: z.literal('unlabeled'), at: Time, actor: Login, label: z.string() }),
  z.object({ type: z.literal('comment'), at: Time, actor: Login, id: z.string(), body: z.string(), edited: z.boolean().optional() }),
  z.object({ type: z.literal('push'), at: Time, sha: z.string(), before: z.string().optional(), actor: Login.optional() }),
  z.object({ type: z.literal('button'), at: Time, actor: Login, action: z.enum(['approve', 'decline']), step: z.string().optional(), reason: z.string().optional(), sha: z.string().optional() }),
  z.object({
    type: z.literal('callback'),
    at: Time,
    step: z.string(),
    attempt: z.int().min(1),
    actor: Login.optional(),
    decision: z.enum(['approve', 'decline']).optional(),
    result: z.enum(['success', 'failure']).optional(),
    reason: z.string().optional(),
    summary: z.string().optional(),
  }),
  z.object({ type: z.literal('check_run'), at: Time, name: z.string(), conclusion: z.string(), sha: z.string(), app: z.object({ id: z.int(), slug: z.string().optional() }).optional() }),
  z.object({ type: z.literal('closed'), at: Time, actor: Login, merged: z.boolean() }),
  z.object({ type: z.literal('reopened'), at: Time, actor: Login }),
]);

const Permission = z.enum(['read', 'triage', 'write', 'maintain', 'admin', 'none']);

const PullRequest = z.object({
  number: z.int().min(1),
  title: z.string(),
  body: z.string().default(''),
  author: Login,
  author_type: z.enum(['User', 'Bot']).optional(),
  base: z.string().min(1),
  head: z.string().min(1),
  head_sha: z.string().min(1),
  draft: z.boolean().default(false),
  labels: z.array(z.string()).default([]),
  files: z.array(z.object({ path: z.string().min(1), additions: z.int().min(0), deletions: z.int().min(0) })),
  committers: z.array(Login).default([]),
  teams: z.record(z.string(), z.array(Login)).default({}).meta({ description: 'members of the teams the flows name, by org/team-slug' }),
  permissions: z.record(z.string(), Permission).default({}).meta({ description: 'repository permission of the people involved, by login' }),
  codeowners: z.string().nullable().optional().meta({ description: 'the CODEOWNERS file of the base branch' }),
  bots: z.array(Login).optional(),
});

export const RecordedCase = z.object({
  number: z.int().min(1),
  title: z.string(),
  at: Time.meta({ description: 'the instant to evaluate at: when the PR closed, or now for an open one' }),
  facts: z.object({
    repo: z.object({ owner: z.string().min(1), name: z.string().min(1) }),
    run: z.object({ id: z.string().default('dry-run'), started_at: Time.meta({ description: 'when the runs start: decisions before it do not count' }), head_sha: z.string().optional() }),
    pr: PullRequest,
    events: z.array(Event).meta({ description: 'the PR\'s timeline as engine events; any order (they are sorted by time)' }),
  }),
});

export const RecordedFacts = z
  .object({
    schema: z.literal('flowgate.dry-run-prs/v1'),
    prs: z.array(RecordedCase).max(1000),
  })
  .meta({ title: 'flowgate dry-run --prs <file>: recorded pull requests and their facts' });

/** The cases in a recorded-facts document, or its problems, each at its field path. */
export function parseRecordedFacts(value: unknown, file: string): { ok: true; cases: DryRunCase[] } | { ok: false; problems: Problem[] } {
  const parsed = RecordedFacts.safeParse(value);
  if (parsed.success) return { ok: true, cases: parsed.data.prs as DryRunCase[] };
  return {
    ok: false,
    problems: parsed.error.issues.slice(0, 20).map((issue) => ({ code: 'facts', severity: 'error' as const, file, path: formatPath(issue.path as (string | number)[]), message: issue.message })),
  };
}
