/**
 * A demo scene: the same PR approved with no server running. The bundled
 * GitHub Action (action/dist/index.js) runs once per workflow event, as a
 * runner would, against a sandbox that is the GitHub Actions app; nothing
 * listens for webhooks. It prints what each workflow run did and what GitHub shows.
 */
import { ActionOnSandbox, ACTION_SECRET } from '../sandbox/action-runner.js';
import { decodeRecord } from '../github/history/record.js';

const REPO = 'acme/widgets';
const FLOW = `name: gate
on: { pull_request: {} }
steps:
  - id: review
    approval:
      from: { users: [mia] }
      exclude: [author]
    on_approve: ship
  - id: ship
    actions:
      - merge: {}
`;

export interface SceneResult {
  prs: { repo: string; number: number; outcome: string; title: string }[];
}

export async function actionScene(print: (line: string) => void): Promise<SceneResult> {
  const action = await new ActionOnSandbox().start();
  try {
    const { sandbox } = action;
    print(`── ${REPO}: the same approval, with no server: Flowgate as a GitHub Action ──`);
    print('   No app is listening. Each event starts a workflow run of the bundled action (action/dist/index.js), with GITHUB_TOKEN.');
    sandbox.createRepo(REPO, { '.github/flows/gate.yml': FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { permissions: { mia: 'write' } });
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
    print(`   dev opens PR #${pr.number} at ${pr.headSha.slice(0, 7)}.`);
    for (const run of await action.runWorkflows()) print(`   workflow run (${run.event}): ${run.outputs.result}, ${run.outputs.requests} request(s); runs ${run.outputs.runs}`);
    const gate = sandbox.checkRunsFor(pr.headSha).find((run) => run.name === 'Flowgate: gate');
    print(`   GitHub shows "${gate?.name}" by github-actions[bot]: ${gate?.output.title}. Its record is signed with the secret input: ${decodeRecord(gate?.output.text ?? '', ACTION_SECRET).ok ? 'verified' : 'NOT verified'}.`);
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    print('   mia approves the PR.');
    for (const run of await action.runWorkflows()) print(`   workflow run (${run.event}): ${run.outputs.result}, ${run.outputs.requests} request(s); runs ${run.outputs.runs}`);
    const pull = sandbox.pullRequest(REPO, pr.number);
    const merge = sandbox.truth.merges.find((entry) => entry.number === pr.number);
    const outcome = pull.merged ? `merged at ${merge?.sha.slice(0, 7) ?? '?'} by ${merge?.by ?? '?'}` : 'not merged';
    print(`   PR #${pr.number}: ${outcome}. The action's own label and comment started no workflow (GITHUB_TOKEN events never do).`);
    return { prs: [{ repo: REPO, number: pr.number, outcome, title: pull.title }] };
  } finally {
    await action.stop();
  }
}
