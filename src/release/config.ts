/**
 * The repository's Flowgate settings, `.github/flowgate.yml`: today the release
 * settings (issue 10). Parsed once with zod; a bad value is a located problem
 * and its default is used, so a typo never turns a setting off silently and
 * never crashes. Pure: the caller reads the file.
 *
 * ```yaml
 * releases:
 *   tag_prefix: flows/v   # tags that promote flows (default flows/v)
 *   dry_run_prs: 20       # closed PRs the draft check dry-runs (default 20, at most 100, 0 for none)
 * ```
 */
import { z } from 'zod';
import { formatPath, type Problem } from '../flow/problem.js';
import { loadYaml } from '../flow/yaml-source.js';

export const CONFIG_PATH = '.github/flowgate.yml';
export const DEFAULT_TAG_PREFIX = 'flows/v';
export const DEFAULT_DRY_RUN_PRS = 20;
/** One page of GitHub's list: the dry run's cost stays bounded whatever the file says. */
export const MAX_DRY_RUN_PRS = 100;

const Releases = z.strictObject({
  tag_prefix: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/).optional(),
  dry_run_prs: z.int().min(0).max(MAX_DRY_RUN_PRS).optional(),
});

/** Other sections belong to other settings; only `releases` is read here. */
const ConfigFile = z.looseObject({ releases: Releases.nullable().optional() });

export interface FlowgateConfig {
  releases: { tagPrefix: string; dryRunPrs: number };
}

export const DEFAULT_CONFIG: FlowgateConfig = { releases: { tagPrefix: DEFAULT_TAG_PREFIX, dryRunPrs: DEFAULT_DRY_RUN_PRS } };

/** The settings in `text` (undefined: no file), with the problems of the values it could not use. */
export function parseConfig(text: string | undefined, file = CONFIG_PATH): { config: FlowgateConfig; problems: Problem[] } {
  if (text === undefined || text.trim() === '') return { config: DEFAULT_CONFIG, problems: [] };
  const loaded = loadYaml(text, file);
  if (!loaded.ok) return { config: DEFAULT_CONFIG, problems: loaded.problems };
  const value = loaded.source.value ?? {};
  const parsed = ConfigFile.safeParse(value);
  if (parsed.success) {
    const releases = parsed.data.releases ?? {};
    return {
      config: { releases: { tagPrefix: releases.tag_prefix ?? DEFAULT_TAG_PREFIX, dryRunPrs: releases.dry_run_prs ?? DEFAULT_DRY_RUN_PRS } },
      problems: [],
    };
  }
  const problems = parsed.error.issues.map((issue): Problem => {
    const path = issue.path as (string | number)[];
    return {
      code: 'config',
      severity: 'error',
      file,
      ...loaded.source.locate(path),
      path: formatPath(path),
      message: issue.message,
      expected: EXPECTED[String(path.at(-1))] ?? 'see docs/releases.md',
    };
  });
  // The values that are fine still count; each bad one falls back to its default.
  const releases = (value as { releases?: Record<string, unknown> }).releases ?? {};
  const good = <T>(schema: z.ZodType<T | undefined>, item: unknown, fallback: T): T => {
    const result = schema.safeParse(item);
    return result.success && result.data !== undefined ? result.data : fallback;
  };
  return {
    config: {
      releases: {
        tagPrefix: good(Releases.shape.tag_prefix, releases.tag_prefix, DEFAULT_TAG_PREFIX),
        dryRunPrs: good(Releases.shape.dry_run_prs, releases.dry_run_prs, DEFAULT_DRY_RUN_PRS),
      },
    },
    problems,
  };
}

const EXPECTED: Record<string, string> = {
  tag_prefix: 'a tag prefix such as flows/v',
  dry_run_prs: `a whole number from 0 to ${MAX_DRY_RUN_PRS}`,
  releases: 'a mapping with tag_prefix and dry_run_prs',
};
