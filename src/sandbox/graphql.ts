/**
 * The sandbox's GraphQL endpoint executes queries against GitHub's own published
 * schema (@octokit/graphql-schema) with graphql-js. A query GitHub would refuse
 * is refused here, and answers have GitHub's shape or fail. Only the fields
 * Flowgate reads have resolvers; anything else resolves to null.
 */
import { schema as published } from '@octokit/graphql-schema';
import { createHash } from 'node:crypto';
import { buildSchema, graphql, GraphQLError, type GraphQLSchema } from 'graphql';
import { parentsOf } from './commit-graph.js';
import { diffTrees, type Commit, type GitHubState, type PullRequest, type Repository } from './state.js';

let built: GraphQLSchema | undefined;
const githubSchema = (): GraphQLSchema => (built ??= buildSchema(published.idl, { assumeValidSDL: true }));

interface PageArgs {
  first?: number;
  after?: string | null;
  last?: number;
  before?: string | null;
}

/**
 * A page as GitHub's connections give it. Cursors here are positions (GitHub's are opaque): deleting an item shifts
 * them. A cursor is an item's (its place, from 1), as `endCursor` is the page's last item's; `after` and `before`
 * leave out the cursor's own item, as Relay's connections and GitHub's do.
 */
function page<T>(items: readonly T[], { first = 100, after, last, before }: PageArgs) {
  const at = (cursor: string) => Number(Buffer.from(cursor, 'base64').toString('utf8'));
  let start = after ? at(after) : 0;
  let end = Math.min(items.length, start + Math.min(first, 100));
  if (last !== undefined) {
    end = before ? Math.max(0, Math.min(items.length, at(before) - 1)) : items.length;
    start = Math.max(0, end - Math.min(last, 100));
  }
  return {
    nodes: items.slice(start, end),
    totalCount: items.length,
    pageInfo: { hasNextPage: end < items.length, endCursor: end > start ? Buffer.from(String(end)).toString('base64') : null },
  };
}

const TIMELINE_TYPES: Record<string, string> = {
  PULL_REQUEST_REVIEW: 'PullRequestReview',
  REVIEW_DISMISSED_EVENT: 'ReviewDismissedEvent',
  LABELED_EVENT: 'LabeledEvent',
  UNLABELED_EVENT: 'UnlabeledEvent',
  ISSUE_COMMENT: 'IssueComment',
  HEAD_REF_FORCE_PUSHED_EVENT: 'HeadRefForcePushedEvent',
  PULL_REQUEST_COMMIT: 'PullRequestCommit',
  CLOSED_EVENT: 'ClosedEvent',
  REOPENED_EVENT: 'ReopenedEvent',
  MERGED_EVENT: 'MergedEvent',
};

/** The branch whose history holds a commit: another branch than the default first, as a PR's commits are pushed there. */
function branchOf(repo: Repository, oid: string): string | undefined {
  const names = Object.keys(repo.branches).sort((a, b) => Number(a === repo.defaultBranch) - Number(b === repo.defaultBranch));
  for (const name of names) {
    for (let at: string | undefined = repo.branches[name]; at !== undefined; at = repo.commits.get(at)?.parent) if (at === oid) return name;
  }
  return undefined;
}

/** An object id in git's way: the SHA-1 of the object's kind, size and content (the sandbox's trees hash their files' paths and text). */
function gitOid(kind: 'blob' | 'tree', content: string): string {
  return createHash('sha1').update(`${kind} ${Buffer.byteLength(content)}\0${content}`).digest('hex');
}

const blobNode = (text: string) => ({ __typename: 'Blob', oid: gitOid('blob', text), text, isTruncated: false, isBinary: false });

/** A comment's global node id: opaque to clients, as GitHub's are. */
const commentId = (databaseId: number) => `IC_${Buffer.from(`sandbox-comment:${databaseId}`).toString('base64url')}`;

/** A comment's body is what it says now; GitHub dates the last edit. */
const commentNode = (comment: { id: number; body: string; created_at: string; updated_at: string }) => ({
  __typename: 'IssueComment',
  id: commentId(comment.id),
  databaseId: comment.id,
  body: comment.body,
  lastEditedAt: comment.updated_at !== comment.created_at ? comment.updated_at : null,
});

