/**
 * The scenes `npm run demo` plays, in order, on one sandbox with one app and one clock.
 *
 * To add a scene:
 *   1. Write `src/demo/scene-<name>.ts` exporting a `Scene` (see stage.ts): a title, the
 *      repository, the example it uses, an intro that says what is about to happen and
 *      why, and `play(stage)`.
 *   2. In `play`, create its repository with `stage.repository(...)` (a repository is
 *      made once, so scenes may share one), then act only through the stage:
 *      `stage.open(...)` for a PR (so the final tally counts it), `stage.act(...)` for
 *      anything a person or an agent does, `stage.later(...)` to let hours pass and run
 *      the sweep. After each, the stage prints what happened on GitHub. Use
 *      `stage.say(...)` for what happens off GitHub, `stage.explain(key, ...)` for a
 *      note a newcomer needs the first time something appears.
 *   3. Add one line to SCENES below, and pin what the scene shows in
 *      test/integration/demo.test.ts.
 * Keep a scene to a handful of actions: the demo is also a test, and runs in seconds.
 */
import { agentCallbackScene } from './scene-agent-callback.js';
import { contentReviewScene } from './scene-content-review.js';
import { hotfixDeadlineScene } from './scene-hotfix-deadline.js';
import { paymentHighRiskScene } from './scene-payment-high-risk.js';
import { paymentSmallScene } from './scene-payment-small.js';
import { actionScene } from './action-scene.js';
import { releaseScene } from './release-scene.js';
import type { Scene } from './stage.js';

/**
 * A story told apart from the app's sandbox, on one of its own (the Action needs no server listening). It prints
 * as it goes and answers the PRs it opened, which join the final tally.
 */
export interface Epilogue {
  title: string;
  play(print: (line: string) => void): Promise<{ prs: { repo: string; number: number; outcome: string; title?: string }[] }>;
}

export const SCENES: readonly Scene[] = [
  paymentSmallScene,
  paymentHighRiskScene,
  contentReviewScene,
  agentCallbackScene,
  hotfixDeadlineScene,
];

export const EPILOGUES: readonly Epilogue[] = [
  {
    title: 'releases: a draft flow merged, promoted by a tag, and runs pinned to their version',
    play: async (print) => {
      const { versions, merged, titles } = await releaseScene(print);
      const prs = Object.entries(versions).map(([number, version]) => ({
        repo: 'acme/policy',
        number: Number(number),
        title: titles[Number(number)],
        outcome: `${merged.includes(Number(number)) ? 'merged' : 'still open, not merged'}; its run obeyed ${version}`,
      }));
      return { prs };
    },
  },
  { title: 'the same approval with no server: Flowgate as a GitHub Action', play: actionScene },
];
