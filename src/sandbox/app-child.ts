/**
 * The harness's hold on an app in a child process (app-process.ts): start it
 * against a sandbox, SIGKILL it at a chosen write (before or after the sandbox
 * applies it), start it again, run its sweep. The child runs the compiled app
 * (`dist/`), so build first (`npm run build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SweepReport } from '../github/sweep.js';
import type { FaultRule } from './faults.js';
import type { Sandbox } from './sandbox.js';

export interface ChildApp {
  pid: number;
  /** The app's own server (callbacks), and its webhook URL. */
  url: string;
  webhookUrl: string;
  /** Ends the process with SIGKILL, as a crash or an OOM killer would; resolves once it is gone. */
  kill(): Promise<void>;
  /** The timer sweep, run in the child. */
  sweep(): Promise<SweepReport>;
  /** Set once kill() was called, even if the process has not ended yet (a kill from a fault hook). */
  readonly killRequested: boolean;
  /** Set when the process ended without being killed by the harness: a crash. */
  readonly crashed: boolean;
  readonly exited: boolean;
  /** What the process wrote to stderr (the last 20 000 characters). */
  readonly stderr: string;
}

export interface ChildAppOptions {
  redisUrl?: string;
  callbackSecret?: string;
  /** Make this child the sandbox's webhook URL (default true). */
  receiveWebhooks?: boolean;
  logLevel?: string;
}

/** dist/sandbox/app-process.js, from src/sandbox or dist/sandbox alike. */
export const APP_PROCESS_ENTRY = fileURLToPath(new URL('../../dist/sandbox/app-process.js', import.meta.url));

export async function startChildApp(sandbox: Sandbox, options: ChildAppOptions = {}): Promise<ChildApp> {
  if (!existsSync(APP_PROCESS_ENTRY)) throw new Error(`${APP_PROCESS_ENTRY} is missing: run npm run build first`);
  // Probot types LOG_LEVEL as its levels; the child reads it as any string.
  const env: Record<string, string | undefined> = {
    ...process.env,
    FLOWGATE_SANDBOX_URL: sandbox.url,
    FLOWGATE_SANDBOX_NOW: String(sandbox.clock.now()),
    APP_ID: String(sandbox.appId),
    FLOWGATE_APP_LOGIN: sandbox.appLogin,
    WEBHOOK_SECRET: sandbox.webhookSecret,
    FLOWGATE_CALLBACK_SECRET: options.callbackSecret ?? 'sandbox-callback-secret',
    LOG_LEVEL: options.logLevel ?? 'fatal',
    REDIS_URL: options.redisUrl ?? '',
    FLOWGATE_SWEEP_EVERY: 'off',
  };
  const child: ChildProcess = spawn(process.execPath, [APP_PROCESS_ENTRY], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let killing = false;
  let crashed = false;
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      crashed = !killing;
      resolve();
    }),
  );
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-20_000)));
  const ready = await new Promise<{ listening: string; webhooks: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`the app process did not start in 20 s: ${stderr}`)), 20_000);
    lines.on('line', (line) => {
      if (!line.startsWith('{"listening"')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as { listening: string; webhooks: string });
    });
    void gone.then(() => reject(new Error(`the app process ended before it listened: ${stderr}`)));
  });
  if (options.receiveWebhooks ?? true) sandbox.webhookUrl = ready.webhooks;
  return {
    pid: child.pid!,
    url: ready.listening,
    webhookUrl: ready.webhooks,
    async kill() {
      if (exited) return;
      killing = true;
      child.kill('SIGKILL');
      await gone;
    },
    async sweep() {
      const response = await fetch(`${ready.listening}/_proof/sweep`, { method: 'POST' });
      const body = (await response.json()) as SweepReport | { error: string };
      if ('error' in body) throw new Error(`sweep failed: ${body.error}`);
      await sandbox.settle();
      return body;
    },
    get killRequested() {
      return killing;
    },
    get crashed() {
      return crashed;
    },
    get exited() {
      return exited;
    },
    get stderr() {
      return stderr;
    },
  };
}

/**
 * A rule for the sandbox's fault switch that kills `app` at the `nth` write
 * matching `match`: `before` the sandbox applies it (the request is lost with
 * the process) or `after` (GitHub made the change; the process died before it
 * read the answer).
 */
export function killAt(app: () => ChildApp | undefined, nth: number, when: 'before' | 'after', match: FaultRule['match'] = 'write'): FaultRule {
  const kill = async () => app()?.kill();
  return when === 'before' ? { match, nth, fault: 'timeout-before', before: kill, label: `SIGKILL before write ${nth}` } : { match, nth, after: kill, fault: 'timeout-after', label: `SIGKILL after write ${nth}` };
}
