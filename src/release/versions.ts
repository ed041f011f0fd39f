/**
 * Release versions, pure: what a tag name says (`flows/v1.2.0` → 1.2.0), the
 * order of versions (semver), which promotions count (the app's own, whose
 * payload matches their commit), what is live among them, and whether a tag
 * may be promoted. The GitHub shell gathers the facts; this decides.
 */
import semver from 'semver';

/** A promotion as GitHub keeps it: a deployment to the live environment. */
export interface Promotion {
  tag: string;
  version: string;
  sha: string;
  /** What was live before: a tag, or `default branch`, and its commit. */
  previous?: string;
  previousSha?: string;
  deploymentId: number;
  createdAt: string;
}

/** A deployment as read from GitHub, before it is trusted. */
export interface SeenDeployment {
  id: number;
  sha: string;
  createdAt: string;
  /** The creator's login; a bot's with or without `[bot]`. */
  creator: string;
  creatorType: string;
  payload: unknown;
}

export const LIVE_ENVIRONMENT = 'flowgate-live';

export type ParsedTag = { ok: true; version: string } | { ok: false; reason: string } | { ok: 'other' };

/** What a tag name says under a prefix: a release version, a malformed release, or another tag. */
export function parseReleaseTag(tag: string, prefix: string): ParsedTag {
  if (!tag.startsWith(prefix)) return { ok: 'other' };
  const rest = tag.slice(prefix.length);
  const version = semver.valid(rest);
  if (version === null || version !== rest.replace(/\+.*$/, '')) return { ok: false, reason: `\`${tag}\` is not \`${prefix}\` followed by a semantic version such as ${prefix}1.2.0` };
  if (semver.prerelease(version)) return { ok: false, reason: `\`${tag}\` is a pre-release; only release versions (${prefix}X.Y.Z) are promoted` };
  return { ok: true, version };
}

/** Whether a bot login is the app's (`flowgate` and `flowgate[bot]` name the same bot). */
export function isApp(login: string, type: string, appLogin: string): boolean {
  const slug = appLogin.toLowerCase().replace(/\[bot\]$/, '');
  const name = login.toLowerCase();
  return type === 'Bot' && (name === slug || name === `${slug}[bot]`);
}

/**
 * The promotions among deployments: only the app's own count (anyone with write
 * access can create a deployment), and only when its payload names the very
 * commit the deployment is for. Its version is the one the app judged when it
 * promoted (`version` in the payload; for a promotion made before that field, the
 * tag read under today's prefix, or the version that ends it): a prefix changed
 * since, or a settings file broken since, must not make a promotion vanish and
 * the default branch live without one.
 */
export function promotionsOf(deployments: readonly SeenDeployment[], appLogin: string, prefix: string): Promotion[] {
  return deployments.flatMap((deployment) => {
    if (!isApp(deployment.creator, deployment.creatorType, appLogin)) return [];
    const payload = payloadOf(deployment.payload);
    if (!payload || payload.sha !== deployment.sha) return [];
    const version = promotedVersion(payload, prefix);
    if (version === undefined) return [];
    return [{ tag: payload.tag, version, sha: deployment.sha, ...(payload.previous ? { previous: payload.previous } : {}), ...(payload.previous_sha ? { previousSha: payload.previous_sha } : {}), deploymentId: deployment.id, createdAt: deployment.createdAt }];
  });
}

/** Live: the highest version promoted (the newest of equals), whatever order the deployments came in. */
export function liveOf(promotions: readonly Promotion[]): Promotion | undefined {
  return [...promotions].sort((a, b) => semver.rcompare(a.version, b.version) || b.createdAt.localeCompare(a.createdAt) || b.deploymentId - a.deploymentId)[0];
}

