/**
 * For the cost benches: a sandbox GitHub in a child process (so its state does
 * not count in this process's heap), holding `pulls` open PRs over `owners`
 * installations, one repository each. Every PR starts a run that waits on a
 * gate with an escalation: after 4 hours, or after 1 hour for one PR in
 * `soonEvery` (label `soon`), so advancing the clock 61 minutes makes exactly
 * those due. No webhook URL is set: the bench hands events to the handler.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const flow = (name: string, after: string) => `name: ${name}
on: { pull_request: { labels: [${name}] } }
steps:
  - id: gate
    approval:
      from: { users: [lead] }
      timeout: 48h
      escalate: [ { after: ${after}, notify: { users: [backup] } } ]
      on_timeout: decline
    on_approve: done
    on_decline: done
  - id: done
    actions: [ { label: [done] } ]
    next: succeed
`;

export const FLOWS = { '.github/flows/later.yml': flow('later', '4h'), '.github/flows/soon.yml': flow('soon', '1h') };

export interface BenchPull {
  repo: string;
  number: number;
  head: string;
  label: 'soon' | 'later';
}

export interface SandboxChild {
  url: string;
  pulls: BenchPull[];
  start: number;
  stop(): void;
}

export async function sandboxChild(options: { owners: number; pulls: number; soonEvery: number }): Promise<SandboxChild> {
  const sandbox = new URL('../dist/sandbox/sandbox.js', import.meta.url).href;
  const script = `
    import { Sandbox } from ${JSON.stringify(sandbox)};
    const sandbox = new Sandbox();
    await sandbox.start();
    const flows = ${JSON.stringify(FLOWS)};
    const owners = ${options.owners};
    for (let owner = 0; owner < owners; owner += 1) sandbox.createRepo('org-' + owner + '/service', { ...flows, 'src/a.ts': 'a\\n' });
    const pulls = [];
    for (let index = 0; index < ${options.pulls}; index += 1) {
      const repo = 'org-' + (index % owners) + '/service';
      const label = index % ${options.soonEvery} === 0 ? 'soon' : 'later';
      const pr = await sandbox.openPullRequest(repo, { author: 'dev', title: 'Change ' + index, branch: 'b' + index, labels: [label], changes: { ['src/f' + index + '.ts']: String(index) + '\\n' } });
      pulls.push({ repo, number: pr.number, head: pr.headSha, label });
    }
    // The log of failed deliveries (no URL) is not needed: keep the child small.
    sandbox.deliveries.length = 0;
    console.log(JSON.stringify({ url: sandbox.url, pulls, start: sandbox.clock.now() }));
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));
  `;
  const child: ChildProcess = spawn(process.execPath, ['--max-old-space-size=4096', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the sandbox child exited with ${code}`)));
  });
  const ready = JSON.parse(first) as { url: string; pulls: BenchPull[]; start: number };
  return { ...ready, stop: () => child.kill('SIGTERM') };
}

/** A pull_request.opened webhook payload, as the handler reads it. */
export function openedPayload(pull: BenchPull, installation: number) {
  const [owner, name] = pull.repo.split('/') as [string, string];
  return {
    action: 'opened',
    repository: { name, owner: { login: owner }, default_branch: 'main' },
    pull_request: { number: pull.number, head: { sha: pull.head }, html_url: `https://github.com/${pull.repo}/pull/${pull.number}` },
    installation: { id: installation },
    sender: { login: 'dev' },
  };
}
