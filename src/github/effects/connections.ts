/**
 * Connections: where `webhook` and `notify` effects go outside GitHub. A flow
 * names one; its URL and secret come from the environment, never from the flow:
 *
 *   FLOWGATE_CONNECTION_<NAME>_URL      e.g. FLOWGATE_CONNECTION_AGENT_VM_URL
 *   FLOWGATE_CONNECTION_<NAME>_SECRET   signs each body (X-Flowgate-Signature-256)
 *
 * A `slack` connection gets a Slack-compatible body ({ text }).
 *
 * Delivery is at least once: the app records its intent before sending, and
 * sends again after a crash that lost the answer. Every send of one effect
 * carries the same `Idempotency-Key` (the effect's key), so a receiver that
 * keeps the keys it has seen acts once.
 */
import { hmac } from '../hmac.js';

export interface Connection {
  url: string;
  secret?: string;
}

export type Connections = (name: string) => Connection | undefined;

export const envName = (name: string): string => `FLOWGATE_CONNECTION_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;

export function connectionsFromEnv(env: NodeJS.ProcessEnv = process.env): Connections {
  return (name) => {
    const url = env[`${envName(name)}_URL`];
    if (!url) return undefined;
    const secret = env[`${envName(name)}_SECRET`];
    return { url, ...(secret ? { secret } : {}) };
  };
}

export function signBody(body: string, secret: string): string {
  return `sha256=${hmac(secret, body, 'hex')}`;
}

/** Posts a body to a connection; resolves to an error message, or undefined when it was delivered. */
export async function deliver(connection: Connection, body: Record<string, unknown>, key: string, timeoutMs = 10_000): Promise<string | undefined> {
  const text = JSON.stringify(body);
  try {
    const response = await fetch(connection.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'flowgate',
        // The receiver can drop a redelivery: the key is the same for the same effect.
        'idempotency-key': key,
        'x-flowgate-delivery': key,
        ...(connection.secret ? { 'x-flowgate-signature-256': signBody(text, connection.secret) } : {}),
      },
      body: text,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.ok ? undefined : `${response.status}: ${response.statusText || 'the connection refused it'}`;
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return `timed out after ${timeoutMs / 1000} s (it may have arrived; a repeat would carry the same Idempotency-Key)`;
    return `the connection could not be reached: ${(error as Error).message}`;
  }
}