export function createGraphQL(state: GitHubState) {
  const actor = (login: string) => {
    const user = state.user(login);
    return { __typename: user.type, login: user.login };
  };

  const commitNode = (repo: Repository, commit: Commit) => ({
    __typename: 'Commit',
    oid: commit.oid,
    file: ({ path }: { path: string }) => {
      if (commit.tree[path] !== undefined) return { object: blobNode(commit.tree[path]) };
      const prefix = `${path.replace(/\/$/, '')}/`;
      const inside = Object.keys(commit.tree).filter((file) => file.startsWith(prefix)).sort();
      const names = [...new Set(inside.map((file) => file.slice(prefix.length).split('/')[0]!))];
      if (names.length === 0) return null;
      return {
        object: {
          __typename: 'Tree',
          // Git names a tree by its content: the same files, the same oid, whatever commit holds them.
          oid: gitOid('tree', inside.map((file) => `${file.slice(prefix.length)}\0${commit.tree[file]}`).join('\n')),
          entries: names.sort().map((name) => {
            const full = `${prefix}${name}`;
            const isBlob = commit.tree[full] !== undefined;
            return { name, path: full, type: isBlob ? 'blob' : 'tree', object: isBlob ? blobNode(commit.tree[full]!) : { __typename: 'Tree' } };
          }),
        },
      };
    },
    author: { user: actor(commit.author) },
    committer: { user: actor(commit.author) },
    parents: (args: PageArgs) => page(parentsOf(commit).flatMap((oid) => {
      const parent = repo.commits.get(oid);
      return parent ? [commitNode(repo, parent)] : [];
    }), args),
    checkSuites: ({ filterBy }: { filterBy?: { appId?: number | null } }) => {
      const appFilter = filterBy?.appId ?? undefined;
      const all = [...state.checkRuns.values()].filter(
        (run) => run.repo === `${repo.owner}/${repo.name}`.toLowerCase() && run.head_sha === commit.oid && (appFilter === undefined || run.app_id === appFilter),
      );
      // One suite per app, as GitHub groups them. GitHub creates an installed app's suite when the commit is
      // pushed, before any check run: asked for by app id, the suite is there from the commit's push.
      const apps = [...new Set([...(appFilter !== undefined ? [appFilter] : []), ...all.map((run) => run.app_id)])];
      return {
        nodes: apps.map((appId) => {
          const runs = all.filter((run) => run.app_id === appId);
          const pushed = appFilter === appId ? commit.at : runs.map((run) => run.started_at).sort()[0] ?? commit.at;
          return {
            app: { databaseId: appId, slug: state.appSlugs.get(appId) ?? `app-${appId}` },
            // The sandbox makes each commit by pushing it, to the branch whose history holds it.
            createdAt: pushed,
            branch: (() => {
              const name = branchOf(repo, commit.oid);
              return name === undefined ? null : { name, prefix: 'refs/heads/' };
            })(),
            checkRuns: ({ filterBy: runFilter }: { filterBy?: { appId?: number } }) => ({
              nodes: runs
                .filter((run) => runFilter?.appId === undefined || run.app_id === runFilter.appId)
                .map((run) => ({
                  databaseId: run.id,
                  name: run.name,
                  status: run.status.toUpperCase(),
                  conclusion: run.conclusion ? run.conclusion.toUpperCase() : null,
                  text: run.output.text,
                  title: run.output.title,
                  summary: run.output.summary,
                  permalink: `https://github.com/${repo.owner}/${repo.name}/runs/${run.id}`,
                  completedAt: run.completed_at,
                })),
            }),
          };
        }),
      };
    },
  });

  const pullNode = (repo: Repository, pull: PullRequest) => ({
    number: pull.number,
    title: pull.title,
    body: pull.body,
    url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}`,
    isDraft: pull.draft,
    state: pull.merged ? 'MERGED' : pull.state === 'open' ? 'OPEN' : 'CLOSED',
    author: actor(pull.author),
    baseRefName: pull.base,
    baseRefOid: pull.baseSha,
    headRefName: pull.head,
    headRefOid: pull.headSha,
    createdAt: pull.createdAt,
    // GitHub dates the last close; a PR reopened since has none.
    closedAt: pull.state === 'open' ? null : ([...pull.timeline].reverse().find((item) => item.__typename === 'ClosedEvent')?.createdAt ?? null),
    labels: (args: PageArgs) => page(pull.labels.map((name) => ({ name })), args),
    commits: ({ last }: { last?: number }) => {
      const oids = last ? pull.commits.slice(-last) : pull.commits;
      return { nodes: oids.map((oid) => ({ commit: commitNode(repo, repo.commits.get(oid)!) })) };
    },
    files: (args: PageArgs) => page(diffTrees(repo.commits.get(pull.baseSha)?.tree ?? {}, repo.commits.get(pull.headSha)?.tree ?? {}), args),
    timelineItems: (args: PageArgs & { itemTypes?: string[] }) => {
      const wanted = args.itemTypes ? new Set(args.itemTypes.map((type) => TIMELINE_TYPES[type])) : undefined;
      const items = pull.timeline.filter((item) => !wanted || wanted.has(item.__typename)).map((item) => withActors(repo, pull, item));
      return page(items, args);
    },
  });

  /** Every timeline item has a node id, kept as long as the item is. */
  const itemIds = new WeakMap<object, string>();
  let nextId = 0;
  const nodeId = (item: PullRequest['timeline'][number]) => {
    let id = itemIds.get(item);
    if (!id) itemIds.set(item, (id = `${item.__typename}_${Buffer.from(`sandbox:${(nextId += 1)}`).toString('base64url')}`));
    return id;
  };

  /** Timeline items are stored with logins; GraphQL wants actors with a type. */
  const withActors = (repo: Repository, pull: PullRequest, item: PullRequest['timeline'][number]): unknown => {
    const copy: Record<string, unknown> = { ...item, id: nodeId(item) };
    for (const field of ['author', 'actor'] as const) {
      const value = copy[field] as { login: string } | null | undefined;
      if (value) copy[field] = actor(value.login);
    }
    if (item.__typename === 'PullRequestCommit') {
      const commit = item.commit as { oid: string; author?: { user?: { login: string } }; committer?: { user?: { login: string } } };
      const user = (person?: { user?: { login: string } }) => ({ user: person?.user ? actor(person.user.login) : null });
      const known = repo.commits.get(commit.oid);
      copy.commit = { ...(known ? commitNode(repo, known) : {}), oid: commit.oid, author: user(commit.author), committer: user(commit.committer) };
    }
    if (item.__typename === 'IssueComment') {
      // A comment's body is what it says now; GitHub dates the last edit.
      const comment = pull.comments.find((candidate) => candidate.id === item.databaseId);
      if (comment) Object.assign(copy, commentNode(comment));
    }
    return copy;
  };

  const rootValue = {
    /** Objects by global id: the sandbox knows its comments' and its timeline items'. An id it cannot resolve is null, with GitHub's NOT_FOUND error. */
    nodes: ({ ids }: { ids: string[] }) =>
      ids.map((id) => {
        for (const [key, pull] of state.pulls) {
          const comment = pull.comments.find((candidate) => commentId(candidate.id) === id);
          if (comment) return commentNode(comment);
          // A comment's item has its comment's id; the others keep the id they were first read with, while they are there.
          const item = pull.timeline.find((candidate) => candidate.__typename !== 'IssueComment' && itemIds.get(candidate) === id);
          const repo = state.repos.get(key.slice(0, key.lastIndexOf('#')));
          if (item && repo) return withActors(repo, pull, item);
        }
        return new GraphQLError(`Could not resolve to a node with the global id of '${id}'`, { extensions: { type: 'NOT_FOUND' } });
      }),
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const repo = state.repos.get(`${owner}/${name}`.toLowerCase());
      if (!repo) return null;
      return {
        name: repo.name,
        nameWithOwner: `${repo.owner}/${repo.name}`,
        defaultBranchRef: (() => {
          const tip = repo.commits.get(repo.branches[repo.defaultBranch] ?? '');
          return { name: repo.defaultBranch, prefix: 'refs/heads/', target: tip ? commitNode(repo, tip) : null };
        })(),
        pullRequest: ({ number }: { number: number }) => {
          const pull = state.pulls.get(`${owner}/${name}`.toLowerCase() + `#${number}`);
          return pull ? pullNode(repo, pull) : null;
        },
        ref: ({ qualifiedName }: { qualifiedName: string }) => {
          const name = qualifiedName.replace(/^refs\/heads\//, '');
          const oid = repo.branches[name];
          const commit = oid === undefined ? undefined : repo.commits.get(oid);
          return commit ? { name, prefix: 'refs/heads/', target: commitNode(repo, commit) } : null;
        },
        /** The repository's PRs in some states, newest first: the sandbox orders by creation, whatever `orderBy` asks. */
        pullRequests: (args: PageArgs & { states?: string[] }) => {
          const wanted = new Set(args.states ?? ['OPEN', 'CLOSED', 'MERGED']);
          const prefix = `${owner}/${name}#`.toLowerCase();
          const pulls = [...state.pulls.entries()]
            .filter(([key]) => key.startsWith(prefix))
            .map(([, pull]) => pullNode(repo, pull))
            .filter((node) => wanted.has(node.state))
            .reverse();
          return page(pulls, args);
        },
        object: ({ expression, oid }: { expression?: string; oid?: string }) => {
          const tag = oid === undefined ? undefined : state.releases.tagObject(repo, oid);
          if (tag) return { __typename: 'Tag', oid: tag.oid, name: tag.tag, message: tag.message, target: commitNode(repo, repo.commits.get(tag.target)!) };
          const commit = state.resolve(repo, expression ?? oid ?? '');
          return commit ? commitNode(repo, commit) : null;
        },
        deployments: (args: PageArgs & { environments?: string[]; orderBy?: { field: string; direction: string } }) => {
          const all = state.releases.deploymentsOf(repo).filter((deployment) => !args.environments || args.environments.includes(deployment.environment));
          const ordered = args.orderBy?.direction === 'DESC' ? [...all].reverse() : all;
          // GitHub's GraphQL names a bot without the `[bot]` REST gives it.
          const creator = (login: string) => ({ ...actor(login), login: login.replace(/\[bot\]$/, '') });
          return page(
            ordered.map((deployment) => ({
              databaseId: deployment.id,
              commitOid: deployment.sha,
              createdAt: deployment.created_at,
              environment: deployment.environment,
              description: deployment.description,
              payload: typeof deployment.payload === 'string' ? deployment.payload : JSON.stringify(deployment.payload),
              creator: creator(deployment.creator),
              latestStatus: deployment.statuses.length > 0 ? { state: deployment.statuses.at(-1)!.state.toUpperCase(), creator: creator(deployment.statuses.at(-1)!.creator) } : null,
            })),
            args,
          );
        },
        collaborators: ({ login }: { login?: string }) => {
          const found = Object.entries(repo.permissions).filter(([user]) => login === undefined || user.toLowerCase() === login.toLowerCase());
          return { edges: found.map(([user, permission]) => ({ permission: permission.toUpperCase(), node: { login: state.user(user).login } })), nodes: [] };
        },
      };
    },
    organization: ({ login }: { login: string }) => ({
      login,
      team: ({ slug }: { slug: string }) => {
        const members = state.teams.get(`${login}/${slug}`.toLowerCase());
        return members ? { slug, members: (args: PageArgs) => page(members.map((member) => ({ login: member })), args) } : null;
      },
    }),
  };

  return async (query: string, variables: Record<string, unknown> | undefined) => {
    const result = await graphql({ schema: githubSchema(), source: query, rootValue, variableValues: variables ?? {} });
    if (!result.errors) return result;
    // GitHub puts an error's type beside its message (`"type": "NOT_FOUND"`), not in `extensions`.
    return { ...result, errors: result.errors.map((error) => ({ ...error.toJSON(), ...(typeof error.extensions.type === 'string' ? { type: error.extensions.type } : {}) })) };
  };
}
