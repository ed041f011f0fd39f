/**
 * The `--json` documents of `flowgate versions` and `flowgate promote`. Agents
 * parse these: fields may be added, never renamed or removed without a new `schema`.
 */
import { z } from 'zod';

const Sha = z.string().meta({ description: 'a full commit SHA' });

const Promotion = z.object({
  tag: z.string(),
  version: z.string().meta({ description: 'the semantic version the tag names' }),
  sha: Sha,
  previous: z.string().optional().meta({ description: 'what was live before: a tag, or `default branch`' }),
  previous_sha: Sha.optional(),
  deployment_id: z.int().meta({ description: 'the deployment to the flowgate-live environment that records it' }),
  created_at: z.string().meta({ description: 'ISO 8601' }),
});

const Live = z.object({
  label: z.string().meta({ description: 'the live tag, or `default branch` before any release' }),
  tag: z.string().optional(),
  sha: Sha.optional().meta({ description: 'absent when the repository has no readable default branch' }),
});

export const VersionsOutput = z
  .object({
    schema: z.literal('flowgate.versions/v1'),
    repo: z.string(),
    default_branch: z.string(),
    tag_prefix: z.string(),
    live: Live,
    promotions: z.array(Promotion).meta({ description: 'newest first: the app\'s own deployments to flowgate-live among the newest read (others\' do not count)' }),
    exit_code: z.int(),
  })
  .meta({ title: 'flowgate versions --json' });

export const PromotionOutput = z
  .object({
    schema: z.literal('flowgate.promotion/v1'),
    repo: z.string(),
    tag: z.string(),
    sha: Sha,
    result: z.enum(['tag-created', 'tag-exists', 'already-live', 'refused']).meta({
      description: 'tag-created: the checks passed and the tag was pushed (the app promotes it on the push); tag-exists: it already points at this commit; already-live: it is promoted; refused: see reasons, nothing was written',
    }),
    version: z.string().optional(),
    live: Live.meta({ description: 'what is live now, before the app sees the tag' }),
    reasons: z.array(z.string()),
    problems: z
      .array(z.object({ file: z.string().optional(), line: z.int().optional(), col: z.int().optional(), message: z.string() }))
      .meta({ description: 'the errors in the flows or the settings file, located' }),
    exit_code: z.int(),
  })
  .meta({ title: 'flowgate promote --json' });
