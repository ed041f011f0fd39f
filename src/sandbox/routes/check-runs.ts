/**
 * Check runs: the app lists the runs on a commit, creates its own and updates
 * them (never another app's). An update keeps every field it does not name.
 * As GitHub, a request with more than 50 annotations is refused whole (422).
 */
import type { SandboxContext } from '../context.js';
import { checkRunPayload } from '../payloads.js';
import type { Route } from '../router.js';
import { repoOf } from './params.js';
import { NotFound, Refused, type CheckRun } from '../state.js';

export function checkRunRoutes(ctx: SandboxContext): Route[] {
  const { state, clock } = ctx;
  return [
    [
      'GET',
      '/repos/{owner}/{repo}/commits/{ref}/check-runs',
      (params, _, query) => {
        const appId = query.get('app_id');
        const runs = [...state.checkRuns.values()].filter((run) => run.repo === `${params.owner}/${params.repo}`.toLowerCase() && run.head_sha === params.ref && (!appId || String(run.app_id) === appId));
        return { status: 200, body: { total_count: runs.length, check_runs: runs.map((run) => checkRunPayload(ctx, run, [])) } };
      },
    ],
    [
      'POST',
      '/repos/{owner}/{repo}/check-runs',
      (params, body) => {
        repoOf(ctx, params);
        const id = state.nextId();
        const run = { ...checkRunFields(ctx, body), id, repo: `${params.owner}/${params.repo}`.toLowerCase(), app_id: ctx.appId, head_sha: String(body.head_sha), started_at: String(body.started_at ?? clock.iso()) };
        state.checkRuns.set(id, run);
        return { status: 201, body: checkRunPayload(ctx, run, []) };
      },
    ],
    [
      'PATCH',
      '/repos/{owner}/{repo}/check-runs/{id}',
      (params, body) => {
        const run = state.checkRuns.get(Number(params.id));
        if (!run || run.app_id !== ctx.appId) throw new NotFound(`check run ${params.id}`);
        Object.assign(run, checkRunFields(ctx, body, run));
        return { status: 200, body: checkRunPayload(ctx, run, []) };
      },
    ],
  ];
}

/** What GitHub takes in one create or update: more need further updates, each appending. */
const ANNOTATIONS_PER_REQUEST = 50;

/** A check run's fields from a create or update body: a conclusion completes it. */
function checkRunFields(ctx: SandboxContext, body: Record<string, unknown>, current?: CheckRun): Omit<CheckRun, 'id' | 'app_id' | 'head_sha' | 'started_at'> {
  const output = (body.output as CheckRun['output'] | undefined) ?? current?.output ?? { title: null, summary: null, text: null };
  const added = (body.output as { annotations?: CheckRun['annotations'] } | undefined)?.annotations ?? [];
  // GitHub's words; nothing of the request is applied.
  if (added.length > ANNOTATIONS_PER_REQUEST) throw new Refused(422, `Invalid request.\n\nNo more than ${ANNOTATIONS_PER_REQUEST} items are allowed; ${added.length} were supplied.`);
  const status = String(body.status ?? current?.status ?? 'queued');
  return {
    name: String(body.name ?? current?.name ?? ''),
    status: body.conclusion ? 'completed' : status,
    conclusion: (body.conclusion as string | undefined) ?? (status === 'completed' ? (current?.conclusion ?? 'neutral') : null),
    external_id: (body.external_id as string | undefined) ?? current?.external_id ?? null,
    details_url: (body.details_url as string | undefined) ?? current?.details_url ?? null,
    completed_at: (body.completed_at as string | undefined) ?? (body.conclusion ? ctx.clock.iso() : (current?.completed_at ?? null)),
    output: { title: output.title ?? null, summary: output.summary ?? null, text: output.text ?? null },
    actions: (body.actions as CheckRun['actions'] | undefined) ?? current?.actions ?? [],
    annotations: [...(current?.annotations ?? []), ...added],
  };
}
