/**
 * `flowgate versions --repo o/r`: what is live, and the history of promotions,
 * read from the repository's `flowgate-live` deployments exactly as the app
 * reads them (only the app's own count).
 */
import { ExitCode } from './exit-codes.js';
import { reporting } from './failure.js';
import type { CliIO } from './io.js';
import { liveDocument, openRepo, type RepoOptions } from './release-github.js';

export async function versionsCommand(options: RepoOptions, io: CliIO): Promise<number> {
  return reporting('versions', options.json, io, async () => {
    const { live, defaultBranch } = await openRepo('versions', options);
    const promotions = [...(live.promotions ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const prefix = live.config?.config.releases.tag_prefix ?? 'flows/v';
    if (options.json) {
      const document = {
        schema: 'flowgate.versions/v1',
        repo: options.repo,
        default_branch: defaultBranch,
        tag_prefix: prefix,
        live: liveDocument(live),
        promotions: promotions.map((promotion) => ({
          tag: promotion.tag,
          version: promotion.version,
          sha: promotion.sha,
          ...(promotion.previous ? { previous: promotion.previous } : {}),
          ...(promotion.previousSha ? { previous_sha: promotion.previousSha } : {}),
          deployment_id: promotion.deploymentId,
          created_at: promotion.createdAt,
        })),
        exit_code: ExitCode.ok,
      };
      io.out(JSON.stringify(document, null, 2));
      return ExitCode.ok;
    }
    const sha = live.version.sha ? ` at ${live.version.sha.slice(0, 7)}` : '';
    io.out(`${options.repo}: live is ${live.version.tag ?? `the default branch \`${defaultBranch}\` (no release yet)`}${sha}`);
    if (live.config && live.config.problems.length > 0) io.out(`  .github/flowgate.yml is invalid (the defaults apply, and promotions are refused): ${live.config.problems[0]!.message}`);
    io.out(promotions.length === 0 ? `No promotions yet: push a tag ${prefix}X.Y.Z on a merged commit, or run flowgate promote.` : '\nPromotions, newest first:');
    for (const promotion of promotions) {
      io.out(`  ${promotion.createdAt.slice(0, 16).replace('T', ' ')} UTC  ${promotion.tag}  ${promotion.sha.slice(0, 7)}  (was ${promotion.previous ?? 'unknown'})  deployment ${promotion.deploymentId}`);
    }
    return ExitCode.ok;
  });
}
