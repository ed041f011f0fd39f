/**
 * The flow language, as zod schemas. This file is the single source of truth:
 * `schemas/flow.schema.json` is generated from it (`npm run schemas`), and a
 * test fails if the two drift apart.
 *
 * Keep every construct here representable in JSON Schema (no refinements, and
 * transforms only to fill a default): rules that JSON Schema cannot express live in semantic.ts.
 */
import { z } from 'zod';
import { DURATION_EXPECTED, DURATION_PATTERN } from './duration.js';

const describe = <T extends z.ZodType>(schema: T, description: string): T =>
  schema.meta({ description }) as T;

export const StepId = describe(
  z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/),
  'a step id: a letter, then letters, digits, - or _ (at most 64 characters)',
);
export const Target = describe(
  z.string().min(1),
  'where to go next: a step id, or one of the terminals `succeed` and `fail`',
);
export const Duration = describe(z.string().regex(new RegExp(DURATION_PATTERN)), DURATION_EXPECTED);
export const Glob = describe(z.string().min(1), 'a glob pattern such as billing/** or release/*');
export const Login = describe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?$/), 'a GitHub login');
export const TeamSlug = describe(
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/),
  'a team as org/team-slug',
);
export const Template = describe(
  z.string(),
  'a message template: Markdown with {{ pr.title }}-style variables (see docs/templates.md)',
);
export const ConnectionName = describe(
  z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
  'a connection name declared under `connections`',
);
const Permission = z.enum(['triage', 'write', 'maintain', 'admin']);

const Comparator = {
  gt: z.number().optional(),
  gte: z.number().optional(),
  lt: z.number().optional(),
  lte: z.number().optional(),
  eq: z.number().optional(),
};
const NumberTest = describe(z.strictObject(Comparator), 'a numeric test: gt, gte, lt, lte and/or eq');

/** Routing conditions: each object has exactly one key (besides `field` tests). */
export const Condition: z.ZodType<ConditionInput> = z
  .union([
    z.strictObject({ get all() { return z.array(Condition).min(1); } }),
    z.strictObject({ get any() { return z.array(Condition).min(1); } }),
    z.strictObject({ get not() { return Condition; } }),
    z.strictObject({ labels: describe(z.array(Glob).min(1), 'true when any label matches any of these') }),
    z.strictObject({ paths: describe(z.array(Glob).min(1), 'true when any changed file matches any of these') }),
    z.strictObject({ changed_lines: describe(NumberTest, 'additions plus deletions over all files') }),
    z.strictObject({ changed_files: describe(NumberTest, 'the number of changed files') }),
    z.strictObject({ author: describe(z.array(Glob).min(1), 'true when the author login matches any of these') }),
    z.strictObject({ author_team: describe(z.array(TeamSlug).min(1), 'true when the author is in any of these teams') }),
    z.strictObject({ base: describe(z.array(Glob).min(1), 'true when the base branch matches any of these') }),
    z.strictObject({ head: describe(z.array(Glob).min(1), 'true when the head branch matches any of these') }),
    z.strictObject({ title: describe(z.array(Glob).min(1), 'true when the title matches any of these (case-insensitive)') }),
    z.strictObject({ draft: z.boolean() }),
    z.strictObject({
      field: describe(z.string().min(1), 'a field of the PR body, written as `name: value` or under a `### name` heading'),
      ...Comparator,
      eq: describe(z.union([z.string(), z.number(), z.boolean()]), 'equal to (text is compared case-insensitively)').optional(),
      ne: z.union([z.string(), z.number(), z.boolean()]).optional(),
      in: z.array(z.union([z.string(), z.number()])).min(1).optional(),
      matches: Glob.optional(),
      exists: z.boolean().optional(),
    }),
  ])
  .meta({ id: 'Condition', description: 'a routing condition; combine with all, any and not' });

export type ConditionInput =
  | { all: ConditionInput[] }
  | { any: ConditionInput[] }
  | { not: ConditionInput }
  | { labels: string[] }
  | { paths: string[] }
  | { changed_lines: NumberTestInput }
  | { changed_files: NumberTestInput }
  | { author: string[] }
  | { author_team: string[] }
  | { base: string[] }
  | { head: string[] }
  | { title: string[] }
  | { draft: boolean }
  | FieldTestInput;
export type NumberTestInput = { gt?: number; gte?: number; lt?: number; lte?: number; eq?: number };
export type FieldTestInput = Omit<NumberTestInput, 'eq'> & {
  field: string;
  eq?: string | number | boolean;
  ne?: string | number | boolean;
  in?: (string | number)[];
  matches?: string;
  exists?: boolean;
};

export const People = z
  .strictObject({
    users: z.array(Login).optional(),
    teams: z.array(TeamSlug).optional(),
  })
  .meta({ id: 'People', description: 'GitHub users and teams' });

