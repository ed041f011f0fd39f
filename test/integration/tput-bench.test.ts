/**
 * The throughput bench's machinery (bench/throughput*.ts) at a tiny size: the
 * two servers in their own processes, the signed 25 KiB deliveries, the load
 * generator, and the relevant events on the sandbox. Counts and outcomes only,
 * never times. Runs the compiled server (dist/, built by the global setup).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_BYTES, sign, skippedDeliveries } from '../../bench/throughput-deliveries.js';
import { answered2xx, quantile } from '../../bench/throughput-load.js';
import { relevantEventCosts } from '../../bench/throughput-relevant.js';
import { BENCH_SECRET, standInGitHub, type StandInGitHub } from '../../bench/throughput-servers.js';
import { measureSkipped, problems, type SkippedMeasurement } from '../../bench/throughput-skipped.js';
import { relevance } from '../../src/github/relevance.js';

const TINY = { warmup: 4, count: 12, concurrency: 4, maxMs: 15_000 };
let github: StandInGitHub;
beforeAll(async () => {
  github = await standInGitHub();
});
afterAll(async () => {
  await github.stop();
});

describe('the deliveries', () => {
  it('are 25 KiB each, signed with the webhook secret, and all events Flowgate skips from the payload alone', () => {
    const deliveries = skippedDeliveries(BENCH_SECRET);
    expect(deliveries.map((delivery) => delivery.event)).toEqual(['issue_comment', 'pull_request', 'pull_request_review', 'push']);
    for (const delivery of deliveries) {
      expect(delivery.body.length).toBe(DELIVERY_BYTES);
      expect(delivery.signature).toBe(sign(delivery.body, BENCH_SECRET));
      expect(relevance(delivery.event, JSON.parse(delivery.body.toString('utf8')), { id: 4242 })).toMatchObject({ relevant: false });
    }
  });
});

describe('skipped events, each server in its own process', () => {
  it('Flowgate as npm start runs it answers every delivery 2xx, skips each one, and asks GitHub nothing, not even its identity', async () => {
    const measurement = await measureSkipped('flowgate', github, skippedDeliveries(BENCH_SECRET), TINY);
    expect(measurement.measured.statuses).toEqual({ 200: 12 });
    expect(measurement.warmup.statuses).toEqual({ 200: 4 });
    expect(measurement.events).toEqual({ skipped: 16, handled: 0, failed: 0 });
    expect(measurement.githubRequests).toEqual([]);
    expect(measurement.measured.latenciesMs).toHaveLength(12);
    expect(problems(measurement)).toEqual([]);
  }, 60_000);

  it('the bare Probot app answers every delivery 2xx and asks GitHub nothing', async () => {
    const measurement = await measureSkipped('probot', github, skippedDeliveries(BENCH_SECRET), TINY);
    expect(answered2xx(measurement.measured)).toBe(12);
    expect(measurement.measured.failures).toBe(0);
    expect(measurement.events).toBeUndefined();
    expect(measurement.githubRequests).toEqual([]);
  }, 60_000);

  it('a measurement fails, naming the statuses, when deliveries are refused (signed with another secret)', async () => {
    await expect(measureSkipped('flowgate', github, skippedDeliveries('not-the-secret'), { ...TINY, warmup: 1, count: 2 })).rejects.toThrow(/0 of 1 deliveries answered 2xx \(statuses \{"400":1\}/);
  }, 60_000);

  it('a server that dies makes the measurement fail at once, saying how it ended, instead of running to the time bound', async () => {
    const measuring = measureSkipped('flowgate', github, skippedDeliveries(BENCH_SECRET), { ...TINY, count: 100_000, maxMs: 60_000, onStarted: (server) => process.kill(server.pid, 'SIGKILL') });
    await expect(measuring).rejects.toThrow(/warm-up: 0 of \d+ deliveries answered 2xx[^]*the server process ended \(SIGKILL\)/);
  }, 60_000);

  it('a measurement where Flowgate handled an event or asked GitHub anything, even its identity, is reported, not counted', () => {
    const result = { sent: 2, statuses: { 200: 2 }, errors: [], failures: 0, latenciesMs: [1, 2], seconds: 1 };
    const measurement: SkippedMeasurement = { kind: 'flowgate', warmup: result, measured: result, idle: undefined, after: undefined, cpuMs: undefined, events: { skipped: 3, handled: 1, failed: 0 }, githubRequests: ['GET /api/v3/app', 'POST /api/v3/graphql'] };
    expect(problems(measurement)).toEqual([
      'Flowgate counted {"skipped":3,"handled":1,"failed":0} of 4 deliveries, expected all skipped',
      'skipped events made requests to GitHub: GET /api/v3/app, POST /api/v3/graphql',
    ]);
    expect(problems({ ...measurement, events: { skipped: 4, handled: 0, failed: 0 }, githubRequests: ['GET /api/v3/app'] })).toEqual(['skipped events made requests to GitHub: GET /api/v3/app']);
    expect(problems({ ...measurement, measured: { ...result, statuses: { 200: 1, 502: 1 } }, events: { skipped: 4, handled: 0, failed: 0 }, githubRequests: [] })).toEqual([
      'measured: 1 of 2 deliveries answered 2xx (statuses {"200":1,"502":1}, 0 unanswered: )',
    ]);
  });

  it('quantiles are nearest-rank', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile(Array.from({ length: 100 }, (_, index) => index + 1), 0.99)).toBe(99);
    expect(quantile([], 0.99)).toBeNaN();
  });
});

describe('relevant events against the sandbox', () => {
  it('the real app answers each event 2xx, the run succeeds, every event reads, and a label flows do not read writes nothing', async () => {
    const { costs, conclusions } = await relevantEventCosts(1);
    expect(conclusions).toEqual(['success']);
    expect(costs.map((cost) => cost.event)).toHaveLength(5);
    for (const cost of costs) {
      expect(cost.statuses.length).toBeGreaterThan(0);
      expect(cost.statuses.every((status) => status === 200)).toBe(true);
      expect(cost.reads[0]).toBeGreaterThan(0);
    }
    expect(costs.find((cost) => cost.event.startsWith('a label'))!.writes).toEqual([0]);
    expect(costs.find((cost) => cost.event.startsWith('/approve'))!.writes[0]).toBeGreaterThan(0);
  }, 60_000);
});
