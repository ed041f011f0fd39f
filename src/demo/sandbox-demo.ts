/**
 * `npm run demo`: the real Flowgate app against the local GitHub sandbox, with
 * no credentials and no network. Each scene (scenes.ts) says what is about to
 * happen and why; then people and agents act on pull requests, and after each
 * action the demo prints what happened on GitHub: the run's history from its
 * check run, check runs, comments, labels, merges. It ends with the Checks tab of
 * each PR and a tally of every PR it opened.
 */
import { FLOWGATE_PREFIX } from '../github/history/render.js';
import { SUMMARY_CHECK } from '../github/history/summary-check.js';
import { EPILOGUES, SCENES, type Epilogue } from './scenes.js';
import { when, wrap } from './narration.js';
import { Stage, type Print, type Scene } from './stage.js';
import { outcomeOf, renderTally, type PullOutcome } from './tally.js';

export interface DemoResult {
  merged: number;
  closed: number;
  open: number;
  /** Every PR the scenes opened, with its outcome: what the tally lists. */
  tally: PullOutcome[];
  /** How many PRs the sandbox holds at the end: its ground truth, counted apart from the tally. */
  pullRequests: number;
}

const WIDTH = 110;

export async function runSandboxDemo(print: Print = (line) => console.log(line), scenes: readonly Scene[] = SCENES, epilogues: readonly Epilogue[] = scenes === SCENES ? EPILOGUES : []): Promise<DemoResult> {
  const stage = await Stage.start(print);
  const { sandbox } = stage;
  try {
    print('Flowgate demo: the real app (Probot) against a GitHub sandbox on this machine. No credentials, no network.');
    print(`GitHub sandbox on ${sandbox.url}; the app receives its webhooks on ${sandbox.webhookUrl}.`);
    print(`Every time shown is the sandbox's clock, in UTC. It starts at ${when(sandbox.clock.iso())} and moves a few minutes between actions, or days when a scene waits.`);
    print(`${scenes.length} scenes follow. ▶ is what a person or an agent does; the indented lines below it are what then happened on GitHub:`);
    print('│ history of the run · ◌ ✅ ❌ ○ check runs · 📌 💬 comments · 🏷 labels · 🔀 ⛔ merge or close · ℹ a note the first time something appears.');
    for (const [index, scene] of scenes.entries()) {
      print('');
      print(`━━ Scene ${index + 1} of ${scenes.length}: ${scene.title} ━━`);
      print(`   ${scene.repo}${scene.example ? `, flow in examples/${scene.example}/flow.yml` : ''}`);
      for (const line of wrap(scene.intro, WIDTH - 3)) print(`   ${line}`);
      stage.begin(scene);
      const before = stage.opened.length;
      await scene.play(stage);
      for (const opened of stage.opened.slice(before)) {
        const outcome = outcomeOf(sandbox, opened);
        print(`⇒ ${outcome.ref} ${outcome.text}`);
      }
    }

    // Epilogues play apart, each on its own sandbox (with no app listening, for the Action): their PRs join the tally.
    const apart: PullOutcome[] = [];
    for (const [index, epilogue] of epilogues.entries()) {
      print('');
      print(`━━ Epilogue ${index + 1} of ${epilogues.length}: ${epilogue.title} ━━`);
      const { prs } = await epilogue.play(print);
      for (const pr of prs) {
        const outcome = pr.outcome.startsWith('merged') ? 'merged' : pr.outcome.startsWith('closed') ? 'closed' : 'open';
        apart.push({ ref: `${pr.repo}#${pr.number}`, title: pr.title ?? epilogue.title, scene: epilogue.title, outcome, text: pr.outcome });
        print(`⇒ ${pr.repo}#${pr.number} ${pr.outcome}`);
      }
    }

    print('\n══ The Checks tab of each PR, at its last head commit ══');
    for (const opened of stage.opened) {
      const pull = sandbox.pullRequest(opened.repo, opened.number);
      for (const run of sandbox.checkRunsFor(pull.headSha).filter((candidate) => candidate.name === SUMMARY_CHECK || candidate.name.startsWith(FLOWGATE_PREFIX))) {
        print(`\n## ${opened.repo}#${opened.number} · "${run.name}" on ${run.head_sha.slice(0, 7)}: ${run.status}${run.conclusion ? ` (${run.conclusion})` : ''}: ${run.output.title}\n`);
        print(run.output.summary ?? '');
      }
    }

    const tally = [...stage.opened.map((opened) => outcomeOf(sandbox, opened)), ...apart];
    print('');
    for (const line of renderTally(tally)) print(line);
    print(`${sandbox.deliveries.length} webhooks, ${sandbox.requests.length} API requests on the app's sandbox (the epilogues count their own above).`);
    const count = (outcome: PullOutcome['outcome']) => tally.filter((candidate) => candidate.outcome === outcome).length;
    return { merged: count('merged'), closed: count('closed'), open: count('open'), tally, pullRequests: sandbox.state.pulls.size + apart.length };
  } finally {
    await stage.stop();
  }
}