export const Approvers = z
  .strictObject({
    users: z.array(Login).optional(),
    teams: z.array(TeamSlug).optional(),
    permission: describe(Permission, 'anyone with at least this permission on the repository').optional(),
    codeowners: describe(z.boolean(), 'the CODEOWNERS of the changed files').optional(),
  })
  .meta({ id: 'Approvers', description: 'who may decide: the union of these' });

const Exclusion = z.union([
  z.enum(['author', 'committers', 'bots']),
  z.strictObject({ users: z.array(Login).min(1) }),
]);

export const DecisionSource = z.enum(['review', 'label', 'comment', 'button', 'callback']);

export const Escalation = z
  .strictObject({
    after: describe(Duration, 'how long after the gate opened this rung fires'),
    notify: describe(
      z.strictObject({
        users: z.array(Login).optional(),
        teams: z.array(TeamSlug).optional(),
        connection: ConnectionName.optional(),
      }),
      'who to tell: mentioned in a PR comment, or sent through a connection',
    ).optional(),
    add_approvers: describe(People, 'widen the eligible set from this point on').optional(),
    repeat: describe(Duration, 'remind again at this interval until the gate resolves').optional(),
    message: Template.optional(),
  })
  .meta({ id: 'Escalation', description: 'one rung of an escalation ladder' });

export const Gate = z
  .strictObject({
    from: Approvers,
    count: describe(z.union([z.int().min(1), z.literal('all')]), 'how many eligible approvals are needed (default 1)').optional(),
    per_team: describe(z.int().min(1), 'approvals needed from each team listed in from.teams').optional(),
    exclude: describe(
      z.array(Exclusion),
      'who may not decide (default [author, bots]); setting it replaces the default',
    ).optional(),
    sources: describe(z.array(DecisionSource).min(1), 'which decision sources count (default: all)').optional(),
    labels: describe(
      z.strictObject({ approve: z.string().min(1).optional(), decline: z.string().min(1).optional() }),
      'label names that act as decisions (default flowgate:approve and flowgate:decline)',
    ).optional(),
    invalidate_on_push: describe(z.boolean(), 'a push voids earlier approvals (default true)').optional(),
    keep_on_base_merge: describe(
      z.boolean(),
      'approvals survive a push that only merges the base branch into the PR, as "Update branch" does, proven from GitHub\'s commits and diffs (default true)',
    ).optional(),
    request_review: describe(z.boolean(), 'request reviews from from.users and from.teams when the gate opens').optional(),
    timeout: Duration.optional(),
    on_timeout: describe(z.enum(['decline', 'approve', 'wait']), 'what happens at the deadline (default decline)').optional(),
    escalate: z.array(Escalation).optional(),
    message: describe(Template, 'shown to approvers when the gate opens').optional(),
  })
  .meta({ id: 'Gate', description: 'an approval gate' });

export const Wait = z
  .union([
    z.strictObject({
      callback: z.strictObject({
        message: describe(Template, 'posted when the wait starts').optional(),
      }),
      timeout: Duration.optional(),
    }),
    z.strictObject({
      check_run: z.strictObject({
        name: z.string().min(1),
        conclusions: describe(
          z.array(z.enum(['success', 'neutral', 'skipped', 'failure', 'cancelled', 'timed_out', 'action_required', 'stale'])).min(1),
          'conclusions that continue (default [success]); any other goes to on_decline',
        ).optional(),
        app: describe(
          z.union([z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/), z.int().min(1)]),
          'the GitHub App that must report the check run: its slug (any case) or numeric id; without it, any app or workflow can',
        ).optional(),
      }),
      timeout: Duration.optional(),
    }),
    z.strictObject({ label: z.string().min(1), timeout: Duration.optional() }),
    z.strictObject({ push: z.literal(true), timeout: Duration.optional() }),
    z.strictObject({ duration: Duration }),
  ])
  .meta({ id: 'Wait', description: 'pause until a callback, a check run, a label, a push or a time' });

const Body = describe(
  z.record(z.string(), z.union([Template, z.number(), z.boolean()])),
  'a JSON object; string values are templates',
);

export const Action = z
  .union([
    z.strictObject({ comment: Template }),
    z.strictObject({ label: z.array(z.string().min(1)).min(1) }),
    z.strictObject({ unlabel: z.array(z.string().min(1)).min(1) }),
    z.strictObject({ request_reviewers: People }),
    z.strictObject({
      merge: z.strictObject({
        method: z.enum(['merge', 'squash', 'rebase']).optional(),
        sha: describe(z.enum(['approved', 'head']), 'merge at the last approved commit (default) or at the head').optional(),
        commit_title: Template.optional(),
        commit_message: Template.optional(),
      }),
    }),
    z.strictObject({ close: z.strictObject({ comment: Template.optional() }) }),
    z.strictObject({
      dispatch_workflow: z.strictObject({
        workflow: describe(z.string().min(1), 'the workflow file name, e.g. deploy.yml'),
        ref: describe(Template, 'the ref to run on (default: the base branch)').optional(),
        inputs: z.record(z.string(), Template).optional(),
      }),
    }),
    z.strictObject({
      repository_dispatch: z.strictObject({
        event_type: z.string().min(1).max(100),
        client_payload: Body.optional(),
      }),
    }),
    z.strictObject({ webhook: z.strictObject({ connection: ConnectionName, body: Body.optional() }) }),
    z.strictObject({
      notify: z.strictObject({
        users: z.array(Login).optional(),
        teams: z.array(TeamSlug).optional(),
        connection: ConnectionName.optional(),
        message: Template,
        decide: describe(StepId, 'an approval step: the message carries Approve and Decline links for it (with a connection)').optional(),
      }),
    }),
  ])
  .meta({ id: 'Action', description: 'one thing to do on GitHub or through a connection' });

