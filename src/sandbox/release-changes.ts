/**
 * Changes to refs that both people and API clients make (create, move or
 * delete a tag or a branch), in one place, so both send the same `push`
 * webhook; and deployments people make with their own tokens.
 */
import type { SandboxContext } from './context.js';
import { pushPayload } from './release-payloads.js';
import type { DeploymentRecord } from './release-state.js';
import { NotFound, Refused, type Repository } from './state.js';

/** Where a full ref name (`refs/tags/…`, `refs/heads/…`) points now. */
export function refTarget(ctx: SandboxContext, repo: Repository, ref: string): string | undefined {
  if (ref.startsWith('refs/heads/')) return repo.branches[ref.slice('refs/heads/'.length)];
  if (ref.startsWith('refs/tags/')) return ctx.state.releases.tagRef(repo, ref);
  return undefined;
}

/**
 * Points `ref` at `sha` (undefined deletes it) and returns the `push` webhook's payload, for the caller to
 * send now (a person) or after its answer (an API client). Only `refs/heads/` and `refs/tags/` exist here.
 */
export function changeRef(ctx: SandboxContext, repo: Repository, ref: string, sha: string | undefined, by: string, options: { create?: boolean; force?: boolean } = {}): Record<string, unknown> {
  const kind = /^refs\/(heads|tags)\/(.+)$/.exec(ref);
  if (!kind || kind[2]!.split('/').some((part) => part === '' || part === '.' || part === '..')) throw new Refused(422, `Reference name is not valid: ${ref}`);
  const before = refTarget(ctx, repo, ref);
  if (options.create && before !== undefined) throw new Refused(422, 'Reference already exists');
  if (!options.create && before === undefined) throw new Refused(422, 'Reference does not exist');
  const { releases } = ctx.state;
  // A tag may point at an annotated tag's object; a branch only at a commit.
  const exists = sha !== undefined && (repo.commits.has(sha) || (kind[1] === 'tags' && releases.tagObject(repo, sha) !== undefined));
  if (sha !== undefined && !exists) throw new Refused(422, 'Object does not exist');
  let forced = false;
  if (sha !== undefined && before !== undefined) {
    const fastForward = ancestorOf(repo, releases.peel(repo, before), releases.peel(repo, sha));
    if (!fastForward && !options.force) throw new Refused(422, 'Update is not a fast forward');
    forced = !fastForward;
  }
  const name = kind[2]!;
  if (kind[1] === 'heads') {
    if (sha === undefined) delete repo.branches[name];
    else repo.branches[name] = sha;
  } else {
    const tags = ctx.state.releases.tags(repo);
    if (sha === undefined) tags.delete(name);
    else tags.set(name, sha);
  }
  ctx.clock.tick();
  return pushPayload(ctx, repo, ref, before, sha, forced, by);
}

function ancestorOf(repo: Repository, ancestor: string, of: string): boolean {
  for (let at: string | undefined = of; at !== undefined; at = repo.commits.get(at)?.parent) if (at === ancestor) return true;
  return false;
}

/** A deployment as its creator makes it; a person's (not the app's) is how a forged promotion is tried. */
export function addDeployment(ctx: SandboxContext, repo: Repository, creator: string, body: Record<string, unknown>): DeploymentRecord {
  const ref = String(body.ref ?? '');
  const commit = ctx.state.resolve(repo, ref);
  if (!commit) throw new Refused(422, `No ref found for: ${ref}`);
  const environment = String(body.environment ?? 'production');
  const at = ctx.clock.tick();
  const environments = ctx.state.releases.environments(repo);
  if (!environments.has(environment)) environments.set(environment, { id: ctx.state.nextId(), name: environment, created_at: at, updated_at: at });
  const deployment: DeploymentRecord = {
    id: ctx.state.nextId(),
    repo: `${repo.owner}/${repo.name}`.toLowerCase(),
    sha: commit.oid,
    ref,
    task: String(body.task ?? 'deploy'),
    environment,
    payload: (body.payload as DeploymentRecord['payload'] | undefined) ?? {},
    description: (body.description as string | undefined) ?? null,
    creator,
    production_environment: (body.production_environment as boolean | undefined) ?? environment === 'production',
    transient_environment: (body.transient_environment as boolean | undefined) ?? false,
    created_at: at,
    updated_at: at,
    statuses: [],
  };
  ctx.state.releases.deployments.push(deployment);
  return deployment;
}

export function deploymentOf(ctx: SandboxContext, repo: Repository, id: number): DeploymentRecord {
  const found = ctx.state.releases.deploymentsOf(repo).find((deployment) => deployment.id === id);
  if (!found) throw new NotFound(`deployment ${id}`);
  return found;
}
