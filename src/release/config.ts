/**
 * The repository's Flowgate settings, `.github/flowgate.yml`, read from the
 * default branch (reviewed like any merged change, never from a PR head):
 *
 * ```yaml
 * releases:
 *   tag_prefix: flows/v   # release tags are <prefix><semver>: flows/v1.2.0
 *   dry_run_prs: 20       # closed PRs the draft check replays (0-100)
 * ```
 *
 * Pure: text in, settings and located problems out. A missing file is the
 * defaults; a broken one is the defaults too, with its problems, which a
 * promotion reports and refuses on.
 */
import { z } from 'zod';
import type { Problem } from '../flow/problem.js';
import { formatPath } from '../flow/problem.js';
import { loadYaml } from '../flow/yaml-source.js';

export const CONFIG_FILE = '.github/flowgate.yml';
export const DEFAULT_TAG_PREFIX = 'flows/v';
export const DEFAULT_DRY_RUN_PRS = 20;
export const MAX_DRY_RUN_PRS = 100;

/** A prefix a git tag name can start with: no spaces, no `..`, no `~^:?*[\`, not starting with `/` or `-`. */
const TagPrefix = z
  .string()
  .min(1)
  .max(100)
  .regex(/^(?![/-])(?!.*\.\.)(?!.*\/\/)[^\s~^:?*[\\]+$/, 'a tag name prefix (letters, digits, `/`, `.`, `-`, `_`; no spaces, `..` or `//`)');

export const FlowgateConfig = z.looseObject({
  releases: z
    .strictObject({
      tag_prefix: TagPrefix.default(DEFAULT_TAG_PREFIX),
      dry_run_prs: z.int().min(0).max(MAX_DRY_RUN_PRS).default(DEFAULT_DRY_RUN_PRS),
    })
    .default({ tag_prefix: DEFAULT_TAG_PREFIX, dry_run_prs: DEFAULT_DRY_RUN_PRS }),
});
export type FlowgateConfig = z.infer<typeof FlowgateConfig>;

export const DEFAULT_CONFIG: FlowgateConfig = { releases: { tag_prefix: DEFAULT_TAG_PREFIX, dry_run_prs: DEFAULT_DRY_RUN_PRS } };

export interface ConfigResult {
  config: FlowgateConfig;
  /** Empty when the file is absent or valid. */
  problems: Problem[];
}

/** The settings in `text` (undefined: no file); problems at file:line:col, and the defaults in their place. */
export function parseFlowgateConfig(text: string | undefined, file = CONFIG_FILE): ConfigResult {
  if (text === undefined || text.trim() === '') return { config: DEFAULT_CONFIG, problems: [] };
  const loaded = loadYaml(text, file);
  if (!loaded.ok) return { config: DEFAULT_CONFIG, problems: loaded.problems };
  const value = loaded.source.value ?? {};
  const parsed = FlowgateConfig.safeParse(value);
  if (parsed.success) return { config: parsed.data, problems: [] };
  const problems = parsed.error.issues.map((issue): Problem => {
    const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
    const at = loaded.source.locate(path);
    return { code: 'invalid-config', severity: 'error', file, line: at.line, col: at.col, path: formatPath(path), message: issue.message };
  });
  return { config: DEFAULT_CONFIG, problems };
}