const StepBase = {
  id: StepId,
  name: describe(z.string().min(1).max(100), 'a display name').optional(),
  description: z.string().optional(),
};

export const Step = z
  .union([
    z.strictObject({ ...StepBase, if: Condition, then: Target, else: describe(Target, 'default: the next step').optional() }),
    z.strictObject({
      ...StepBase,
      approval: Gate,
      on_approve: describe(Target, 'default: the next step').optional(),
      on_decline: describe(Target, 'default: fail').optional(),
    }),
    z.strictObject({
      ...StepBase,
      parallel: describe(
        z.record(StepId, Gate),
        'gates that run at once, keyed by name; all must approve, one decline declines',
      ),
      on_approve: describe(Target, 'default: the next step').optional(),
      on_decline: describe(Target, 'default: fail').optional(),
    }),
    z.strictObject({
      ...StepBase,
      wait: Wait,
      next: describe(Target, 'default: the next step').optional(),
      on_decline: describe(Target, 'a failed callback or check run; default: fail').optional(),
      on_timeout: describe(Target, 'default: fail').optional(),
    }),
    z.strictObject({
      ...StepBase,
      actions: z.array(Action).min(1),
      next: describe(Target, 'default: the next step').optional(),
      on_error: describe(z.enum(['fail', 'continue']), 'when an action fails (default fail)').optional(),
    }),
  ])
  .meta({ id: 'Step', description: 'a step: one of if, approval, parallel, wait or actions' });

export const Trigger = z
  .strictObject({
    types: describe(
      z.array(z.enum(['opened', 'reopened', 'synchronize', 'ready_for_review', 'labeled', 'unlabeled', 'edited'])).min(1),
      'PR events that start a run (default opened, reopened, ready_for_review, synchronize)',
    ).optional(),
    branches: describe(z.array(Glob).min(1), 'base branches').optional(),
    branches_ignore: z.array(Glob).min(1).optional(),
    paths: describe(z.array(Glob).min(1), 'start when any changed file matches').optional(),
    paths_ignore: describe(z.array(Glob).min(1), 'skip when every changed file matches').optional(),
    labels: describe(z.array(Glob).min(1), 'start only when the PR has one of these labels').optional(),
    authors: z.array(Glob).min(1).optional(),
    authors_ignore: z.array(Glob).min(1).optional(),
    drafts: describe(z.boolean(), 'start on draft PRs too (default false)').optional(),
  })
  .meta({ id: 'Trigger', description: 'which pull requests start this flow' });

export const Connection = z
  .strictObject({
    type: z.enum(['webhook', 'slack']),
    description: z.string().optional(),
  })
  .meta({ id: 'Connection', description: 'a named connection; its URL and secret come from the environment' });

/** The published flow schema's identity: the file as the npm package ships it. */
export const FLOW_SCHEMA_ID = 'https://unpkg.com/flowgate/schemas/flow.schema.json';

export const Flow = z
  .strictObject({
    name: describe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/), 'the flow name, shown on its check run'),
    description: z.string().optional(),
    on: z.strictObject({
      // GitHub Actions users write a bare `pull_request:`, which YAML reads as null: every PR.
      pull_request: describe(Trigger.nullable(), 'which pull requests start this flow; empty or null: every PR').transform((trigger) => trigger ?? {}),
    }),
    connections: describe(z.record(ConnectionName, Connection), 'connections this flow may use').optional(),
    steps: z.array(Step).min(1),
  })
  .meta({
    // Where the npm package publishes this file; editors and validators key schemas by it.
    $id: FLOW_SCHEMA_ID,
    title: 'Flowgate flow',
    description: 'An approval flow in .github/flows/ (see docs/flow-language.md)',
  });

export type Flow = z.infer<typeof Flow>;
export type Step = z.infer<typeof Step>;
export type Gate = z.infer<typeof Gate>;
export type Wait = z.infer<typeof Wait>;
export type Action = z.infer<typeof Action>;
export type Trigger = z.infer<typeof Trigger>;
export type Escalation = z.infer<typeof Escalation>;
export type Condition = ConditionInput;
export type DecisionSource = z.infer<typeof DecisionSource>;
export type Permission = z.infer<typeof Permission>;
export const TERMINALS = ['succeed', 'fail'] as const;
export type Terminal = (typeof TERMINALS)[number];
