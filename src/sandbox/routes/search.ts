/**
 * Issue search (`GET /search/issues`), as far as the app uses it: open pull
 * requests with a label, across an owner's repositories.
 */
import type { SandboxContext } from '../context.js';
import { shaped } from '../openapi-shapes.js';
import { labelPayload, userPayload } from '../payloads.js';
import type { Route } from '../router.js';

export function searchRoutes(ctx: SandboxContext): Route[] {
  const { state, clock } = ctx;
  return [
    [
      'GET',
      '/search/issues',
      (_, __, query) => {
        const q = query.get('q') ?? '';
        const label = /label:"([^"]+)"|label:(\S+)/.exec(q);
        const owner = /(?:user|org):(\S+)/.exec(q)?.[1]?.toLowerCase();
        const inRepo = /(?:^|\s)repo:(\S+)/.exec(q)?.[1]?.toLowerCase();
        const items = [...state.pulls.entries()]
          .filter(([key, pull]) => (!owner || key.startsWith(`${owner}/`)) && (!inRepo || key.startsWith(`${inRepo}#`)) && (!/is:open/.test(q) || pull.state === 'open') && (!label || pull.labels.includes((label[1] ?? label[2])!)))
          .map(([key, pull]) => {
            const [fullName] = key.split('#') as [string];
            const repo = state.repo(fullName);
            return shaped('issue-search-result-item', {
              id: pull.id,
              node_id: `I_${pull.id}`,
              number: pull.number,
              title: pull.title,
              state: pull.state,
              user: userPayload(ctx, pull.author),
              labels: pull.labels.map((name) => labelPayload(ctx, repo, name)),
              url: `https://api.github.com/repos/${repo.owner}/${repo.name}/issues/${pull.number}`,
              repository_url: `https://api.github.com/repos/${repo.owner}/${repo.name}`,
              html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}`,
              pull_request: { url: `https://api.github.com/repos/${repo.owner}/${repo.name}/pulls/${pull.number}`, html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}`, diff_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}.diff`, patch_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}.patch` },
              created_at: pull.createdAt,
              updated_at: clock.iso(),
            });
          });
        const page = Number(query.get('page') ?? 1);
        return { status: 200, body: { total_count: items.length, incomplete_results: false, search_type: 'lexical', items: page === 1 ? items : [] } };
      },
    ],
  ];
}
