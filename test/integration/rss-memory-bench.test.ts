/**
 * The memory diagnostic's machinery (bench/throughput-memory.ts) at a tiny size:
 * its bare Probot variants load what they say (Flowgate's modules, Node's fetch),
 * ask GitHub what they say, and still answer every delivery; the throughput
 * bench's own baseline is none of them. Counts and outcomes only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skippedDeliveries } from '../../bench/throughput-deliveries.js';
import { answered2xx } from '../../bench/throughput-load.js';
import { BENCH_SECRET, standInGitHub, type StandInGitHub } from '../../bench/throughput-servers.js';
import { measureSkipped } from '../../bench/throughput-skipped.js';
import { moduleTrace } from '../rss-module-trace.js';

const TINY = { warmup: 2, count: 6, concurrency: 2, maxMs: 15_000 };
let github: StandInGitHub;
beforeAll(async () => {
  github = await standInGitHub();
});
afterAll(async () => {
  await github.stop();
});

const ownModules = (urls: string[]) => urls.filter((url) => /\/dist\/(app|github|flow|engine)\//.test(url));

describe('the bare Probot variants of the memory diagnostic', () => {
  it("the baseline loads none of Flowgate's modules and asks GitHub nothing", async () => {
    const trace = moduleTrace();
    const measurement = await measureSkipped('probot', github, skippedDeliveries(BENCH_SECRET), { ...TINY, nodeOptions: ['--import', trace.hook] });
    expect(answered2xx(measurement.measured)).toBe(6);
    expect(measurement.githubRequests).toEqual([]);
    expect(ownModules(trace.loaded())).toEqual([]);
  }, 60_000);

  it("`imports` loads every module dist/server.js imports, and what they import, without asking GitHub anything", async () => {
    const trace = moduleTrace();
    const measurement = await measureSkipped('probot', github, skippedDeliveries(BENCH_SECRET), { ...TINY, nodeOptions: ['--import', trace.hook], env: { FLOWGATE_BENCH_BARE: 'imports' } });
    expect(answered2xx(measurement.measured)).toBe(6);
    expect(measurement.githubRequests).toEqual([]);
    const loaded = ownModules(trace.loaded());
    for (const module of ['app/probot-app.js', 'app/http-handler.js', 'app/credentials.js', 'github/transport/octokit.js', 'github/handle.js', 'engine/evaluate.js', 'flow/validate.js']) {
      expect(loaded.some((url) => url.endsWith(`/dist/${module}`))).toBe(true);
    }
  }, 60_000);

  it('`fetch` asks GitHub its identity once, an app\'s first request, and answers every delivery', async () => {
    const measurement = await measureSkipped('probot', github, skippedDeliveries(BENCH_SECRET), { ...TINY, env: { FLOWGATE_BENCH_BARE: 'fetch' } });
    expect(answered2xx(measurement.measured)).toBe(6);
    expect(measurement.githubRequests).toEqual(['GET /api/v3/app']);
  }, 60_000);

  it('with --trace-gc, the live heap after major GCs and the old generation\'s growth are read from the server, as numbers', async () => {
    const measurement = await measureSkipped('flowgate', github, skippedDeliveries(BENCH_SECRET), { ...TINY, nodeOptions: ['--trace-gc', '--expose-gc'] });
    expect(measurement.events).toEqual({ skipped: 8, handled: 0, failed: 0 });
    expect(Array.isArray(measurement.liveAfterMajorGcs)).toBe(true);
    for (const live of measurement.liveAfterMajorGcs ?? []) expect(Number.isFinite(live) && live > 0).toBe(true);
    expect(Number.isFinite(measurement.oldGenerationGrowth) && measurement.oldGenerationGrowth! >= 0).toBe(true);
  }, 60_000);
});
