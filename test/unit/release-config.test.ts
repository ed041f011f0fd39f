/**
 * `.github/flowgate.yml`'s release settings: defaults, bounds, and located
 * problems for values it cannot use (each falls back to its default).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, MAX_DRY_RUN_PRS, parseConfig } from '../../src/release/config.js';

describe('the release settings', () => {
  it('defaults to flows/v and 20 PRs when the file is absent or empty', () => {
    expect(parseConfig(undefined)).toEqual({ config: DEFAULT_CONFIG, problems: [] });
    expect(parseConfig('\n')).toEqual({ config: { releases: { tagPrefix: 'flows/v', dryRunPrs: 20 } }, problems: [] });
  });

  it('reads the prefix and the number of PRs to dry-run, and leaves other sections alone', () => {
    expect(parseConfig('other: { x: 1 }\nreleases:\n  tag_prefix: policy/v\n  dry_run_prs: 5\n')).toEqual({ config: { releases: { tagPrefix: 'policy/v', dryRunPrs: 5 } }, problems: [] });
  });

  it('bounds the dry run: more than the maximum is a located problem, and the default is used', () => {
    const { config, problems } = parseConfig(`releases:\n  tag_prefix: policy/v\n  dry_run_prs: ${MAX_DRY_RUN_PRS + 1}\n`);
    expect(config.releases).toEqual({ tagPrefix: 'policy/v', dryRunPrs: 20 });
    expect(problems).toEqual([expect.objectContaining({ file: '.github/flowgate.yml', line: 3, path: 'releases.dry_run_prs', expected: 'a whole number from 0 to 100' })]);
  });

  it('reports a misspelt key rather than ignoring it', () => {
    const { problems } = parseConfig('releases:\n  dry_run_pr: 5\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/dry_run_pr/);
  });

  it('reports broken YAML as a located problem, never a crash', () => {
    const { config, problems } = parseConfig('releases: [unclosed\n');
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(problems[0]).toMatchObject({ severity: 'error', file: '.github/flowgate.yml', line: expect.any(Number) });
  });
});
