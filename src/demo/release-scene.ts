/**
 * The release story (issue 10), as a demo scene on its own sandbox: a PR edits
 * a flow (a draft: it never gates itself), merges, and a tag promotes it; a run
 * that started before the tag finishes on its old version while a new PR runs
 * on the new one. It prints what GitHub shows: check runs, deployments, merges.
 */
import type { Sandbox } from '../sandbox/sandbox.js';
import { startAppOnSandbox } from '../sandbox/with-app.js';

type Print = (line: string) => void;

const REPO = 'acme/policy';
const FLOW = '.github/flows/gate.yml';
const gate = (count: number) => `name: gate
on: { pull_request: {} }
steps:
  - id: review
    approval:
      from: { teams: [acme/managers] }
      count: ${count}
    on_approve: ship
  - id: ship
    actions:
      - merge: {}
`;

export interface ReleaseSceneOutcome {
  /** The version each PR's run obeyed, by PR number. */
  versions: Record<number, string>;
  merged: number[];
  live: string;
  /** Each PR's title, by number. */
  titles: Record<number, string>;
}

/** The scene on a fresh sandbox of its own, with the real app. */
export async function releaseScene(print: Print = (line) => console.log(line)): Promise<ReleaseSceneOutcome> {
  const running = await startAppOnSandbox();
  try {
    return await releaseStory(running.sandbox, print);
  } finally {
    await running.stop();
  }
}

/**
 * The story on any sandbox the app is wired to: the demo's registered scenes
 * play it as `play: (stage) => releaseStory(stage.sandbox, (line) => stage.say(line))`.
 */
export async function releaseStory(sandbox: Sandbox, print: Print): Promise<ReleaseSceneOutcome> {
  sandbox.createRepo(REPO, { [FLOW]: gate(1), 'src/app.ts': 'v1\n' }, { teams: { 'acme/managers': ['mia', 'max'] }, permissions: { mia: 'write', max: 'write' } });
  const versions: Record<number, string> = {};
  const pinned = (number: number) => {
    const pull = sandbox.pullRequest(REPO, number);
    const run = sandbox.checkRunsFor(pull.headSha).find((candidate) => candidate.name === 'Flowgate: gate');
    const version = /Version: (.*?) \(the run keeps/.exec(run?.output.summary ?? '')?.[1] ?? 'none';
    versions[number] = version;
    return version;
  };
  const live = () => {
    const deployments = sandbox.state.releases.deploymentsOf(sandbox.state.repo(REPO)).filter((deployment) => deployment.creator === sandbox.appLogin);
    return (deployments.at(-1)?.payload as { tag?: string } | undefined)?.tag ?? 'default branch (no release yet)';
  };
  const release = (sha: string) => sandbox.checkRunsFor(sha).find((run) => run.name === 'Flowgate: release');

  print('== Releases: draft, promote, pin ==');
  print(`${REPO}: the gate asks one manager. Live: ${live()}.`);
  const early = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'An early change', branch: 'dev/early', changes: { 'src/app.ts': 'v2\n' } });
  print(`  #${early.number} opened: its run obeys ${pinned(early.number)}`);

  await sandbox.pushTag(REPO, 'flows/v1.0.0', sandbox.state.repo(REPO).branches.main!, 'lead');
  print(`  tag flows/v1.0.0 pushed: ${release(sandbox.state.repo(REPO).branches.main!)?.output.title ?? 'no release check'}; live: ${live()}`);

  const draft = await sandbox.openPullRequest(REPO, { author: 'lead', title: 'Two managers from now on', branch: 'lead/two', changes: { [FLOW]: gate(2) } });
  const draftCheck = sandbox.checkRunsFor(draft.headSha).find((run) => run.name === 'Flowgate: draft');
  print(`  #${draft.number} edits the flow (a draft): its own run obeys ${pinned(draft.number)}${draftCheck ? `; ${draftCheck.name}: ${draftCheck.output.title}` : ''}`);
  await sandbox.review(REPO, draft.number, 'mia', 'approved');
  const merged = sandbox.pullRequest(REPO, draft.number);
  print(`  mia approves #${draft.number}: ${merged.merged ? 'merged under the live flows (one manager)' : 'still waiting'}`);

  const main = sandbox.state.repo(REPO).branches.main!;
  await sandbox.pushTag(REPO, 'flows/v1.1.0', main, 'lead');
  const check = release(main);
  print(`  tag flows/v1.1.0 pushed: ${check?.output.title ?? 'no release check'}; live: ${live()}`);
  for (const line of (check?.output.summary ?? '').split('\n').filter((text) => text.startsWith('- ') || /flows? changed/.test(text))) print(`      ${line}`);

  await sandbox.review(REPO, early.number, 'mia', 'approved');
  print(`  mia approves #${early.number} (pinned to ${versions[early.number]}): ${sandbox.pullRequest(REPO, early.number).merged ? 'merged: one manager was enough on its version' : 'still waiting'}`);

  const late = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'A later change', branch: 'dev/late', changes: { 'src/app.ts': 'v3\n' } });
  print(`  #${late.number} opened: its run obeys ${pinned(late.number)}`);
  await sandbox.review(REPO, late.number, 'mia', 'approved');
  print(`  mia approves #${late.number}: ${sandbox.pullRequest(REPO, late.number).merged ? 'merged' : 'waiting for a second manager, as flows/v1.1.0 asks'}`);
  await sandbox.review(REPO, late.number, 'max', 'approved');
  print(`  max approves #${late.number}: ${sandbox.pullRequest(REPO, late.number).merged ? 'merged' : 'still waiting'}`);
  const mergedNumbers = [early, draft, late].filter((pull) => sandbox.pullRequest(REPO, pull.number).merged).map((pull) => pull.number);
  const titles = Object.fromEntries([early, draft, late].map((pull) => [pull.number, sandbox.pullRequest(REPO, pull.number).title]));
  return { versions, merged: mergedNumbers, live: live(), titles };
}

