/**
 * A scenario: a PR and a timeline of what people, agents and CI do to it,
 * for `flowgate simulate`. Its zod schema generates schemas/scenario.schema.json.
 */
import { z } from 'zod';
import { Duration, Login, TeamSlug } from '../flow/schema.js';
import { parseDuration } from '../flow/duration.js';
import { formatPath, type Problem } from '../flow/problem.js';
import { loadYaml } from '../flow/yaml-source.js';
import { checkSchema } from '../flow/schema-check.js';

const describe = <T extends z.ZodType>(schema: T, description: string): T => schema.meta({ description }) as T;

const Time = describe(
  z.string().min(1),
  'an ISO 8601 time (2026-11-24T09:00:00Z), or +duration from the start (+90m, +2d)',
);
const Sha = z.string().regex(/^[0-9a-f]{7,40}$/);
const Scalar = z.union([z.string(), z.number(), z.boolean()]);

/** What can happen, keyed by name; each entry of a timeline has one of these and an `at`. */
const INPUTS = {
  review: z.strictObject({ by: Login, state: z.enum(['approved', 'changes_requested', 'commented']), body: z.string().optional(), sha: Sha.optional(), id: z.string().optional() }),
  dismiss_review: z.strictObject({ by: Login, review: z.string().min(1) }),
  label: z.strictObject({ by: Login, name: z.string().min(1) }),
  unlabel: z.strictObject({ by: Login, name: z.string().min(1) }),
  comment: z.strictObject({ by: Login, body: z.string(), edited: describe(z.boolean(), 'the comment was edited after it was posted').optional() }),
  push: z.strictObject({
    sha: Sha,
    by: describe(Login, 'who pushed: a committer from then on').optional(),
    merged_base: describe(Sha, 'the push only merged this commit of the base branch into the head, as "Update branch" does (the app proves it from GitHub)').optional(),
  }),
  button: z.strictObject({
    by: Login,
    action: z.enum(['approve', 'decline']),
    step: z.string().optional(),
    reason: z.string().optional(),
    sha: describe(Sha, 'the commit of the check run clicked (default: the head)').optional(),
  }),
  callback: z.strictObject({
    step: z.string().min(1),
    attempt: describe(z.int().min(1), 'default: the attempt the step is on').optional(),
    by: describe(Login, 'the GitHub user the signed identity maps to').optional(),
    decision: z.enum(['approve', 'decline']).optional(),
    result: z.enum(['success', 'failure']).optional(),
    reason: z.string().optional(),
    summary: z.string().optional(),
    outputs: z.record(z.string(), Scalar).optional(),
    links: z.array(z.strictObject({ title: z.string(), url: z.string() })).optional(),
  }),
  check_run: z.strictObject({
    name: z.string().min(1),
    conclusion: z.string().min(1),
    sha: Sha.optional(),
    url: z.string().optional(),
    app: describe(z.union([z.string().min(1), z.int().min(1)]), 'the app that reported it: its slug or numeric id').optional(),
  }),
  close: z.strictObject({ by: Login, merged: z.boolean().optional() }),
  reopen: z.strictObject({ by: Login }),
} as const;

export const ScenarioEntry = z
  .union([
    ...Object.entries(INPUTS).map(([key, input]) => z.strictObject({ at: Time, [key]: input })),
    z.strictObject({ advance: describe(Duration, 'move the clock forward with nothing happening') }),
  ] as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]])
  .meta({ id: 'ScenarioEntry', description: 'something that happens at a time, or a clock advance' });

type Inputs = { [K in keyof typeof INPUTS]: { at: string } & { [P in K]: z.infer<(typeof INPUTS)[K]> } }[keyof typeof INPUTS];
export type ScenarioEntry = Inputs | { advance: string };

