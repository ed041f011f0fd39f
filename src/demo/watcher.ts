/**
 * What changed on a PR since the demo last looked, as GitHub shows it: the run's
 * history (from its check run), check runs, the app's comments, labels, merge or
 * close. Read from the sandbox's ground truth, not from the app, so the demo
 * shows what a user would see, not what the app believes.
 */
import { FLOWGATE_PREFIX } from '../github/history/render.js';
import { SUMMARY_CHECK } from '../github/history/summary-check.js';
import { WAITING_LABEL } from '../github/relevance.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { CheckRun, PullRequest } from '../sandbox/state.js';
import { readable } from './narration.js';

type Print = (line: string) => void;
type Explain = (key: string, text: string) => void;

export class Watcher {
  /** History lines shown, by run: a run that moves to a new head keeps its count. */
  readonly #history = new Map<string, number>();
  /** Each check run as last shown. */
  readonly #checks = new Map<number, string>();
  readonly #comments = new Map<string, number>();
  readonly #stickies = new Set<string>();
  readonly #labels = new Map<string, string[]>();
  readonly #state = new Map<string, string>();

  constructor(
    private readonly sandbox: Sandbox,
    private readonly print: Print,
    private readonly explain: Explain,
  ) {}

  look(repo: string, pull: PullRequest): void {
    const key = `${repo}#${pull.number}`;
    const runs = [...this.sandbox.state.checkRuns.values()].filter((run) => run.repo === repo && pull.commits.includes(run.head_sha));
    for (const run of runs) this.#historyOf(run);
    for (const run of runs) this.#check(run);
    this.#commentsOf(key, pull);
    this.#labelsOf(key, pull);
    const state = pull.merged ? `merged into ${pull.base} at its head ${pull.headSha.slice(0, 7)} (merge commit ${pull.mergeSha?.slice(0, 7) ?? '?'})` : pull.state === 'closed' ? 'closed without merging' : 'open';
    if (this.#state.get(key) !== state && state !== 'open') this.print(`    ${pull.merged ? '🔀' : '⛔'} ${key} ${state}`);
    this.#state.set(key, state);
  }

  #historyOf(run: CheckRun): void {
    const lines = historyOf(run.output.text ?? '');
    const key = run.external_id ?? String(run.id);
    const seen = this.#history.get(key) ?? 0;
    if (lines.length > seen) {
      this.explain('history', `The │ lines are the run's history, as the app writes it into its check run "${run.name}" (the PR's Checks tab). Each counted or ignored decision says which rule decided it.`);
    }
    for (const line of lines.slice(seen)) this.print(`    │ ${readable(line)}`);
    this.#history.set(key, Math.max(seen, lines.length));
  }

  #check(run: CheckRun): void {
    const shown = `${run.status}/${run.conclusion ?? ''}/${run.output.title ?? ''}`;
    if (this.#checks.get(run.id) === shown) return;
    this.#checks.set(run.id, shown);
    const state = run.status === 'completed' ? (run.conclusion ?? 'completed') : run.status.replace('_', ' ');
    const mark = run.status !== 'completed' ? '◌' : run.conclusion === 'success' ? '✅' : run.conclusion === 'failure' ? '❌' : '○';
    this.print(`    ${mark} check "${run.name}" on ${run.head_sha.slice(0, 7)}: ${state}${run.output.title ? `: ${run.output.title}` : ''}`);
    if (run.name === SUMMARY_CHECK) {
      this.explain(
        'summary-check',
        `"${SUMMARY_CHECK}" is the one check the app posts on every PR of a repository with flows, whatever starts; it sums up the runs. It is the check to require in branch protection: it stays in progress while a run waits, and fails when one is declined or fails.`,
      );
    } else if (run.name.startsWith(FLOWGATE_PREFIX)) {
      this.explain('run-check', `"${run.name}" is the run's own check run: its summary holds the steps, every decision with its rule, and every effect; its text, the history.`);
    }
    if (run.conclusion === 'neutral') {
      this.explain('moved', 'A push moved the run to the new head commit: its check run there carries on, and the one left on the old commit is closed as neutral. Approvals count only at the commit they were given on.');
    }
  }

  #commentsOf(key: string, pull: PullRequest): void {
    const appComments = pull.comments.filter((comment) => comment.user === this.sandbox.appLogin);
    const sticky = appComments.find((comment) => comment.body.startsWith('<!-- flowgate:sticky'));
    if (sticky && !this.#stickies.has(key)) {
      this.#stickies.add(key);
      const headline = (sticky.body.split('\n').find((line) => line.startsWith('### '))?.slice(4) ?? '').replace(/ \(\[details\]\(.*?\)\)$/, '');
      this.print(`    📌 ${this.sandbox.appLogin} posts its status comment: "${headline}"`);
      this.explain('sticky', 'The status comment is one comment per PR, edited in place as the run moves: a diagram of the flow, who is awaited and how to answer, the latest decisions. The demo shows it once.');
    }
    const others = appComments.filter((comment) => comment !== sticky);
    for (const comment of others.slice(this.#comments.get(key) ?? 0)) this.print(`    💬 ${comment.user} comments: ${oneLine(comment.body)}`);
    this.#comments.set(key, others.length);
  }

  #labelsOf(key: string, pull: PullRequest): void {
    const before = this.#labels.get(key) ?? [];
    for (const label of before.filter((name) => !pull.labels.includes(name))) this.print(`    🏷  label ${label} removed`);
    for (const label of pull.labels.filter((name) => !before.includes(name))) {
      this.print(`    🏷  label ${label} on the PR`);
      if (label === WAITING_LABEL) {
        this.explain(
          'waiting-label',
          `${WAITING_LABEL} is the app's own bookkeeping label, not a decision: it is on a PR exactly while a run there has a timer pending (a deadline, an escalation, a timed wait), so the app's sweep finds those PRs with one search. Adding or removing it by hand decides nothing. See docs/timers.md.`,
        );
      }
    }
    this.#labels.set(key, [...pull.labels]);
  }
}

/** A comment as one line: its lines joined, headings unmarked, cut at 220 characters. */
function oneLine(body: string): string {
  const text = readable(body.replace(/<!--[\s\S]*?-->/g, '').split('\n').map((line) => line.replace(/^#+\s*/, '').trim()).filter(Boolean).join(' · '));
  return text.length > 220 ? `${text.slice(0, 219)}…` : text;
}

/** The history lines of a check run's text, oldest first. */
function historyOf(text: string): string[] {
  const match = /### History\n```\n([\s\S]*?)\n```/.exec(text);
  return match ? match[1]!.split('\n').reverse() : [];
}
