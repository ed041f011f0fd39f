/**
 * `flowgate promote <tag> --repo o/r [--sha S]`: the app's own checks first
 * (the flows at the commit are valid, the commit is on the default branch, the
 * version is higher than live), then the tag is created through the API. The
 * app promotes it when the tag's push reaches it; nothing here can make a
 * version live that the app would refuse.
 */
import { statusOf } from '../github/client.js';
import { judgeTag } from '../github/releases/judge.js';
import { parseReleaseTag } from '../release/versions.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { CliFailure, reporting } from './failure.js';
import type { CliIO } from './io.js';
import { guarded, liveDocument, openRepo, type RepoOptions } from './release-github.js';

export interface PromoteOptions extends RepoOptions {
  tag: string | undefined;
  sha?: string;
}

type Result = 'tag-created' | 'tag-exists' | 'already-live' | 'refused';

export async function promoteCommand(options: PromoteOptions, io: CliIO): Promise<number> {
  return reporting('promote', options.json, io, async () => {
    const tag = options.tag;
    if (!tag) throw new UsageError('promote needs a tag, such as flowgate promote flows/v1.2.0 --repo owner/name');
    if (options.sha !== undefined && !/^[0-9a-f]{40}$/i.test(options.sha)) throw new UsageError(`--sha ${options.sha}: expected a full 40-character commit SHA`);
    const session = await openRepo('promote', options);
    const { gh, repo, live, defaultBranch } = session;
    const prefix = live.config?.config.releases.tag_prefix ?? 'flows/v';
    if (parseReleaseTag(tag, prefix).ok === 'other') throw new UsageError(`${tag} is not a release tag: release tags here are ${prefix}X.Y.Z (releases.tag_prefix in .github/flowgate.yml)`);
    const sha = options.sha?.toLowerCase() ?? live.defaultBranch?.commit;
    if (!sha) throw new CliFailure(ExitCode.github, { kind: 'refused', message: `${options.repo}'s default branch \`${defaultBranch}\` could not be read` });
    const outcome = await guarded(options, async () => {
      const judged = await judgeTag(gh, repo, defaultBranch, live, tag, sha, session.cache);
      if (!judged) throw new CliFailure(ExitCode.github, { kind: 'refused', message: `${sha} is not a commit of ${options.repo}` });
      const { judgement, problems } = judged;
      if (judgement.kind === 'promoted-already') return { result: 'already-live' as Result, reasons: [], problems };
      if (judgement.kind !== 'promote') return { result: 'refused' as Result, reasons: judgement.kind === 'refused' ? judgement.reasons : [judgement.reason], problems, ...(judgement.kind === 'refused' && judgement.version ? { version: judgement.version } : {}) };
      const existing = await tagTarget(gh, repo, tag);
      if (existing === sha) return { result: 'tag-exists' as Result, reasons: [], problems, version: judgement.version };
      if (existing !== undefined) return { result: 'refused' as Result, reasons: [`${tag} already points at ${existing.slice(0, 7)}; a release tag is not moved. Tag a new version.`], problems, version: judgement.version };
      await gh.request('POST /repos/{owner}/{repo}/git/refs', { owner: repo.owner, repo: repo.name, ref: `refs/tags/${tag}`, sha });
      return { result: 'tag-created' as Result, reasons: [], problems, version: judgement.version };
    });
    const exit = outcome.result === 'refused' ? ExitCode.github : ExitCode.ok;
    if (options.json) {
      const document = {
        schema: 'flowgate.promotion/v1',
        repo: options.repo,
        tag,
        sha,
        result: outcome.result,
        ...(outcome.version ? { version: outcome.version } : {}),
        live: liveDocument(live),
        reasons: outcome.reasons,
        problems: outcome.problems.map((problem) => ({ ...(problem.file ? { file: problem.file } : {}), ...(problem.line !== undefined ? { line: problem.line } : {}), ...(problem.col !== undefined ? { col: problem.col } : {}), message: problem.message })),
        exit_code: exit,
      };
      io.out(JSON.stringify(document, null, 2));
      return exit;
    }
    const say = exit === ExitCode.ok ? io.out : io.err;
    const words: Record<Result, string> = {
      'tag-created': `created ${tag} at ${sha.slice(0, 7)}: Flowgate promotes it when the push reaches it (see the Flowgate: release check on the commit, or flowgate versions)`,
      'tag-exists': `${tag} already points at ${sha.slice(0, 7)}, and it would be promoted now. If its push was refused earlier (see the Flowgate: release check on the commit), push the tag again: git push --delete origin ${tag} && git push origin ${tag}`,
      'already-live': `${tag} at ${sha.slice(0, 7)} is already promoted`,
      refused: `${tag} at ${sha.slice(0, 7)} would be refused, so no tag was created. Live stays ${live.version.label}:`,
    };
    say(`flowgate: ${words[outcome.result]}`);
    for (const reason of outcome.reasons) say(`  - ${reason}`);
    for (const problem of outcome.problems) say(`  ${[problem.file, problem.line, problem.col].filter((part) => part !== undefined).join(':')}: ${problem.message}`);
    return exit;
  });
}

/**
 * The commit the tag names now, if it exists. An annotated tag's ref names a tag object, which names the commit (or,
 * rarely, another tag): peeled a few levels, as `git rev-parse tag^{commit}` does.
 */
async function tagTarget(gh: Parameters<typeof judgeTag>[0], repo: { owner: string; name: string }, tag: string): Promise<string | undefined> {
  let object: { type: string; sha: string };
  try {
    const { data } = await gh.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { owner: repo.owner, repo: repo.name, ref: `tags/${tag}` });
    object = (data as { object: { type: string; sha: string } }).object;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
  for (let depth = 0; object.type === 'tag' && depth < 4; depth += 1) {
    const { data } = await gh.request('GET /repos/{owner}/{repo}/git/tags/{tag_sha}', { owner: repo.owner, repo: repo.name, tag_sha: object.sha });
    object = (data as { object: { type: string; sha: string } }).object;
  }
  return object.sha;
}
