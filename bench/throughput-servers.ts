/**
 * For the throughput bench: the two servers it compares, each in a process of
 * its own (so its RSS is its own), configured from the same environment:
 * - Flowgate as `npm start` runs it: `node dist/server.js` (build first);
 * - a bare Probot app whose handler does nothing (throughput-bare.mjs).
 * Their GitHub is a loopback stand-in that answers only GET /app (the app's
 * identity, which Flowgate asks only when an event needs it) and counts every
 * request: a skipped event must make none.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ServerKind = 'flowgate' | 'probot';

export const SERVER_ENTRY: Record<ServerKind, string> = {
  flowgate: fileURLToPath(new URL('../dist/server.js', import.meta.url)),
  probot: fileURLToPath(new URL('./throughput-bare.mjs', import.meta.url)),
};

export const BENCH_APP_ID = 4242;
export const BENCH_SECRET = 'bench-webhook-secret';
export const WEBHOOK_PATH = '/api/github/webhooks';

export interface StandInGitHub {
  /** What GHE_HOST names: host and port. */
  host: string;
  /** `METHOD /path` of every request it was sent. */
  requests: string[];
  stop(): Promise<void>;
}

/** GitHub's API for the servers: GET /app answers the app's identity, anything else 404; every request is counted. */
export async function standInGitHub(): Promise<StandInGitHub> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://github').pathname;
    requests.push(`${request.method} ${path}`);
    request.resume();
    if (request.method === 'GET' && path === '/api/v3/app') {
      return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: BENCH_APP_ID, slug: 'flowgate-bench', name: 'Flowgate bench' }));
    }
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found (the throughput bench answers only GET /app)' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let key: string | undefined;
/** A private key for the fake app, made once per process (2048-bit RSA, as GitHub issues). */
function privateKey(): string {
  key ??= generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  return key;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Memory of a process from /proc (Linux): its peak RSS (VmHWM) and its RSS now, in KiB. */
export interface Rss {
  peakKiB: number;
  nowKiB: number;
}

export function rssOf(pid: number): Rss | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined; // not Linux, or the process is gone
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakKiB: field('VmHWM'), nowKiB: field('VmRSS') };
}

let ticks: number | undefined;
/** CPU time a process has used so far (user and system, from /proc/<pid>/stat), in ms; undefined off Linux. */
export function cpuMsOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The fields after the command's name (which may hold spaces, inside parentheses): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
}

export interface ServerChild {
  kind: ServerKind;
  pid: number;
  url: string;
  webhookUrl: string;
  rss(): Rss | undefined;
  cpuMs(): number | undefined;
  /** The last 20,000 characters it wrote, for failure messages. */
  output(): string;
  /** With --trace-gc: the heap (MB) live after each major GC since the server listened. */
  liveAfterMajorGcs(): number[];
  /** With --trace-gc: what scavenges left in the old generation since the server listened (MB): promoted objects, mostly. */
  oldGenerationGrowth(): number;
  /** How the process ended (a signal, or its exit code), once it has, waiting up to `ms` for it. */
  ended(ms: number): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** Servers still running: killed if this process exits first (a failure, the bench's time limit), so none is left behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/**
 * Starts one server on a free loopback port and waits until it answers HTTP (20 s at most); `nodeOptions` are for experiments
 * (--trace-gc), `env` for the bare app's diagnostic variants (throughput-memory.ts).
 */
export async function startServer(kind: ServerKind, github: StandInGitHub, nodeOptions: string[] = [], extraEnv: Record<string, string> = {}): Promise<ServerChild> {
  const entry = SERVER_ENTRY[kind];
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    APP_ID: String(BENCH_APP_ID),
    PRIVATE_KEY: privateKey(),
    WEBHOOK_SECRET: BENCH_SECRET,
    GHE_HOST: github.host,
    GHE_PROTOCOL: 'http',
    LOG_LEVEL: 'info' as const,
    LOG_FORMAT: 'json' as const,
    HOST: '127.0.0.1',
    PORT: String(port),
    // The bench measures webhooks: no timer sweep in the background.
    FLOWGATE_SWEEP_EVERY: 'off',
    ...extraEnv,
  };
  // A directory of its own, so no .env of the checkout is read.
  const child: ChildProcess = spawn(process.execPath, [...nodeOptions, entry], { cwd: mkdtempSync(join(tmpdir(), 'flowgate-tput-')), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // With --trace-gc: the heap left live after each major GC, kept apart from the output, which is cut to its last lines.
  const majorGcs: number[] = [];
  // And what the old generation gained between GCs: the heap left after a scavenge over that left after the GC before it.
  let oldGrowth = 0;
  let lastAfter: number | undefined;
  let partial = '';
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-20_000);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const gc = /(Scavenge|Mark-Compact) [\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(line);
      if (!gc) continue;
      const after = Number(gc[2]);
      if (gc[1] === 'Mark-Compact') majorGcs.push(after);
      else if (lastAfter !== undefined && after > lastAfter) oldGrowth += after - lastAfter;
      lastAfter = after;
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  running.add(child);
  let exited: string | undefined;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = signal ?? `exit code ${code}`;
      running.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`the ${kind} server exited before it listened:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the ${kind} server did not listen on ${url} in 20 s:\n${output}`);
    }
    const answered = await fetch(`${url}/`, { signal: AbortSignal.timeout(1_000) }).then(
      async (response) => (await response.arrayBuffer(), true),
      () => false,
    );
    if (answered) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Major GCs of start-up (loading the code) are not the heap under load.
  const startupGcs = majorGcs.length;
  const startupGrowth = oldGrowth;
  return {
    kind,
    pid: child.pid!,
    url,
    webhookUrl: `${url}${WEBHOOK_PATH}`,
    rss: () => rssOf(child.pid!),
    cpuMs: () => cpuMsOf(child.pid!),
    output: () => output,
    liveAfterMajorGcs: () => majorGcs.slice(startupGcs),
    oldGenerationGrowth: () => oldGrowth - startupGrowth,
    ended: async (ms) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
      clearTimeout(timer);
      return exited;
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Flowgate's event counters from GET /metrics: how many deliveries it skipped, handled, and failed. */
export async function eventCounts(server: ServerChild): Promise<{ skipped: number; handled: number; failed: number }> {
  const text = await (await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const sum = (name: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return { skipped: sum('flowgate_events_skipped_total'), handled: sum('flowgate_events_handled_total'), failed: sum('flowgate_events_failed_total') };
}
