/**
 * Git refs: read one, list those under a prefix, create, move and delete; and
 * an annotated tag's object, which a tag's ref may point at instead of a commit.
 * A change to a tag or a branch sends GitHub's `push` webhook once answered.
 * A ref's name has slashes (`tags/flows/v1.0.0`); clients send it encoded or
 * not, so each route is written for one to six segments.
 */
import type { SandboxContext } from '../context.js';
import { gitRefPayload, gitTagPayload } from '../release-payloads.js';
import { changeRef, refTarget } from '../release-changes.js';
import type { Handler, Route } from '../router.js';
import { NotFound, Refused } from '../state.js';
import { repoOf, type Params } from './params.js';

const SEGMENTS = 6;

/** The same handler for `{prefix}/{r0}` … `{prefix}/{r0}/…/{r5}`, with the segments joined as `ref`. */
export function withRefPath(method: string, prefix: string, handler: (ref: string, ...rest: Parameters<Handler>) => ReturnType<Handler>): Route[] {
  return Array.from({ length: SEGMENTS }, (_, count): Route => {
    const keys = Array.from({ length: count + 1 }, (__, index) => `r${index}`);
    const path = `${prefix}/${keys.map((key) => `{${key}}`).join('/')}`;
    return [method, path, (params, body, query) => handler(keys.map((key) => params[key]).join('/'), params, body, query)];
  });
}

export function gitRefRoutes(ctx: SandboxContext): Route[] {
  const { state } = ctx;
  const payload = (repo: ReturnType<typeof repoOf>, ref: string, sha: string) => gitRefPayload(repo, ref, sha, state.releases.tagObject(repo, sha) ? 'tag' : 'commit');
  const refsOf = (params: Params) => {
    const repo = repoOf(ctx, params);
    const all = [...Object.entries(repo.branches).map(([name, sha]) => [`refs/heads/${name}`, sha] as const), ...[...state.releases.tags(repo)].map(([name, sha]) => [`refs/tags/${name}`, sha] as const)];
    return { repo, all: all.sort(([a], [b]) => a.localeCompare(b)) };
  };
  return [
    ...withRefPath('GET', '/repos/{owner}/{repo}/git/ref', (ref, params) => {
      const repo = repoOf(ctx, params);
      const sha = refTarget(ctx, repo, `refs/${ref}`);
      if (sha === undefined) throw new NotFound(`ref refs/${ref}`);
      return { status: 200, body: payload(repo, `refs/${ref}`, sha) };
    }),
    ...withRefPath('GET', '/repos/{owner}/{repo}/git/matching-refs', (ref, params) => {
      const { repo, all } = refsOf(params);
      return { status: 200, body: all.filter(([name]) => name.startsWith(`refs/${ref}`)).map(([name, sha]) => payload(repo, name, sha)) };
    }),
    [
      'POST',
      '/repos/{owner}/{repo}/git/refs',
      (params, body) => {
        const repo = repoOf(ctx, params);
        const ref = String(body.ref ?? '');
        if (!ref.startsWith('refs/') || ref.split('/').length < 3) throw new Refused(422, 'Reference name must start with \'refs/\' and have at least two slashes.');
        // The sandbox does not tell tokens apart: a ref made through the API is pushed by the repository's owner.
        const push = changeRef(ctx, repo, ref, String(body.sha ?? ''), repo.owner, { create: true });
        ctx.queueEmit('push', push, repo, repo.owner);
        return { status: 201, body: payload(repo, ref, String(body.sha)) };
      },
    ],
    ...withRefPath('PATCH', '/repos/{owner}/{repo}/git/refs', (ref, params, body) => {
      const repo = repoOf(ctx, params);
      const push = changeRef(ctx, repo, `refs/${ref}`, String(body.sha ?? ''), repo.owner, { force: body.force === true });
      ctx.queueEmit('push', push, repo, repo.owner);
      return { status: 200, body: payload(repo, `refs/${ref}`, String(body.sha)) };
    }),
    [
      'GET',
      '/repos/{owner}/{repo}/git/tags/{tag_sha}',
      (params) => {
        const repo = repoOf(ctx, params);
        const object = state.releases.tagObject(repo, String(params.tag_sha));
        if (!object) throw new NotFound(`tag object ${params.tag_sha}`);
        return { status: 200, body: gitTagPayload(repo, object) };
      },
    ],
    ...withRefPath('DELETE', '/repos/{owner}/{repo}/git/refs', (ref, params) => {
      const repo = repoOf(ctx, params);
      const push = changeRef(ctx, repo, `refs/${ref}`, undefined, repo.owner);
      ctx.queueEmit('push', push, repo, repo.owner);
      return { status: 204 };
    }),
  ];
}
