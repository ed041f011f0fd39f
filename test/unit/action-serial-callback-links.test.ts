/**
 * Callback links where there is no callback route: the GitHub Action without a
 * `callback-url`. No link is rendered (a URL on github.com that does not exist
 * would be worse than none); the run says how to send the callback instead, as a
 * repository_dispatch of type flowgate-callback with the token. With a URL, links
 * are as they were.
 */
import { describe, expect, it } from 'vitest';
import { decisionLinksFor, evaluateOptions } from '../../src/github/callbacks/links.js';
import { verifyToken } from '../../src/github/callbacks/token.js';

const repo = { owner: 'acme', name: 'agents' };
const now = Date.parse('2026-11-24T09:00:00Z');
const link = (callbacks: { publicUrl?: string; secret: string }) => evaluateOptions({ callbacks, now: () => now }, repo, 42, 0).callbackLink!({ run: 'r1', step: 'remote-checks', attempt: 1, from: now });

describe('callback links without a callback URL (the Action without callback-url)', () => {
  it('render no link, but the gh api line that sends the token back as a repository_dispatch to this PR\'s group', () => {
    const { token, url } = link({ secret: 's' });
    expect(url).not.toMatch(/https?:\/\//);
    expect(url).toBe(`gh api repos/acme/agents/dispatches -f event_type=flowgate-callback -F 'client_payload[pr]=42' -f 'client_payload[token]=${token}' -f 'client_payload[result]=success'`);
    expect(verifyToken(token, 's', now)).toMatchObject({ ok: true, claims: { repo: 'acme/agents', pr: 42, run: 'r1', step: 'remote-checks', attempt: 1 } });
  });

  it('give a chat connection no Approve and Decline links to a page that does not exist', () => {
    expect(decisionLinksFor({ callbacks: { secret: 's' }, now: () => now }, repo, 42, 0, 'r1')).toBeUndefined();
  });

  it('with a callback URL, are links to it, as before', () => {
    const { token, url } = link({ publicUrl: 'https://relay.example.com/', secret: 's' });
    expect(url).toBe(`https://relay.example.com/flowgate/callback?token=${token}`);
    const decide = decisionLinksFor({ callbacks: { publicUrl: 'https://relay.example.com', secret: 's' }, now: () => now }, repo, 42, 0, 'r1')!;
    expect(decide({ step: 'review', attempt: 1 }, 'chat')?.approve).toMatch(/^https:\/\/relay\.example\.com\/flowgate\/callback\?token=fgc1\.[^&]+&decision=approve$/);
  });
});
