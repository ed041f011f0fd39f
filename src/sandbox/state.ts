/**
 * The sandbox's GitHub: repositories with commits and branches, pull requests
 * with their timelines, comments, labels and check runs, users, teams and
 * permissions, all in memory. Times come from a clock the caller controls.
 */
import { createHash } from 'node:crypto';
import { ReleaseStore } from './release-state.js';

export type Permission = 'read' | 'triage' | 'write' | 'maintain' | 'admin';

export interface User {
  id: number;
  login: string;
  type: 'User' | 'Bot';
}

export interface Commit {
  oid: string;
  tree: Record<string, string>;
  parent?: string;
  /** A merge commit's second parent (see commit-graph.ts). */
  merged?: string;
  author: string;
  message: string;
  at: string;
}

export interface Repository {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  branches: Record<string, string>;
  commits: Map<string, Commit>;
  permissions: Record<string, Permission>;
  installationId: number;
}

export interface IssueComment {
  id: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
  reactions?: { id: number; user: string; content: string }[];
}

export interface CheckRun {
  id: number;
  app_id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  details_url: string | null;
  started_at: string;
  completed_at: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** Annotations sent with `output.annotations`: GitHub adds each request's to those already there. */
  annotations?: { path: string; start_line: number; end_line: number; annotation_level: string; message: string }[];
  actions: { label: string; description: string; identifier: string }[];
}

export interface PullRequest {
  id: number;
  number: number;
  title: string;
  body: string;
  author: string;
  base: string;
  head: string;
  baseSha: string;
  headSha: string;
  draft: boolean;
  state: 'open' | 'closed';
  merged: boolean;
  mergeSha?: string;
  labels: string[];
  commits: string[];
  /** Timeline items shaped like GitHub's schema types (not like any one query's answer), with logins for actors. */
  timeline: TimelineEntry[];
  comments: IssueComment[];
  requestedReviewers: { users: string[]; teams: string[] };
  createdAt: string;
  /** The owner of the fork the head branch is in (actions-token.ts: a fork's events get a read-only token). */
  headOwner?: string;
}

export interface TimelineEntry {
  __typename: string;
  at: string;
  [field: string]: unknown;
}

export class Clock {
  #now: number;
  constructor(start: string | number) {
    this.#now = typeof start === 'number' ? start : Date.parse(start);
  }
  now(): number {
    return this.#now;
  }
  iso(): string {
    return new Date(this.#now).toISOString();
  }
  advance(milliseconds: number): void {
    this.#now += milliseconds;
  }
  /** Moves a little, so two things done one after the other never share a timestamp. */
  tick(): string {
    this.#now += 1000;
    return this.iso();
  }
}

export class GitHubState {
  readonly users = new Map<string, User>();
  readonly teams = new Map<string, string[]>();
  readonly repos = new Map<string, Repository>();
  readonly pulls = new Map<string, PullRequest>();
  readonly checkRuns = new Map<number, CheckRun & { repo: string }>();
  /** Apps' slugs by id, for GraphQL's App.slug; an unknown app is named app-<id>. */
  readonly appSlugs = new Map<number, string>();
  /** One installation of the app per account that owns repositories. */
  readonly installations = new Map<string, number>();
  /** Tags, deployments and environments (release-state.ts). */
  readonly releases = new ReleaseStore();
  #ids = 1000;

  constructor(readonly clock: Clock) {}

  nextId(): number {
    this.#ids += 1;
    return this.#ids;
  }

  user(login: string, type: User['type'] = login.endsWith('[bot]') ? 'Bot' : 'User'): User {
    let user = this.users.get(login.toLowerCase());
    if (!user) {
      user = { id: this.nextId(), login, type };
      this.users.set(login.toLowerCase(), user);
    }
    return user;
  }

  installationOf(owner: string): number {
    let id = this.installations.get(owner.toLowerCase());
    if (id === undefined) {
      id = this.installations.size + 1;
      this.installations.set(owner.toLowerCase(), id);
    }
    return id;
  }

  repo(fullName: string): Repository {
    const repo = this.repos.get(fullName.toLowerCase());
    if (!repo) throw new NotFound(`repository ${fullName}`);
    return repo;
  }

  pull(fullName: string, number: number): PullRequest {
    const pull = this.pulls.get(`${fullName.toLowerCase()}#${number}`);
    if (!pull) throw new NotFound(`pull request ${fullName}#${number}`);
    return pull;
  }

  createRepo(owner: string, name: string, files: Record<string, string>, options: { defaultBranch?: string; installationId?: number } = {}): Repository {
    const repo: Repository = {
      id: this.nextId(),
      owner,
      name,
      defaultBranch: options.defaultBranch ?? 'main',
      branches: {},
      commits: new Map(),
      permissions: {},
      installationId: options.installationId ?? this.installationOf(owner),
    };
    this.repos.set(`${owner}/${name}`.toLowerCase(), repo);
    this.user(owner);
    repo.branches[repo.defaultBranch] = this.commit(repo, files, undefined, owner, 'Initial commit').oid;
    return repo;
  }

  /** A commit whose tree is the parent's with `changes` applied (null deletes a file). */
  commit(repo: Repository, changes: Record<string, string | null>, parent: string | undefined, author: string, message: string): Commit {
    const tree = { ...(parent ? repo.commits.get(parent)?.tree : {}) };
    for (const [path, content] of Object.entries(changes)) {
      if (content === null) delete tree[path];
      else tree[path] = content;
    }
    const at = this.clock.iso();
    const oid = createHash('sha1').update(JSON.stringify([parent, tree, author, message, at, this.nextId()])).digest('hex');
    const commit: Commit = { oid, tree, ...(parent ? { parent } : {}), author, message, at };
    repo.commits.set(oid, commit);
    return commit;
  }

  /** A branch, a tag, a ref, or a commit SHA (or a unique prefix of one) to a commit. */
  resolve(repo: Repository, expression: string): Commit | undefined {
    const name = expression.replace(/^refs\/heads\//, '');
    const oid = repo.branches[name] ?? this.releases.tag(repo, expression) ?? expression;
    const exact = repo.commits.get(oid);
    if (exact) return exact;
    if (/^[0-9a-f]{7,39}$/.test(oid)) {
      const matches = [...repo.commits.keys()].filter((key) => key.startsWith(oid));
      if (matches.length === 1) return repo.commits.get(matches[0]!);
    }
    return undefined;
  }
}

export class NotFound extends Error {
  readonly status = 404;
}

export class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Changed files between two trees, with line counts the way a diff would report them. */
export function diffTrees(base: Record<string, string>, head: Record<string, string>): { path: string; additions: number; deletions: number }[] {
  const paths = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort();
  const lines = (text: string | undefined) => (text === undefined || text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  const files: { path: string; additions: number; deletions: number }[] = [];
  for (const path of paths) {
    if (base[path] === head[path]) continue;
    const before = lines(base[path]);
    const after = lines(head[path]);
    const kept = new Map<string, number>();
    for (const line of before) kept.set(line, (kept.get(line) ?? 0) + 1);
    let common = 0;
    for (const line of after) {
      const count = kept.get(line) ?? 0;
      if (count > 0) {
        common += 1;
        kept.set(line, count - 1);
      }
    }
    files.push({ path, additions: after.length - common, deletions: before.length - common });
  }
  return files;
}