export const Scenario = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    flow: describe(z.string(), 'run only the flow of this name (default: every flow whose trigger matches)').optional(),
    repo: z.strictObject({ owner: z.string().min(1), name: z.string().min(1) }).optional(),
    start: describe(z.string().min(1), 'when the PR event that starts the run happens (ISO 8601)'),
    trigger: z.enum(['opened', 'reopened', 'synchronize', 'ready_for_review', 'labeled', 'unlabeled', 'edited']).optional(),
    pr: z.strictObject({
      number: z.int().min(1).optional(),
      title: z.string(),
      body: z.string().optional(),
      author: Login,
      author_type: z.enum(['User', 'Bot']).optional(),
      base: z.string().optional(),
      head: z.string().optional(),
      head_sha: Sha.optional(),
      draft: z.boolean().optional(),
      labels: z.array(z.string()).optional(),
      files: z.array(z.strictObject({ path: z.string().min(1), additions: z.int().min(0).optional(), deletions: z.int().min(0).optional() })).optional(),
      committers: z.array(Login).optional(),
    }),
    teams: z.record(TeamSlug, z.array(Login)).optional(),
    permissions: z.record(z.string(), z.enum(['none', 'read', 'triage', 'write', 'maintain', 'admin'])).optional(),
    codeowners: z.string().optional(),
    bots: z.array(Login).optional(),
    faults: describe(
      z.array(z.strictObject({ effect: z.string().min(1), error: z.string().min(1) })),
      'effects of these types fail when applied, e.g. { effect: merge, error: "409 head moved" }',
    ).optional(),
    events: z.array(ScenarioEntry).optional(),
    expect: describe(
      z.strictObject({
        status: z.enum(['waiting', 'succeeded', 'declined', 'failed', 'cancelled']).optional(),
        effects: describe(z.array(z.string()), 'the effect types applied, in order').optional(),
      }),
      'what the tests check this scenario ends with',
    ).optional(),
  })
  .meta({ title: 'Flowgate scenario', description: 'A PR and a timeline for flowgate simulate (see docs/simulate.md)' });

export type Scenario = Omit<z.infer<typeof Scenario>, 'events'> & { events?: ScenarioEntry[] };

export type ScenarioResult =
  | { ok: true; scenario: Scenario; times: number[]; /** A located problem about a field of the scenario. */ problemAt: (path: (string | number)[], message: string, extra?: Partial<Problem>) => Problem }
  | { ok: false; problems: Problem[] };

/** Parses and checks a scenario file, resolving every entry's time. */
export function parseScenario(text: string, file: string): ScenarioResult {
  const loaded = loadYaml(text, file);
  if (!loaded.ok) return loaded;
  const { source } = loaded;
  const schemaProblems = checkSchema(source, 'scenario.schema.json');
  if (schemaProblems.length > 0) return { ok: false, problems: schemaProblems };
  const parsed = Scenario.safeParse(source.value);
  const located = (path: (string | number)[], message: string, extra: Partial<Problem> = {}): Problem => ({
    code: 'scenario',
    severity: 'error',
    file,
    ...source.locate(path),
    path: formatPath(path),
    message,
    ...extra,
  });
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.slice(0, 20).map((issue) => located(issue.path as (string | number)[], issue.message)) };
  }
  const scenario = parsed.data as Scenario;
  const start = Date.parse(scenario.start);
  if (!Number.isFinite(start)) return { ok: false, problems: [located(['start'], `invalid time ${JSON.stringify(scenario.start)}`, { expected: 'an ISO 8601 time such as 2026-11-24T09:00:00Z' })] };
  const problems: Problem[] = [];
  const times: number[] = [];
  let clock = start;
  (scenario.events ?? []).forEach((entry, index) => {
    let time: number | undefined;
    if ('advance' in entry) {
      const step = parseDuration(entry.advance);
      if (step === undefined) problems.push(located(['events', index, 'advance'], `invalid duration ${JSON.stringify(entry.advance)}`, { expected: 'a duration such as 30m or 2d' }));
      else time = clock + step;
    } else {
      time = entry.at.startsWith('+') ? offset(start, entry.at.slice(1)) : Date.parse(entry.at);
      if (time === undefined || !Number.isFinite(time)) {
        problems.push(located(['events', index, 'at'], `invalid time ${JSON.stringify(entry.at)}`, { expected: 'an ISO 8601 time or +duration such as +90m' }));
        time = undefined;
      } else if (time < clock) {
        problems.push(located(['events', index, 'at'], `this event is earlier than the one before it`, { expected: `a time at or after ${new Date(clock).toISOString()}` }));
      }
    }
    if (time !== undefined) clock = Math.max(clock, time);
    times.push(clock);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, scenario, times, problemAt: located };
}

function offset(start: number, text: string): number | undefined {
  const value = parseDuration(text);
  return value === undefined ? undefined : start + value;
}
