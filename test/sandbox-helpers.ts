import { startReceiver } from '../src/sandbox/receiver.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';

/** Webhooks sent while `lost` runs never reach the app: they go to a receiver that drops them, as if the app were down. */
export async function unheard(sandbox: Sandbox, lost: () => Promise<unknown>): Promise<void> {
  const url = sandbox.webhookUrl;
  const sink = await startReceiver();
  sandbox.webhookUrl = sink.url;
  try {
    await lost();
  } finally {
    sandbox.webhookUrl = url;
    await sink.close();
  }
}
