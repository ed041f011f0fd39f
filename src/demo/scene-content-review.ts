/** Scene: an editor's decline sends a post back to its author; after a push, the editor approves with the check run's button. */
import type { Scene } from './stage.js';

const SITE = 'acme/site';

export const contentReviewScene: Scene = {
  title: 'A blog post: declined, fixed, approved',
  repo: SITE,
  example: '1-publish-content',
  intro:
    'The flow publish-content asks an editor (acme/editors) to review every change under content/. ' +
    'Eve declines the first version for a typo: the flow tells the writer, labels the PR needs-edits and waits up to 14 days for a push. ' +
    'The writer pushes a fix, review starts again on the new commit, and Eve approves with the "Approve" button of the check run. ' +
    'The app merges that commit, dispatches the publish workflow and tells marketing.',
  async play(stage) {
    stage.repository(SITE, { '.github/flows/publish.yml': stage.example('1-publish-content'), 'content/index.md': '# Hello\n' }, { teams: { 'acme/editors': ['eve'], 'acme/marketing': ['mo'] } });
    const pr = await stage.open(SITE, 'writer opens "Post: winter sale"', { author: 'writer', title: 'Post: winter sale', branch: 'post/winter', changes: { 'content/posts/winter.md': '# Winter sael\n' } });
    await stage.act(SITE, 'eve (acme/editors) comments "/decline typo in the headline"', () => stage.sandbox.comment(SITE, pr.number, 'eve', '/decline typo in the headline'), pr.number);
    await stage.act(SITE, 'writer pushes a fix', () => stage.sandbox.push(SITE, pr.number, 'writer', { 'content/posts/winter.md': '# Winter sale\n' }), pr.number);
    const head = stage.sandbox.pullRequest(SITE, pr.number).headSha;
    const button = stage.sandbox.checkRunsFor(head).find((run) => run.status !== 'completed' && run.actions.some((action) => action.identifier === 'approve'));
    if (!button) throw new Error(`no check run with an Approve button on ${head}`);
    await stage.act(SITE, `eve clicks "Approve" on the check run "${button.name}"`, () => stage.sandbox.clickButton(SITE, button.id, 'eve', 'approve'), pr.number);
  },
};
