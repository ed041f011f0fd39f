/**
 * The `--json` documents of `flowgate diff` and `flowgate dry-run` (issue 10).
 * Agents parse these: fields may be added, never renamed or removed without a
 * new `schema`.
 */
import { z } from 'zod';

const Version = z.object({ label: z.string().meta({ description: 'the ref, directory or label the flows were read at' }), sha: z.string() });

const Change = z.object({
  step: z.string().optional().meta({ description: 'the step the change concerns, when it concerns one' }),
  text: z.string().meta({ description: 'the change in plain words, e.g. "quorum 1 → 2"' }),
  file: z.string().optional(),
  line: z.int().optional(),
});

export const DiffOutput = z
  .object({
    schema: z.literal('flowgate.diff/v1'),
    from: Version,
    to: Version,
    flows: z.array(z.object({ flow: z.string(), kind: z.enum(['added', 'removed', 'changed', 'unchanged']), changes: z.array(Change) })),
    invalid: z.array(z.object({ side: z.enum(['from', 'to']), file: z.string(), errors: z.array(z.string()) })).meta({ description: 'files that did not validate: their flows are not compared' }),
    summary: z.object({ added: z.int(), removed: z.int(), changed: z.int(), unchanged: z.int(), invalid: z.int() }),
    exit_code: z.int(),
  })
  .meta({ title: 'flowgate diff --json' });

const Outcome = z.object({
  summary: z.string().meta({ description: 'one line: "approved by mia; merged", "waiting for 1 approval from @acme/security", "no flow applies"' }),
  runs: z.array(z.object({ flow: z.string(), status: z.string(), summary: z.string() })),
});

export const DryRunOutput = z
  .object({
    schema: z.literal('flowgate.dry-run/v1'),
    live: Version,
    draft: Version,
    rows: z.array(z.object({ number: z.int(), title: z.string(), live: Outcome, draft: Outcome, differs: z.boolean() })),
    summary: z.object({ checked: z.int(), identical: z.int(), differing: z.int() }),
    invalid: z.array(z.object({ side: z.enum(['live', 'draft']), file: z.string(), errors: z.array(z.string()) })).meta({ description: 'files that did not validate: their flows do not run' }),
    source: z.object({ kind: z.enum(['file', 'github']), requests: z.int().optional().meta({ description: 'requests made to GitHub' }) }),
    exit_code: z.int(),
  })
  .meta({ title: 'flowgate dry-run --json' });
