/**
 * What the sandbox's GitHub keeps for releases: tags, deployments with their
 * statuses, and environments, per repository; and the commit graph questions
 * a compare answers (which commits one ref has that another has not).
 */
/** The parts of a repository this file reads (state.ts's Repository has them; importing it would make a cycle). */
interface Repository {
  owner: string;
  name: string;
  /** `merged`: a merge commit's second parent (state.ts's Commit). */
  commits: Map<string, { parent?: string; merged?: string }>;
}

export interface DeploymentStatusRecord {
  id: number;
  state: string;
  creator: string;
  description: string;
  environment: string;
  log_url: string;
  environment_url: string;
  created_at: string;
}

export interface DeploymentRecord {
  id: number;
  /** `owner/name`, lower case. */
  repo: string;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  payload: Record<string, unknown> | string;
  description: string | null;
  creator: string;
  production_environment: boolean;
  transient_environment: boolean;
  created_at: string;
  updated_at: string;
  /** Oldest first. */
  statuses: DeploymentStatusRecord[];
}

/** An annotated tag's object (`git tag -a`): a ref under `refs/tags/` may point at one instead of at a commit. */
export interface TagObjectRecord {
  oid: string;
  /** `owner/name`, lower case. */
  repo: string;
  /** The tag's name, without `refs/tags/`. */
  tag: string;
  /** The commit it names. */
  target: string;
  message: string;
  tagger: string;
  at: string;
}

export interface EnvironmentRecord {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
}

const keyOf = (repo: Pick<Repository, 'owner' | 'name'>): string => `${repo.owner}/${repo.name}`.toLowerCase();

export class ReleaseStore {
  /** Tags by repository, then by name (without `refs/tags/`): the object each ref points at (a commit, or an annotated tag). */
  readonly #tags = new Map<string, Map<string, string>>();
  readonly #tagObjects = new Map<string, TagObjectRecord>();
  readonly #environments = new Map<string, Map<string, EnvironmentRecord>>();
  /** Every deployment, oldest first. */
  readonly deployments: DeploymentRecord[] = [];

  tags(repo: Pick<Repository, 'owner' | 'name'>): Map<string, string> {
    const key = keyOf(repo);
    let tags = this.#tags.get(key);
    if (!tags) this.#tags.set(key, (tags = new Map()));
    return tags;
  }

  /** The commit a tag names, given as `name` or `refs/tags/name`: an annotated tag's object is peeled to its commit. */
  tag(repo: Pick<Repository, 'owner' | 'name'>, expression: string): string | undefined {
    const object = this.tagRef(repo, expression);
    return object === undefined ? undefined : this.peel(repo, object);
  }

  /** What the tag's ref points at, as `git/ref` answers: a commit, or an annotated tag's object. */
  tagRef(repo: Pick<Repository, 'owner' | 'name'>, expression: string): string | undefined {
    return this.#tags.get(keyOf(repo))?.get(expression.replace(/^refs\/tags\//, ''));
  }

  /** This repository's annotated tag object with that id. */
  tagObject(repo: Pick<Repository, 'owner' | 'name'>, oid: string): TagObjectRecord | undefined {
    const object = this.#tagObjects.get(oid);
    return object?.repo === keyOf(repo) ? object : undefined;
  }

  addTagObject(repo: Pick<Repository, 'owner' | 'name'>, object: Omit<TagObjectRecord, 'repo'>): TagObjectRecord {
    const record = { ...object, repo: keyOf(repo) };
    this.#tagObjects.set(record.oid, record);
    return record;
  }

  /** The commit an object names: itself, or an annotated tag's target. */
  peel(repo: Pick<Repository, 'owner' | 'name'>, oid: string): string {
    return this.tagObject(repo, oid)?.target ?? oid;
  }

  environments(repo: Pick<Repository, 'owner' | 'name'>): Map<string, EnvironmentRecord> {
    const key = keyOf(repo);
    let environments = this.#environments.get(key);
    if (!environments) this.#environments.set(key, (environments = new Map()));
    return environments;
  }

  deploymentsOf(repo: Pick<Repository, 'owner' | 'name'>): DeploymentRecord[] {
    return this.deployments.filter((deployment) => deployment.repo === keyOf(repo));
  }
}

/** A commit's parents, a merge's second one included, as commit-graph.ts's parentsOf (which this file cannot import: a cycle). */
function parentsOfOid(repo: Repository, oid: string): string[] {
  const commit = repo.commits.get(oid);
  return [commit?.parent, commit?.merged].filter((parent): parent is string => parent !== undefined);
}

/** Every commit reachable from `oid`, itself included, nearest first. */
export function ancestry(repo: Repository, oid: string): string[] {
  const seen = new Set<string>();
  const queue = [oid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next) || !repo.commits.has(next)) continue;
    seen.add(next);
    queue.push(...parentsOfOid(repo, next));
  }
  return [...seen];
}

/** What GitHub's compare says of `base...head`: the commits each has that the other has not, and the status those make. */
export function compareCommits(repo: Repository, base: string, head: string): { status: 'identical' | 'ahead' | 'behind' | 'diverged'; ahead: string[]; behind: string[]; mergeBase: string | undefined } {
  const fromBase = ancestry(repo, base);
  const fromHead = ancestry(repo, head);
  const inBase = new Set(fromBase);
  const inHead = new Set(fromHead);
  const ahead = fromHead.filter((oid) => !inBase.has(oid));
  const behind = fromBase.filter((oid) => !inHead.has(oid));
  const mergeBase = fromHead.find((oid) => inBase.has(oid));
  const status = base === head ? 'identical' : ahead.length === 0 ? 'behind' : behind.length === 0 ? 'ahead' : 'diverged';
  return { status, ahead, behind, mergeBase };
}
