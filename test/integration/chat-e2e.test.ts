import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { signIdentity } from '../../src/github/callbacks/token.js';
import { startReceiver } from '../../src/sandbox/receiver.js';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';

const CHAT_FLOW = readFileSync(new URL('../../examples/5-chat-decision/flow.yml', import.meta.url), 'utf8');
const REPO = 'acme/releases';

/** The chat: keeps Flowgate's messages. */
async function chat() {
  const receiver = await startReceiver();
  return { ...receiver, get messages() { return receiver.received.map(({ body }) => body as { text: string; flowgate?: { approve: string; decline: string } }); } };
}

let running: AppOnSandbox | undefined;
let room: Awaited<ReturnType<typeof chat>> | undefined;
afterEach(async () => {
  await running?.stop();
  await room?.close();
  running = undefined;
  room = undefined;
});

/** What the chat bridge does when someone clicks: maps the chat user to a GitHub login and vouches for them. */
async function click(link: string, login: string | undefined, secret = 'slack-secret') {
  const url = new URL(link);
  const token = url.searchParams.get('token')!;
  const body = { token, decision: url.searchParams.get('decision'), ...(login ? { actor: login, identity: signIdentity(token, login, secret) } : {}) };
  const response = await fetch(`${url.origin}${url.pathname}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return response.status;
}

describe('approving from chat', () => {
  async function setUp() {
    room = await chat();
    const url = room.url;
    running = await startAppOnSandbox({ connections: (name) => (name === 'slack' ? { url, secret: 'slack-secret' } : undefined) });
    const { sandbox } = running;
    // The example runs on release/* base branches; the sandbox repository's PRs go to main.
    const flow = CHAT_FLOW.replace('branches: ["release/*"]', 'branches: [main]');
    sandbox.createRepo(REPO, { '.github/flows/release.yml': flow }, { teams: { 'acme/release-managers': ['rhea'] } });
    const pr = await sandbox.openPullRequest(REPO, { author: 'release-bot', title: 'Release 4.2.0', branch: 'release/4.2', changes: { 'CHANGELOG.md': '4.2.0\n' } });
    return { sandbox, pr, message: room.messages[0]! };
  }

  it('the message carries Approve and Decline links; a release manager vouched for by the bridge approves, and it ships', async () => {
    const { sandbox, pr, message } = await setUp();
    expect(message.text).toMatch(/^Release \*Release 4\.2\.0\* needs sign-off from a release manager: .*\n<http:\/\/127\.0\.0\.1:\d+\/flowgate\/callback\?token=fgc1\.[^|]+&decision=approve\|Approve> · <[^|]+&decision=decline\|Decline>$/);
    expect(await click(message.flowgate!.approve, 'rhea')).toBe(202);
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
    expect(room!.messages.at(-1)!.text).toBe('Shipping Release 4.2.0: signed off by rhea.');
  });

  it('a click nobody vouches for, or from someone who may not approve, is recorded and ignored', async () => {
    const { sandbox, pr, message } = await setUp();
    expect(await click(message.flowgate!.approve, undefined)).toBe(202);
    expect(await click(message.flowgate!.approve, 'pat')).toBe(202);
    // Someone claiming to be rhea without the bridge's secret: ignored, and it does not use up rhea's click.
    expect(await click(message.flowgate!.approve, 'rhea', 'forged-secret')).toBe(409);
    const summary = sandbox.checkRunsFor(pr.headSha)[0]!.output.summary ?? '';
    expect(summary).toContain('ignored: the sender is not mapped to a GitHub user');
    expect(summary).toContain('ignored: not an approver (approvers: @acme/release-managers)');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    expect(await click(message.flowgate!.approve, 'rhea')).toBe(202);
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
  });
});
