import { beforeAll, describe, expect, it } from 'vitest';
import { demoCommand } from '../../src/cli/demo-command.js';
import { runSandboxDemo, type DemoResult } from '../../src/demo/sandbox-demo.js';
import { SCENES } from '../../src/demo/scenes.js';
import type { Scene } from '../../src/demo/stage.js';

const HEADER = /^▶ (\d{4}-\d\d-\d\d \d\d:\d\d) UTC {2}/;
const HISTORY = /^ {4}│ (\d{4}-\d\d-\d\d \d\d:\d\d) {2}/;
const CHECKS_TAB = '══ The Checks tab of each PR, at its last head commit ══';

describe('npm run demo', () => {
  let lines: string[] = [];
  let output = '';
  let result: DemoResult;
  /** What the demo narrates, before the Checks tab and the tally. */
  let story: string[] = [];

  beforeAll(async () => {
    result = await runSandboxDemo((line) => lines.push(...line.split('\n')));
    output = lines.join('\n');
    story = lines.slice(0, lines.indexOf(CHECKS_TAB));
  }, 60_000);

  it('plays the stories on the sandbox with the real app: three merges at the approved commit, a decline, an agent\'s callback, a deadline, then a release and the Action', () => {
    expect(result).toMatchObject({ merged: 7, closed: 1, open: 1 });
    expect(output).toContain('rob approved via label: ignored: not an approver (approvers: @acme/managers)');
    expect(output).toContain('💬 flowgate[bot] comments: @rob: Flowgate removed the label `flowgate:approve`');
    expect(output).toContain('sam declined via comment ("the webhook secret is logged"): counted: member of acme/security');
    expect(output).toContain('eve approved via button: counted: member of acme/editors');
    expect(output).toContain('remote-checks: callback: success (All 412 tests pass; the bundle is 3 KB smaller.) -> summary');
    expect(output).toMatch(/Flowgate answered HTTP 409: this token was already used, at 2026-11-24 10:24 UTC/);
    expect(output).toContain('escalation 1 after 4h: added @backup-oncall as approvers; notified @backup-oncall');
    expect(output).toContain('auto-declined at 2026-11-26');
    expect(output).toContain('primary-oncall approved via review: ignored: arrived after the deadline');
    expect(output).toMatch(/## acme\/billing#2 · "Flowgate: payment-change" on [0-9a-f]{7}: completed \(failure\): Declined by sam/);
  });

  it('every action\'s header carries a date, and the history it causes is printed at the same minute on the same clock', () => {
    let header: string | undefined;
    let checked = 0;
    const headers: string[] = [];
    for (const line of story) {
      if (line.startsWith('▶')) {
        header = HEADER.exec(line)?.[1];
        expect(header, line).toBeDefined();
        headers.push(header!);
      } else if (line.startsWith('    │')) {
        const at = HISTORY.exec(line)?.[1];
        expect(at, line).toBeDefined();
        expect(`${at} under ${header}`).toBe(`${header} under ${header}`);
        checked += 1;
      }
    }
    expect(headers.length).toBeGreaterThanOrEqual(20);
    expect(checked).toBeGreaterThanOrEqual(60);
    expect([...headers].sort()).toEqual(headers);
    // Days pass in the last scene: the date changes, and the header says so.
    expect(new Set(headers.map((at) => at.slice(0, 10))).size).toBe(3);
    // No other form of time slips through: an API's ISO timestamp is shown in the demo's form.
    expect(story.join('\n')).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  });

  it('the check runs of finished runs, as GitHub shows them, show unreached steps as "not reached", never "pending"', () => {
    const tab = lines.slice(lines.indexOf(CHECKS_TAB));
    const stepRows = tab.filter((line) => /^\| .* \| (route|approval|actions|wait|parallel) \| /.test(line));
    expect(stepRows.length).toBeGreaterThanOrEqual(20);
    expect(stepRows.filter((line) => line.includes('| pending |'))).toEqual([]);
    expect(stepRows.filter((line) => line.includes('| not reached |')).length).toBeGreaterThanOrEqual(5);
    expect(tab.join('\n')).toContain('| Security approval | approval | not reached | 0 |');
  });

  it('explains flowgate:waiting right where it first appears, and only once', () => {
    const first = lines.findIndex((line) => line.includes('flowgate:waiting'));
    expect(lines[first]).toBe('    🏷  label flowgate:waiting on the PR');
    expect(lines[first + 1]).toMatch(/^ {4}ℹ flowgate:waiting is the app's own bookkeeping label, not a decision/);
    expect(output).toContain('docs/timers.md');
    expect(lines.filter((line) => line.includes("is the app's own bookkeeping label")).length).toBe(1);
    expect(lines.filter((line) => line === '    🏷  label flowgate:waiting on the PR').length).toBeGreaterThan(1);
  });

  it('the tally lists every PR the demo opened, each with its outcome, and its counts add up', () => {
    // The sandbox's own count, taken apart from the list the scenes kept.
    // Five PRs on the app's sandbox, the release epilogue's three and the Action epilogue's one, each on its own.
    expect(result.pullRequests).toBe(9);
    expect(result.tally).toHaveLength(result.pullRequests);
    expect(result.merged + result.closed + result.open).toBe(result.pullRequests);
    const start = lines.findIndex((line) => line.startsWith('══ Tally'));
    expect(lines[start]).toBe(`══ Tally: the ${result.pullRequests} pull requests the demo opened ══`);
    const rows = lines.slice(start + 1, start + 1 + result.pullRequests);
    expect(rows.map((row) => /^ {2}(\S+#\d+) /.exec(row)?.[1])).toEqual(['acme/billing#1', 'acme/billing#2', 'acme/site#1', 'acme/agents#1', 'acme/service#1', 'acme/policy#1', 'acme/policy#2', 'acme/policy#3', 'acme/widgets#1']);
    expect(lines[start + 1 + result.pullRequests]).toBe('7 merged + 1 closed + 1 open = 9 pull requests.');
    expect(rows[4]).toMatch(/open +"Fix the login redirect loop": still open at [0-9a-f]{7}, not merged; "Flowgate: hotfix-window" failure \(Declined by flowgate\)/);
  });

  it('every merge in the tally is at the commit its run approved', () => {
    const merged = result.tally.filter((pull) => pull.outcome === 'merged' && !pull.scene.includes('GitHub Action') && !pull.scene.startsWith('releases'));
    expect(merged).toHaveLength(3);
    expect(result.tally.find((pull) => pull.ref === 'acme/widgets#1')?.text).toMatch(/^merged at [0-9a-f]{7}/);
    for (const pull of merged) {
      const [, at, approved] = /^merged at ([0-9a-f]{7}); .*\(Approved at ([0-9a-f]{7})\)/.exec(pull.text) ?? [];
      expect(at, pull.text).toBeDefined();
      expect(at).toBe(approved);
    }
  });

  it('each scene says what is about to happen and why before its first action, then ends with what became of its PRs', () => {
    for (const [index, scene] of SCENES.entries()) {
      const start = lines.indexOf(`━━ Scene ${index + 1} of ${SCENES.length}: ${scene.title} ━━`);
      expect(start, scene.title).toBeGreaterThan(0);
      const firstAction = lines.findIndex((line, at) => at > start && line.startsWith('▶'));
      const intro = lines.slice(start + 1, firstAction).join(' ').replace(/\s+/g, ' ');
      expect(intro).toContain(scene.repo);
      expect(intro).toContain(scene.intro.replace(/\s+/g, ' '));
      const next = lines.findIndex((line, at) => at > start && (line.startsWith('━━') || line === CHECKS_TAB));
      expect(lines.slice(start, next).some((line) => /^⇒ \S+#\d+ (merged at|closed unmerged at|still open at) [0-9a-f]{7}/.test(line)), scene.title).toBe(true);
    }
  });

  it('shows what happened on GitHub after an action: the check runs, the comments, the merge and its commit', () => {
    expect(output).toMatch(/◌ check "Flowgate: payment-change" on [0-9a-f]{7}: in progress: Waiting for 1 more approval\(s\) from @acme\/managers/);
    expect(output).toMatch(/✅ check "Flowgate" on [0-9a-f]{7}: success: 1 run: 1 succeeded/);
    expect(output).toMatch(/ℹ "Flowgate" is the one check the app posts on every PR/);
    expect(output).toMatch(/📌 flowgate\[bot\] posts its status comment: "payment-change: Waiting for 1 more approval\(s\) from @acme\/managers"\n/);
    expect(output).toMatch(/🔀 acme\/billing#1 merged into main at its head ([0-9a-f]{7}) \(merge commit [0-9a-f]{7}\)/);
    expect(output).toMatch(/○ check "Flowgate: publish-content" on [0-9a-f]{7}: neutral: Moved to [0-9a-f]{7}\n {4}ℹ A push moved the run/);
  });
});

describe('the demo\'s scenes', () => {
  it('a scene added to the list is introduced, played on the same app and clock, and counted in the tally', async () => {
    const scene: Scene = {
      title: 'A PR no flow applies to',
      repo: 'acme/docs',
      intro: 'A typo fix outside every flow: the required check still passes, so nothing waits forever.',
      async play(stage) {
        stage.repository('acme/docs', { '.github/flows/publish.yml': stage.example('1-publish-content'), 'README.md': '# Docs\n' });
        await stage.open('acme/docs', 'dev opens "Fix a typo in the README"', { author: 'dev', title: 'Fix a typo in the README', branch: 'dev/typo', changes: { 'README.md': '# Documentation\n' } });
      },
    };
    const lines: string[] = [];
    const result = await runSandboxDemo((line) => lines.push(...line.split('\n')), [scene]);
    expect(lines).toContain('━━ Scene 1 of 1: A PR no flow applies to ━━');
    expect(lines.join('\n')).toMatch(/✅ check "Flowgate" on [0-9a-f]{7}: success/);
    expect(result).toMatchObject({ merged: 0, closed: 0, open: 1, pullRequests: 1 });
    expect(result.tally[0]).toMatchObject({ ref: 'acme/docs#1', scene: 'A PR no flow applies to', outcome: 'open' });
    expect(result.tally[0]!.text).toMatch(/still open at [0-9a-f]{7}, not merged; no flow ran/);
    expect(lines).toContain('0 merged + 0 closed + 1 open = 1 pull requests.');
  }, 30_000);

  it('every registered scene has a distinct title, a repository and an intro', () => {
    expect(new Set(SCENES.map((scene) => scene.title)).size).toBe(SCENES.length);
    for (const scene of SCENES) {
      expect(scene.repo).toMatch(/^[\w-]+\/[\w-]+$/);
      expect(scene.intro.length).toBeGreaterThan(80);
    }
  });
});

describe('flowgate demo (the examples through the simulator)', () => {
  it('lists every scenario it played with its outcome, and counts that add up to them', async () => {
    const out: string[] = [];
    const code = await demoCommand({ out: (text) => out.push(...text.split('\n')), err: (text) => out.push(text) });
    expect(code).toBe(0);
    const played = Number(/^Played (\d+) scenarios from examples\/:$/m.exec(out.join('\n'))?.[1]);
    const start = out.findIndex((line) => line.startsWith('Played '));
    const rows = out.slice(start + 1, start + 1 + played);
    expect(rows.every((row) => /^ {2}(succeeded|declined|failed|waiting) +\S+\/\S+\.yml$/.test(row)), rows.join('\n')).toBe(true);
    const [, counts, total] = /^(.*) = (\d+) scenarios\.$/.exec(out[start + 1 + played]!) ?? [];
    expect(Number(total)).toBe(played);
    expect(counts!.split(' + ').reduce((sum, part) => sum + Number(part.split(' ')[0]), 0)).toBe(played);
    expect(out.join('\n')).toContain('npm run demo');
  });
});
