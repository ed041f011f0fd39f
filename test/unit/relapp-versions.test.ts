import { describe, expect, it } from 'vitest';
import { parseFlowgateConfig } from '../../src/release/config.js';
import { isApp, judgePromotion, liveOf, parseReleaseTag, promotionsOf, type Promotion, type SeenDeployment } from '../../src/release/versions.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const deployment = (over: Partial<SeenDeployment> & { payload: unknown }): SeenDeployment => ({ id: 1, sha: A, createdAt: '2026-11-24T10:00:00Z', creator: 'flowgate', creatorType: 'Bot', ...over });
const promotion = (tag: string, version: string, sha = A, id = 1): Promotion => ({ tag, version, sha, deploymentId: id, createdAt: `2026-11-24T10:0${id}:00Z` });
const facts = { tag: 'flows/v1.2.0', sha: B, prefix: 'flows/v', promotions: [] as Promotion[], reachable: true, defaultBranch: 'main', invalid: 0, configInvalid: 0, hasFlows: true };

describe('release tags', () => {
  it('reads a semantic version after the prefix, and nothing else', () => {
    expect(parseReleaseTag('flows/v1.2.0', 'flows/v')).toEqual({ ok: true, version: '1.2.0' });
    expect(parseReleaseTag('v1.2.0', 'flows/v')).toEqual({ ok: 'other' });
    expect(parseReleaseTag('flows/vnext', 'flows/v')).toMatchObject({ ok: false });
    expect(parseReleaseTag('flows/v1.2', 'flows/v')).toMatchObject({ ok: false });
    expect(parseReleaseTag('flows/v01.2.0', 'flows/v')).toMatchObject({ ok: false });
    expect(parseReleaseTag('flows/v1.3.0-rc.1', 'flows/v')).toMatchObject({ ok: false, reason: expect.stringContaining('pre-release') });
  });
});

describe('promotions', () => {
  it('count only the app\'s own deployments (a bot, not a user who took its name) whose payload names their commit', () => {
    const found = promotionsOf(
      [
        deployment({ id: 1, payload: JSON.stringify({ tag: 'flows/v1.0.0', sha: A }) }),
        deployment({ id: 2, creator: 'mallory', creatorType: 'User', payload: { tag: 'flows/v9.0.0', sha: A } }),
        deployment({ id: 3, creator: 'flowgate', creatorType: 'User', payload: { tag: 'flows/v9.0.1', sha: A } }),
        deployment({ id: 4, payload: { tag: 'flows/v9.0.2', sha: B } }),
        deployment({ id: 5, payload: 'not json' }),
        deployment({ id: 6, creator: 'other-app', payload: { tag: 'flows/v9.0.3', sha: A } }),
      ],
      'flowgate[bot]',
      'flows/v',
    );
    expect(found.map((each) => each.deploymentId)).toEqual([1]);
    expect(isApp('flowgate[bot]', 'Bot', 'flowgate[bot]')).toBe(true);
  });

  it('stay promotions when the tag prefix changes, or the settings break: live never falls back to the default branch for that', () => {
    const made = [deployment({ id: 1, payload: { tag: 'flows/v1.0.0', sha: A, version: '1.0.0' } }), deployment({ id: 2, payload: { tag: 'flows/v1.1.0', sha: A } })];
    for (const prefix of ['flows/v', 'release/', 'flows/v']) {
      expect(promotionsOf(made, 'flowgate[bot]', prefix).map((each) => each.version)).toEqual(['1.0.0', '1.1.0']);
    }
    // What the payload says is a release version, never a pre-release or a made-up one.
    expect(promotionsOf([deployment({ id: 3, payload: { tag: 'x', sha: A, version: '2.0.0-rc.1' } }), deployment({ id: 4, payload: { tag: 'nightly', sha: A } })], 'flowgate[bot]', 'flows/v')).toEqual([]);
  });

  it('live is the highest version, whatever order the promotions were made in', () => {
    expect(liveOf([promotion('flows/v1.10.0', '1.10.0', A, 1), promotion('flows/v1.9.0', '1.9.0', B, 2)])?.tag).toBe('flows/v1.10.0');
    expect(liveOf([])).toBeUndefined();
  });
});

describe('judging a promotion', () => {
  it('promotes a valid, merged, higher version', () => {
    expect(judgePromotion({ ...facts, promotions: [promotion('flows/v1.1.0', '1.1.0')] })).toMatchObject({ kind: 'promote', version: '1.2.0', previous: { tag: 'flows/v1.1.0' } });
  });

  it('is a no-op for the same tag at the same commit (a redelivery)', () => {
    expect(judgePromotion({ ...facts, promotions: [promotion('flows/v1.2.0', '1.2.0', B)] })).toMatchObject({ kind: 'promoted-already' });
  });

  it('refuses a moved tag, a lower or equal version, an unmerged commit, invalid flows and settings, and no flows, giving every reason', () => {
    const judged = judgePromotion({ ...facts, promotions: [promotion('flows/v1.2.0', '1.2.0', A, 1), promotion('flows/v2.0.0', '2.0.0', A, 2)], reachable: false, invalid: 3, configInvalid: 1, hasFlows: false });
    expect(judged.kind).toBe('refused');
    const reasons = (judged as { reasons: string[] }).reasons.join('\n');
    for (const words of ['moving a tag does not promote it again', 'not on the default branch', 'flowgate.yml', 'no flows', '3 error(s)']) expect(reasons).toContain(words);
    expect(judgePromotion({ ...facts, tag: 'flows/v1.2.0+build', promotions: [promotion('flows/v1.2.0', '1.2.0', A)] })).toMatchObject({ kind: 'refused', reasons: [expect.stringContaining('not higher than the live version 1.2.0')] });
  });

  it('ignores a tag outside the prefix', () => {
    expect(judgePromotion({ ...facts, tag: 'release-1' })).toMatchObject({ kind: 'not-a-release' });
  });
});

describe('.github/flowgate.yml', () => {
  it('has defaults, takes a prefix and a bounded dry-run count, and locates its errors', () => {
    expect(parseFlowgateConfig(undefined).config.releases).toEqual({ tag_prefix: 'flows/v', dry_run_prs: 20 });
    expect(parseFlowgateConfig('releases:\n  tag_prefix: policy/\n  dry_run_prs: 5\n').config.releases).toEqual({ tag_prefix: 'policy/', dry_run_prs: 5 });
    const bad = parseFlowgateConfig('releases:\n  tag_prefix: "has space"\n  dry_run_prs: 500\n');
    expect(bad.config.releases.tag_prefix).toBe('flows/v');
    expect(bad.problems.map((problem) => [problem.path, problem.line])).toEqual([
      ['releases.tag_prefix', 2],
      ['releases.dry_run_prs', 3],
    ]);
    expect(parseFlowgateConfig('releases: [\n').problems[0]).toMatchObject({ code: 'yaml-syntax', file: '.github/flowgate.yml' });
    expect(parseFlowgateConfig('releases:\n  prefix: x\n').problems[0]).toMatchObject({ path: 'releases' });
  });
});
