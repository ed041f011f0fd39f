/**
 * `npm run demo`: the real Flowgate app against the local GitHub sandbox, with
 * no credentials and no network. People and agents act on pull requests; after
 * each action the demo prints what the app did, as GitHub shows it: the run's
 * history from its check run, comments, labels, merges.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '../sandbox/receiver.js';
import { startAppOnSandbox } from '../sandbox/with-app.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { PullRequest } from '../sandbox/state.js';

const example = (name: string): string => readFileSync(fileURLToPath(new URL(`../../examples/${name}/flow.yml`, import.meta.url)), 'utf8');

type Print = (line: string) => void;

/** Prints what changed on a PR since the last look: new history lines, comments, labels, state. */
class Watcher {
  /** History lines shown, by run: a run that moves to a new head keeps its count. */
  #history = new Map<string, number>();
  #comments = new Map<number, number>();
  #labels = new Map<number, string[]>();
  #state = new Map<number, string>();

  constructor(
    private readonly sandbox: Sandbox,
    private readonly print: Print,
  ) {}

  look(repo: string, pull: PullRequest): void {
    for (const run of [...this.sandbox.state.checkRuns.values()].filter((candidate) => pull.commits.includes(candidate.head_sha))) {
      const lines = historyOf(run.output.text ?? '');
      const key = run.external_id ?? String(run.id);
      const seen = this.#history.get(key) ?? 0;
      for (const line of lines.slice(seen)) this.print(`    │ ${line}`);
      this.#history.set(key, Math.max(seen, lines.length));
    }
    const comments = pull.comments.filter((comment) => !comment.body.startsWith('<!-- flowgate:sticky'));
    for (const comment of comments.slice(this.#comments.get(pull.number) ?? 0)) {
      if (comment.user === this.sandbox.appLogin) this.print(`    💬 ${comment.user}: ${comment.body.split('\n')[0]}`);
    }
    this.#comments.set(pull.number, comments.length);
    const before = this.#labels.get(pull.number) ?? [];
    for (const label of before.filter((name) => !pull.labels.includes(name))) this.print(`    🏷  label ${label} removed`);
    for (const label of pull.labels.filter((name) => !before.includes(name))) this.print(`    🏷  label ${label} on the PR`);
    this.#labels.set(pull.number, [...pull.labels]);
    const state = pull.merged ? `merged into ${pull.base} (the PR's head was ${pull.headSha.slice(0, 7)})` : pull.state;
    if (this.#state.get(pull.number) !== state && state !== 'open') this.print(`    ✔ ${repo}#${pull.number} ${state}`);
    this.#state.set(pull.number, state);
  }
}

/** The history lines of a check run's text, oldest first. */
function historyOf(text: string): string[] {
  const match = /### History\n```\n([\s\S]*?)\n```/.exec(text);
  return match ? match[1]!.split('\n').reverse() : [];
}

export async function runSandboxDemo(print: Print = (line) => console.log(line)): Promise<{ merged: number; closed: number }> {
  // The agent's VM: takes the job Flowgate sends through the agent-vm connection, and keeps its callback link.
  const vm = await startReceiver('/jobs');
  const { sandbox, stop, sweep } = await startAppOnSandbox({ connections: (name) => (name === 'agent-vm' ? { url: vm.url } : undefined) });
  print(`GitHub sandbox on ${sandbox.url}; the Flowgate app receives its webhooks on ${sandbox.webhookUrl}\n`);
  const watcher = new Watcher(sandbox, print);
  /** One person's action, a few minutes after the last, then what the app did about it. */
  const step = async <T>(repo: string, what: string, action: () => Promise<T>, number?: (result: T) => number): Promise<T> => {
    sandbox.clock.advance(7 * 60_000);
    print(`▶ ${sandbox.clock.iso().slice(11, 16)} ${what}`);
    const result = await action();
    const pull = number ? number(result) : undefined;
    if (pull !== undefined) watcher.look(repo, sandbox.pullRequest(repo, pull));
    return result;
  };
  const open = (repo: string, what: string, pr: Parameters<Sandbox['openPullRequest']>[1]) => step(repo, what, () => sandbox.openPullRequest(repo, pr), (pull) => pull.number);
  try {
    // 1. A coding agent's billing change: an ineligible label is refused, a manager approves, it merges at the approved commit.
    const billing = 'acme/billing';
    sandbox.createRepo(billing, { '.github/flows/payment-change.yml': example('2-payment-thresholds'), 'billing/rounding.ts': 'export const round = Math.round;\n' }, {
      teams: { 'acme/managers': ['mia'], 'acme/security': ['sam', 'sid'] },
    });
    print(`── ${billing}: flow payment-change (examples/2-payment-thresholds) ──`);
    let pr = await open(billing, 'coder-agent[bot] opens "Fix rounding of small invoices" (billing/, amount 420)', {
      author: 'coder-agent[bot]',
      title: 'Fix rounding of small invoices',
      body: 'Found by the nightly audit.\namount: 420',
      branch: 'agent/rounding',
      changes: { 'billing/rounding.ts': 'export const round = (value: number) => Math.round(value * 100) / 100;\n' },
    });
    const number = () => pr.number;
    await step(billing, 'rob (not a manager) adds the label flowgate:approve', () => sandbox.label(billing, pr.number, 'rob', 'flowgate:approve'), number);
    await step(billing, 'mia (acme/managers) approves the PR', () => sandbox.review(billing, pr.number, 'mia', 'approved', 'Rounding looks right.'), number);

    // 2. A high-risk change: the manager approves, security declines, the PR is closed with the reason.
    print('');
    pr = await open(billing, 'dev opens "Switch payment provider" (amount 25,000)', {
      author: 'dev',
      title: 'Switch payment provider',
      body: 'amount: 25,000',
      branch: 'dev/provider',
      changes: { 'billing/provider.ts': 'export const provider = "new";\n' },
    });
    await step(billing, 'mia approves', () => sandbox.review(billing, pr.number, 'mia', 'approved'), number);
    await step(billing, 'sam (acme/security) comments "/decline the webhook secret is logged"', () => sandbox.comment(billing, pr.number, 'sam', '/decline the webhook secret is logged'), number);

    // 3. Content: a decline sends the author back to edits; after a push, the editor approves with the check run's button.
    const site = 'acme/site';
    sandbox.createRepo(site, { '.github/flows/publish.yml': example('1-publish-content'), 'content/index.md': '# Hello\n' }, { teams: { 'acme/editors': ['eve'], 'acme/marketing': ['mo'] } });
    print(`\n── ${site}: flow publish-content (examples/1-publish-content) ──`);
    pr = await open(site, 'writer opens "Post: winter sale"', { author: 'writer', title: 'Post: winter sale', branch: 'post/winter', changes: { 'content/posts/winter.md': '# Winter sael\n' } });
    await step(site, 'eve (acme/editors) comments "/decline typo in the headline"', () => sandbox.comment(site, pr.number, 'eve', '/decline typo in the headline'), number);
    await step(site, 'writer pushes a fix', () => sandbox.push(site, pr.number, 'writer', { 'content/posts/winter.md': '# Winter sale\n' }), number);
    const button = sandbox.checkRunsFor(sandbox.pullRequest(site, pr.number).headSha).find((run) => run.status !== 'completed');
    await step(site, 'eve clicks "Approve" on the check run', () => sandbox.clickButton(site, button!.id, 'eve', 'approve'), number);

    // 4. A coding agent: Flowgate dispatches its remote checks, waits for their callback, posts the summary, then a human decides.
    const agents = 'acme/agents';
    sandbox.createRepo(agents, { '.github/flows/agent.yml': example('3-coding-agent'), 'src/dates.ts': 'export const lib = "old";\n' }, { permissions: { rita: 'write' } });
    print(`\n── ${agents}: flow agent-change (examples/3-coding-agent) ──`);
    pr = await open(agents, 'coder-agent[bot] opens "Upgrade the date library"', { author: 'coder-agent[bot]', title: 'Upgrade the date library', branch: 'agent/dates', changes: { 'src/dates.ts': 'export const lib = "new";\n' } });
    const job = vm.received.at(-1)!.body as Record<string, string>;
    print(`    🤖 the agent's VM got the job for ${job.sha?.slice(0, 7)}, with a callback link ${job.callback?.replace(/token=(.{12}).*/, 'token=$1…')}`);
    await step(agents, 'the remote checks finish; the agent POSTs its result to the link', async () => {
      const response = await fetch(job.callback!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ result: 'success', summary: 'All 412 tests pass; the bundle is 3 KB smaller.', outputs: { report: 'https://ci.example.com/runs/981' } }) });
      print(`    ↩ Flowgate answered HTTP ${response.status}`);
    }, number);
    await step(agents, 'the agent replays the same callback', async () => {
      const response = await fetch(job.callback!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ result: 'failure' }) });
      print(`    ↩ Flowgate answered HTTP ${response.status}: ${((await response.json()) as { error: string }).error}`);
    }, number);
    await step(agents, 'rita (write access) approves', () => sandbox.review(agents, pr.number, 'rita', 'approved'), number);

    // 5. Time-bound: the on-call approver is silent; the sweep escalates to the backup, reminds, and declines at the deadline.
    const service = 'acme/service';
    sandbox.createRepo(service, { '.github/flows/hotfix.yml': example('4-time-bound'), 'src/auth.ts': 'redirect();\n' });
    print(`\n── ${service}: flow hotfix-window (examples/4-time-bound) ──`);
    pr = await open(service, 'dev opens "Fix the login redirect loop" with the label hotfix', { author: 'dev', title: 'Fix the login redirect loop', branch: 'fix/login', labels: ['hotfix'], changes: { 'src/auth.ts': 'redirectOnce();\n' } });
    for (const hours of [4, 20, 8, 8, 8]) {
      await step(service, `${hours} hours pass in silence; the sweep runs`, async () => {
        sandbox.clock.advance(hours * 3600_000);
        await sweep();
      }, number);
    }
    await step(service, 'primary-oncall approves, too late', () => sandbox.review(service, pr.number, 'primary-oncall', 'approved'), number);

    print('\n══ Final check runs ══');
    for (const run of [...sandbox.state.checkRuns.values()].filter((candidate) => candidate.conclusion !== 'neutral')) {
      print(`\n## ${run.name} on ${run.head_sha.slice(0, 7)}: ${run.status}${run.conclusion ? ` (${run.conclusion})` : ''}: ${run.output.title}\n`);
      print(run.output.summary ?? '');
    }
    const pulls = [...sandbox.state.pulls.values()];
    const result = { merged: pulls.filter((pull) => pull.merged).length, closed: pulls.filter((pull) => pull.state === 'closed' && !pull.merged).length };
    print(`\n${pulls.length} pull requests: ${result.merged} merged at their approved commit, ${result.closed} closed. ${sandbox.deliveries.length} webhooks, ${sandbox.requests.length} API requests.`);
    return result;
  } finally {
    await stop();
    await vm.close();
  }
}