/** The release version a promotion's payload stands for, or undefined when it names none. */
function promotedVersion(payload: { tag: string; version?: string }, prefix: string): string | undefined {
  const release = (version: string | null | undefined) => (version && semver.valid(version) === version && !semver.prerelease(version) ? version : undefined);
  const parsed = parseReleaseTag(payload.tag, prefix);
  return release(payload.version) ?? (parsed.ok === true ? parsed.version : release(/(\d+\.\d+\.\d+)$/.exec(payload.tag)?.[1]));
}

function payloadOf(raw: unknown): { tag: string; sha: string; version?: string; previous?: string; previous_sha?: string } | undefined {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const { tag, sha, version, previous, previous_sha: previousSha } = (value ?? {}) as Record<string, unknown>;
  if (typeof tag !== 'string' || typeof sha !== 'string') return undefined;
  return { tag, sha, ...(typeof version === 'string' ? { version } : {}), ...(typeof previous === 'string' ? { previous } : {}), ...(typeof previousSha === 'string' ? { previous_sha: previousSha } : {}) };
}

/** The facts a promotion is judged on. */
export interface PromotionFacts {
  tag: string;
  sha: string;
  prefix: string;
  /** Every promotion seen, to find this tag's earlier one. */
  promotions: readonly Promotion[];
  /** Whether the commit is on the default branch (itself or an ancestor of its head). */
  reachable: boolean;
  defaultBranch: string;
  /** Errors in the flows at the commit, and in the settings file. */
  invalid: number;
  configInvalid: number;
  /** Whether the commit has any flow file. */
  hasFlows: boolean;
}

export type PromotionJudgement =
  | { kind: 'not-a-release'; reason: string }
  /** This tag at this commit is already promoted: nothing to do but make sure its records are all there. */
  | { kind: 'promoted-already'; promotion: Promotion }
  | { kind: 'refused'; version?: string; reasons: string[] }
  | { kind: 'promote'; version: string; previous?: Promotion };

/** Whether `tag` at `sha` may become live, and if not, every reason why. */
export function judgePromotion(facts: PromotionFacts): PromotionJudgement {
  const parsed = parseReleaseTag(facts.tag, facts.prefix);
  if (parsed.ok === 'other') return { kind: 'not-a-release', reason: `\`${facts.tag}\` does not start with the release prefix \`${facts.prefix}\`` };
  const live = liveOf(facts.promotions);
  const same = facts.promotions.find((promotion) => promotion.tag === facts.tag);
  if (same && same.sha === facts.sha) return { kind: 'promoted-already', promotion: same };
  const reasons: string[] = [];
  if (parsed.ok === false) reasons.push(parsed.reason);
  if (same) reasons.push(`\`${facts.tag}\` was promoted at ${same.sha.slice(0, 7)}; moving a tag does not promote it again (runs keep the version they started on). Tag a new version instead.`);
  if (parsed.ok === true && live && !same && semver.lte(parsed.version, live.version)) {
    reasons.push(`${parsed.version} is not higher than the live version ${live.version} (\`${live.tag}\`); a promotion must raise the version`);
  }
  if (!facts.reachable) reasons.push(`commit ${facts.sha.slice(0, 7)} is not on the default branch \`${facts.defaultBranch}\`: only merged flows are promoted`);
  if (facts.configInvalid > 0) reasons.push(`\`.github/flowgate.yml\` on \`${facts.defaultBranch}\` is invalid (${facts.configInvalid} problem(s)); fix it first`);
  if (!facts.hasFlows) reasons.push(`there are no flows in \`.github/flows/\` at ${facts.sha.slice(0, 7)}`);
  if (facts.invalid > 0) reasons.push(`the flows at ${facts.sha.slice(0, 7)} have ${facts.invalid} error(s), annotated at file:line`);
  if (reasons.length > 0) return { kind: 'refused', ...(parsed.ok === true ? { version: parsed.version } : {}), reasons };
  return { kind: 'promote', version: (parsed as { version: string }).version, ...(live ? { previous: live } : {}) };
}
