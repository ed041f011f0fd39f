/**
 * Local development without a public URL: GitHub sends webhooks to a channel
 * on a relay (https://smee.io/<channel>, the app's webhook URL while
 * developing), and smee-client, run by the server when WEBHOOK_PROXY_URL names
 * that channel, replays each one to this server's own webhook route. The
 * signature is still checked here: the relay can read deliveries, not forge
 * them. For development only: in production GitHub reaches the server itself.
 *
 * smee-client is not a dependency of Flowgate (production never needs it); it
 * is loaded when asked for, and its absence is an error that says what to do.
 */
import { ConfigError } from './credentials.js';

interface SmeeClientLike {
  start(): unknown;
  stop?(): unknown;
  close?(): unknown;
}

type SmeeModule = { SmeeClient?: SmeeConstructor; default?: SmeeConstructor | { SmeeClient?: SmeeConstructor } };
type SmeeConstructor = new (options: { source: string; target: string; logger: Pick<Console, 'info' | 'error'> }) => SmeeClientLike;

/** The smee-client module, where Node finds it; the name is a variable so the build does not need it. */
const SMEE_CLIENT = 'smee-client';
export const loadSmeeClient = (): Promise<SmeeModule> => import(SMEE_CLIENT) as Promise<SmeeModule>;

export interface WebhookProxy {
  stop(): Promise<void>;
}

/** The command that relays without anything installed, for the error and the docs. */
export const npxCommand = (source: string, target: string) => `npx smee-client --url ${source} --target ${target}`;

export async function startWebhookProxy(
  source: string,
  target: string,
  log: { info: (message: string) => void; error: (message: string) => void },
  load: () => Promise<SmeeModule> = loadSmeeClient,
): Promise<WebhookProxy> {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new ConfigError(`WEBHOOK_PROXY_URL=${source}: not a URL; expected a channel such as https://smee.io/AbC123 (open https://smee.io/new for one)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`WEBHOOK_PROXY_URL=${source}: expected an http(s) URL such as https://smee.io/AbC123`);
  let loaded: SmeeModule;
  try {
    loaded = await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new ConfigError(
      `WEBHOOK_PROXY_URL is set, but smee-client is not installed. Either install it (npm install --no-save smee-client) and start again, ` +
        `or remove WEBHOOK_PROXY_URL and run the relay beside the server: ${npxCommand(source, target)}`,
    );
  }
  const Client = loaded.SmeeClient ?? (typeof loaded.default === 'function' ? loaded.default : loaded.default?.SmeeClient);
  if (!Client) throw new ConfigError('smee-client is installed but exports no SmeeClient; install smee-client 2 or later');
  const client = new Client({ source, target, logger: { info: (...args: unknown[]) => log.info(`webhook proxy: ${args.join(' ')}`), error: (...args: unknown[]) => log.error(`webhook proxy: ${args.join(' ')}`) } });
  // smee-client 5 starts asynchronously and stops with close(); earlier versions return an EventSource to close.
  const events = (await client.start()) as { close?: () => unknown } | undefined;
  log.info(`webhook proxy: relaying ${source} to ${target}; for development only`);
  return {
    async stop() {
      if (client.close) await client.close();
      else if (client.stop) await client.stop();
      else events?.close?.();
    },
  };
}
