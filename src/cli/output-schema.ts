/**
 * The stable `--json` documents of the CLI. Agents parse these: fields may be
 * added in a minor version, never renamed or removed without a new `schema`.
 */
import { z } from 'zod';

const Problem = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  file: z.string().optional(),
  line: z.int().optional(),
  col: z.int().optional(),
  path: z.string(),
  message: z.string(),
  expected: z.string().optional(),
  found: z.string().optional(),
}).meta({ id: 'Problem' });

export const ValidationOutput = z
  .object({
    schema: z.literal('flowgate.validation/v1'),
    ok: z.boolean(),
    files: z.array(z.object({ file: z.string(), flow: z.string().optional(), valid: z.boolean(), problems: z.array(Problem) })),
    missing: z.array(z.string()),
    summary: z.object({ files: z.int(), errors: z.int(), warnings: z.int() }),
    error: z
      .object({ kind: z.enum(['usage', 'invalid-flows']), message: z.string() })
      .optional()
      .meta({ description: 'present when ok is false, as in flowgate.error/v1: a path that does not exist (usage), or errors in the files (invalid-flows)' }),
    exit_code: z.int(),
  })
  .meta({ title: 'flowgate validate --json' });

const RunStatus = z.enum(['waiting', 'succeeded', 'declined', 'failed', 'cancelled']);
const Time = z.string().meta({ description: 'ISO 8601' });

const Decision = z.object({
  step: z.string(),
  gate: z.string(),
  attempt: z.int(),
  actor: z.string(),
  decision: z.enum(['approve', 'decline']),
  reason: z.string().optional(),
  source: z.enum(['review', 'label', 'comment', 'button', 'callback', 'timeout']),
  sha: z.string(),
  at: Time,
  counted: z.boolean(),
  status: z.enum(['counted', 'ignored', 'invalidated', 'withdrawn']),
  rule: z.string(),
  ref: z.string().optional().meta({ description: 'The decision\'s identity: review:<id>, comment:<id>, label:<name>:<actor>:<at>, button:<actor>:<at>, callback:<step>:<attempt>:<actor or ->:<at>' }),
});

const Verdict = z.object({
  ref: z.string(),
  step: z.string(),
  gate: z.string(),
  attempt: z.int(),
  decision: z.enum(['approve', 'decline']),
  counted: z.boolean(),
  rule: z.string(),
  at: Time,
  reason: z.string().optional().meta({ description: 'The reason as first judged; later edits do not change it' }),
  teams: z.array(z.string()).optional().meta({ description: 'For a counted per_team approval: the teams it fills, as they were when judged' }),
});

const Effect = z
  .object({
    key: z.string(),
    type: z.enum(['comment', 'label', 'unlabel', 'request_reviewers', 'merge', 'close', 'dispatch_workflow', 'repository_dispatch', 'webhook', 'notify']),
    step: z.string(),
    attempt: z.int(),
    at: Time,
    cause: z.string(),
    origin: z.enum(['action', 'gate', 'wait', 'escalation', 'refusal']),
    status: z.enum(['pending', 'applied', 'failed']),
    error: z.string().optional(),
  })
  .catchall(z.unknown())
  .meta({ description: 'an effect; the fields besides these depend on its type (body, labels, sha …)' });

export const EvaluationOutput = z.object({
  run: z.object({
    id: z.string(),
    flow: z.string(),
    status: RunStatus,
    reason: z.string().optional(),
    started_at: Time,
    ended_at: Time.optional(),
    current: z.array(z.string()),
    waiting_on: z.array(
      z.object({
        step: z.string(),
        gate: z.string().optional(),
        kind: z.enum(['approval', 'callback', 'check_run', 'label', 'push', 'time']),
        need: z.int().optional(),
        have: z.int().optional(),
        approvers: z.string().optional(),
        token_id: z.string().optional(),
        name: z.string().optional(),
        deadline: Time.optional(),
      }),
    ),
    next_deadline: Time.optional(),
    approved_sha: z.string().optional(),
  }),
  steps: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      kind: z.enum(['route', 'approval', 'parallel', 'wait', 'actions']),
      status: z.enum(['pending', 'active', 'routed', 'done', 'approved', 'declined', 'timed_out', 'failed']),
      attempts: z.int(),
      started_at: Time.optional(),
      ended_at: Time.optional(),
      outputs: z.record(z.string(), z.unknown()),
    }),
  ),
  decisions: z.array(Decision),
  effects: z.array(Effect),
  history: z.array(z.object({ at: Time, step: z.string().optional(), text: z.string() })),
  verdicts: z.array(Verdict).optional().meta({ description: 'The first judgement of each decision, fixed for good' }),
});

export const SimulationOutput = z
  .object({
    schema: z.literal('flowgate.simulation/v1'),
    scenario: z.object({ name: z.string(), file: z.string() }),
    now: Time,
    flows: z.array(z.object({ name: z.string(), file: z.string(), matched: z.boolean(), reason: z.string() })),
    inputs: z.array(z.object({ at: Time, text: z.string() })),
    runs: z.array(z.object({ flow: z.string(), file: z.string() }).extend(EvaluationOutput.shape)),
    outcome: z.enum(['no-run', 'waiting', 'succeeded', 'declined', 'failed', 'cancelled']),
    exit_code: z.int(),
  })
  .meta({ title: 'flowgate simulate --json' });

export const StatusOutput = z
  .object({
    schema: z.literal('flowgate.status/v1'),
    repo: z.string(),
    pr: z.int(),
    head: z.string(),
    runs: z.array(
      z.object({
        flow: z.string(),
        id: z.string(),
        version: z.string().meta({ description: 'the commit of the flow file the run is pinned to' }),
        version_label: z.string().optional().meta({ description: 'what that version was called when the run started: its release tag (flows/v1.2.0), or `default branch` before any release; absent for runs recorded before versions had names' }),
        check_run: z.object({ id: z.int(), sha: z.string(), url: z.string().optional() }),
        run: EvaluationOutput.shape.run,
        steps: EvaluationOutput.shape.steps,
        decisions: EvaluationOutput.shape.decisions,
      }),
    ),
    exit_code: z.int(),
  })
  .meta({ title: 'flowgate status --json' });

/** What every command prints with --json when it fails: one document on stdout, whatever went wrong. */
export const ErrorOutput = z
  .object({
    schema: z.literal('flowgate.error/v1'),
    command: z.enum(['validate', 'simulate', 'status', 'callback', 'demo', 'diff', 'dry-run', 'versions', 'promote']).optional().meta({ description: 'absent when the command itself was not understood' }),
    error: z.object({
      kind: z.enum(['usage', 'invalid-flows', 'invalid-scenario', 'refused', 'unreachable', 'internal']).meta({
        description:
          'usage: bad arguments or a missing input file; invalid-flows / invalid-scenario: see problems; refused: GitHub or Flowgate answered and said no (see status); unreachable: no answer at all (connection refused, DNS, TLS, timeout); internal: a bug',
      }),
      message: z.string(),
      status: z.int().optional().meta({ description: 'the HTTP status of the answer; only when kind is refused' }),
      url: z.string().optional().meta({ description: 'the origin the CLI tried to reach' }),
      problems: z.array(Problem).optional().meta({ description: 'for invalid-flows and invalid-scenario: each problem with file, line and column' }),
    }),
    exit_code: z.int(),
  })
  .meta({ title: 'flowgate <command> --json, when it fails' });
