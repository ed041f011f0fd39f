/** Scene: Flowgate sends a coding agent's PR to its remote checks, waits for their callback, posts the summary, then a human decides. */
import { readable } from './narration.js';
import type { Scene } from './stage.js';

const AGENTS = 'acme/agents';

export const agentCallbackScene: Scene = {
  title: "A coding agent's PR waits for its remote checks, then for a human",
  repo: AGENTS,
  example: '3-coding-agent',
  intro:
    'The flow agent-change starts on PRs from bots. It sends a job to the agent\'s VM (the connection agent-vm) with a one-time callback link, ' +
    'and waits up to 2h for the result. The agent posts its result; a replay of the same link is refused. ' +
    'Then anyone with write access may approve, and the app merges at the approved commit.',
  async play(stage) {
    const vm = await stage.connection('agent-vm');
    stage.repository(AGENTS, { '.github/flows/agent.yml': stage.example('3-coding-agent'), 'src/dates.ts': 'export const lib = "old";\n' }, { permissions: { rita: 'write' } });
    const pr = await stage.open(AGENTS, 'coder-agent[bot] opens "Upgrade the date library"', {
      author: 'coder-agent[bot]',
      title: 'Upgrade the date library',
      branch: 'agent/dates',
      changes: { 'src/dates.ts': 'export const lib = "new";\n' },
    });
    const job = vm.received.at(-1)?.body as Record<string, string> | undefined;
    if (!job?.callback) throw new Error("the agent's VM received no job with a callback link");
    stage.say(`🤖 the agent's VM got the job for ${job.sha?.slice(0, 7)}, with a callback link ${job.callback.replace(/token=(.{12}).*/, 'token=$1…')}`);
    const post = (body: Record<string, unknown>) => fetch(job.callback!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await stage.act(AGENTS, 'the remote checks finish; the agent POSTs its result to the link', async () => {
      const response = await post({ result: 'success', summary: 'All 412 tests pass; the bundle is 3 KB smaller.', outputs: { report: 'https://ci.example.com/runs/981' } });
      stage.say(`↩ Flowgate answered HTTP ${response.status}`);
    }, pr.number);
    await stage.act(AGENTS, 'the agent replays the same link, now claiming a failure', async () => {
      const response = await post({ result: 'failure' });
      stage.say(`↩ Flowgate answered HTTP ${response.status}: ${readable(((await response.json()) as { error: string }).error)}`);
    }, pr.number);
    await stage.act(AGENTS, 'rita (write access) approves', () => stage.sandbox.review(AGENTS, pr.number, 'rita', 'approved'), pr.number);
  },
};
