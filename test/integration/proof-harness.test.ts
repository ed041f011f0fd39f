import { afterEach, describe, expect, it } from 'vitest';
import { duplicateScenario, FLOW, GATE, raceScenario, type Sizes } from '../../bench/proof-scenarios.js';
import { judgePull } from '../../src/sandbox/invariants.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';

const REPO = 'acme/widgets';
const TINY: Sizes = { pulls: 1, copiesMax: 2, killPoints: 1, fuzz: 2, seed: 5 };

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

/** The app's requests, made by hand: the judge must catch what a faulty app would do. */
async function asTheApp(method: string, path: string, body?: unknown): Promise<number> {
  const answer = await fetch(`${sandbox!.url}${path}`, { method, headers: { authorization: 'token app' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  await answer.arrayBuffer();
  return answer.status;
}

async function pull() {
  sandbox = new Sandbox();
  await sandbox.start();
  sandbox.createRepo(REPO, { '.github/flows/gate.yml': FLOW }, { teams: { 'acme/managers': ['mia', 'max'] } });
  return sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'b', changes: { 'a.ts': '1\n' } });
}

describe('the proof\'s judge', () => {
  it('counts a merge nobody approved as an unapproved merge, from the ground truth alone', async () => {
    const pr = await pull();
    await sandbox!.comment(REPO, pr.number, 'dev', '/approve');
    await sandbox!.comment(REPO, pr.number, 'rob', '/approve');
    expect(await asTheApp('PUT', `/repos/${REPO}/pulls/${pr.number}/merge`, { sha: pr.headSha })).toBe(200);
    const tally = judgePull(sandbox!, REPO, pr.number, GATE);
    expect(tally).toMatchObject({ runs: 1, unapproved: 1, correct: 0 });
    expect(tally.notes[0]).toMatch(/UNAPPROVED MERGE/);
  });

  it('counts an approval on an earlier commit as no approval of the merged one', async () => {
    const pr = await pull();
    await sandbox!.comment(REPO, pr.number, 'mia', '/approve');
    const moved = await sandbox!.push(REPO, pr.number, 'dev', { 'a.ts': '2\n' });
    expect(await asTheApp('PUT', `/repos/${REPO}/pulls/${pr.number}/merge`, { sha: moved })).toBe(200);
    expect(judgePull(sandbox!, REPO, pr.number, GATE).unapproved).toBe(1);
  });

  it('a merge after an approval of the same commit is not counted', async () => {
    const pr = await pull();
    await sandbox!.review(REPO, pr.number, 'max', 'approved');
    await asTheApp('PUT', `/repos/${REPO}/pulls/${pr.number}/merge`, { sha: pr.headSha });
    expect(judgePull(sandbox!, REPO, pr.number, GATE).unapproved).toBe(0);
  });

  it('an edit that adds /approve is no approval', async () => {
    const pr = await pull();
    await sandbox!.comment(REPO, pr.number, 'mia', 'Looks fine');
    await sandbox!.editComment(REPO, pr.number, sandbox!.pullRequest(REPO, pr.number).comments.at(-1)!.id, 'dev', '/approve');
    await asTheApp('PUT', `/repos/${REPO}/pulls/${pr.number}/merge`, { sha: pr.headSha });
    expect(judgePull(sandbox!, REPO, pr.number, GATE).unapproved).toBe(1);
  });

  it('counts a comment posted twice, a second sticky comment, a second check run on a commit and a merge asked for again', async () => {
    const pr = await pull();
    await sandbox!.review(REPO, pr.number, 'mia', 'approved');
    for (let copy = 0; copy < 2; copy += 1) {
      await asTheApp('POST', `/repos/${REPO}/issues/${pr.number}/comments`, { body: 'Approved by mia.' });
      await asTheApp('POST', `/repos/${REPO}/issues/${pr.number}/comments`, { body: '<!-- flowgate:sticky -->\nWaiting' });
      await asTheApp('POST', `/repos/${REPO}/check-runs`, { name: 'Flowgate: gate', head_sha: pr.headSha, status: 'completed', conclusion: 'success' });
      await asTheApp('PUT', `/repos/${REPO}/pulls/${pr.number}/merge`, { sha: pr.headSha });
    }
    const tally = judgePull(sandbox!, REPO, pr.number, GATE);
    expect(tally).toMatchObject({ duplicated: 4, unapproved: 0 });
    expect(tally.notes.join('\n')).toMatch(/posted 2 times[\s\S]*2 check runs[\s\S]*merge asked for 1 more/);
  });
});

describe('the proof\'s scenarios, tiny', () => {
  // These measure; they do not demand today's figures. What they pin: every run is judged, and every problem is explained.
  it('the race scenario judges each racing PR and explains every unapproved merge', async () => {
    const result = await raceScenario.run(TINY);
    expect(result.tally.runs).toBe(4);
    expect(result.tally.correct).toBeLessThanOrEqual(4);
    expect(result.injected).toBeGreaterThanOrEqual(4);
    expect(result.tally.notes.filter((note) => note.includes('UNAPPROVED')).length).toBe(result.tally.unapproved);
    expect(result.tally.notes.filter((note) => note.includes('expected')).length).toBe(result.tally.runs - result.tally.correct);
  });

  it('the duplicate-delivery scenario judges each PR and explains every duplicate', async () => {
    const result = await duplicateScenario.run(TINY);
    expect(result.tally.runs).toBe(3);
    expect(result.tally.crashes).toBe(0);
    expect(result.tally.duplicated === 0).toBe(!result.tally.notes.some((note) => /times|check runs|sticky|asked for/.test(note)));
  });
});
