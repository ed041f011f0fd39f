/**
 * For the throughput bench: one measurement of one server with skipped events.
 * A fresh server process, a warm-up, then the measured deliveries; its peak RSS
 * after, and (for Flowgate) what it says it did with them, from /metrics, and
 * what it asked GitHub.
 */
import type { Delivery } from './throughput-deliveries.js';
import { answered2xx, drive, type LoadResult } from './throughput-load.js';
import { eventCounts, startServer, type Rss, type ServerChild, type ServerKind, type StandInGitHub } from './throughput-servers.js';

export interface SkippedOptions {
  warmup: number;
  count: number;
  concurrency: number;
  /** The bound on each phase (warm-up, measure), in ms. */
  maxMs: number;
  /** Told the server once it listens (tests kill it). */
  onStarted?: (server: ServerChild) => void;
  /** For diagnostics (throughput-memory.ts): node options such as --trace-gc, and the bare app's variants. */
  nodeOptions?: string[];
  env?: Record<string, string>;
}

export interface SkippedMeasurement {
  kind: ServerKind;
  warmup: LoadResult;
  measured: LoadResult;
  /** After start-up, before any delivery; and after the measured deliveries (VmHWM is the peak over the process's life). */
  idle: Rss | undefined;
  after: Rss | undefined;
  /** The server's CPU time (user and system) over the measured deliveries, in ms: its cost whatever the load generator manages. */
  cpuMs: number | undefined;
  /** Flowgate's own counts of the deliveries (warm-up and measured). */
  events?: { skipped: number; handled: number; failed: number };
  /** What the server asked GitHub while it ran. */
  githubRequests: string[];
  /** With --trace-gc: the heap (MB) live after each major GC since the server listened. */
  liveAfterMajorGcs?: number[];
  /** With --trace-gc: what scavenges left in the old generation over the server's deliveries, in MB. */
  oldGenerationGrowth?: number;
}

export async function measureSkipped(kind: ServerKind, github: StandInGitHub, deliveries: Delivery[], options: SkippedOptions): Promise<SkippedMeasurement> {
  const server = await startServer(kind, github, options.nodeOptions, options.env);
  const before = github.requests.length;
  try {
    options.onStarted?.(server);
    const idle = server.rss();
    const load = { concurrency: options.concurrency, maxMs: options.maxMs };
    const warmup = await drive(server.webhookUrl, deliveries, { ...load, count: options.warmup });
    const cpuBefore = server.cpuMs();
    const measured = await drive(server.webhookUrl, deliveries, { ...load, count: options.count });
    const cpuAfter = server.cpuMs();
    const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    const after = server.rss();
    const fail = async (wrong: string[]) => {
      // Deliveries fail as soon as the process is gone, maybe before its exit is reported: give that a second.
      const ended = measured.failures + warmup.failures > 0 ? await server.ended(1_000) : undefined;
      return new Error(`${kind}: ${wrong.join('; ')}${ended ? `\nthe server process ended (${ended})` : ''}\n--- the server's output (last lines):\n${server.output().split('\n').slice(-20).join('\n')}`);
    };
    let measurement: SkippedMeasurement = { kind, warmup, measured, idle, after, cpuMs, githubRequests: github.requests.slice(before), liveAfterMajorGcs: server.liveAfterMajorGcs(), oldGenerationGrowth: server.oldGenerationGrowth() };
    // Unanswered deliveries first: a server that died has no /metrics to ask.
    if (problems(measurement).length > 0) throw await fail(problems(measurement));
    if (kind === 'flowgate') measurement = { ...measurement, events: await eventCounts(server) };
    if (problems(measurement).length > 0) throw await fail(problems(measurement));
    return measurement;
  } finally {
    await server.stop();
  }
}

/**
 * What makes a measurement worthless: a delivery not answered 2xx, one cut short
 * by the time bound, an event Flowgate did not skip, or a request to GitHub: a
 * skipped event asks nothing, not even who the app is (only the diagnostic bare
 * app that stands for one request, throughput-memory.ts, asks GET /app once).
 */
export function problems(measurement: SkippedMeasurement): string[] {
  const found: string[] = [];
  for (const [phase, result] of [['warm-up', measurement.warmup], ['measured', measurement.measured]] as const) {
    const ok = answered2xx(result);
    if (ok !== result.sent) found.push(`${phase}: ${ok} of ${result.sent} deliveries answered 2xx (statuses ${JSON.stringify(result.statuses)}, ${result.failures} unanswered: ${result.errors.join(' | ')})`);
  }
  const total = measurement.warmup.sent + measurement.measured.sent;
  if (measurement.events && (measurement.events.skipped !== total || measurement.events.handled !== 0 || measurement.events.failed !== 0)) {
    found.push(`Flowgate counted ${JSON.stringify(measurement.events)} of ${total} deliveries, expected all skipped`);
  }
  const allowed = measurement.kind === 'flowgate' ? [] : ['GET /api/v3/app'];
  const asked = measurement.githubRequests.filter((request) => !allowed.includes(request));
  if (asked.length > 0 || measurement.githubRequests.length > 1) found.push(`skipped events made requests to GitHub: ${measurement.githubRequests.join(', ')}`);
  return found;
}
