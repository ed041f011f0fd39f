import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/app/credentials.js';
import { loadSmeeClient, startWebhookProxy } from '../../src/app/webhook-proxy.js';

const log = { info: () => {}, error: () => {} };
const TARGET = 'http://localhost:3000/api/github/webhooks';

/** A stand-in for smee-client's SmeeClient, recording how it was made and used. */
function fakeSmee(shape: 'named' | 'default') {
  const made: { options?: unknown; started: number; closed: number } = { started: 0, closed: 0 };
  class SmeeClient {
    constructor(options: unknown) {
      made.options = options;
    }
    async start() {
      made.started += 1;
    }
    async close() {
      made.closed += 1;
    }
  }
  return { made, load: async () => (shape === 'named' ? { SmeeClient } : { default: SmeeClient }) };
}

describe('the webhook proxy (WEBHOOK_PROXY_URL)', () => {
  it('relays the channel to the server\'s own webhook route, and stops with the server', async () => {
    for (const shape of ['named', 'default'] as const) {
      const { made, load } = fakeSmee(shape);
      const proxy = await startWebhookProxy('https://smee.io/AbC123', TARGET, log, load);
      expect(made).toMatchObject({ options: { source: 'https://smee.io/AbC123', target: TARGET }, started: 1, closed: 0 });
      await proxy.stop();
      expect(made.closed).toBe(1);
    }
  });

  it('without smee-client, it says how to install it and how to relay with npx instead', async () => {
    const missing = async () => {
      throw Object.assign(new Error("Cannot find package 'smee-client'"), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const error = await startWebhookProxy('https://smee.io/AbC123', TARGET, log, missing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('npm install --no-save smee-client');
    expect((error as Error).message).toContain(`npx smee-client --url https://smee.io/AbC123 --target ${TARGET}`);
  });

  it('this checkout has no smee-client, and the real loader says so as a missing module', async () => {
    await expect(loadSmeeClient()).rejects.toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });

  it('a WEBHOOK_PROXY_URL that is not an http(s) URL is refused before anything loads', async () => {
    const { made, load } = fakeSmee('named');
    await expect(startWebhookProxy('smee.io/AbC123', TARGET, log, load)).rejects.toThrow('WEBHOOK_PROXY_URL=smee.io/AbC123: not a URL');
    await expect(startWebhookProxy('ftp://smee.io/AbC123', TARGET, log, load)).rejects.toThrow('expected an http(s) URL');
    expect(made.started).toBe(0);
  });
});
