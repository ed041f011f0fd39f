/**
 * A check's annotations go 50 a request and GitHub appends each batch, so a batch
 * sent twice shows twice. These attack the writer (writeSummaryCheck, the same
 * one the release, policy and draft checks use) through the app's real transport
 * (retries, throttle, deadline) against the sandbox's fault switch: whatever
 * GitHub answers, every annotation lands exactly once, and only the last write
 * completes the check.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubClient, RepoRef } from '../../src/github/client.js';
import { summaryOf, writeSummaryCheck, type FoundSummary } from '../../src/github/history/summary-check.js';
import { flowgateOctokit } from '../../src/github/transport/octokit.js';
import { timedFetch } from '../../src/github/transport/timeout.js';
import type { Problem } from '../../src/flow/problem.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import type { FaultKind } from '../../src/sandbox/faults.js';

const REPO = 'acme/widgets';
const repo: RepoRef = { owner: 'acme', name: 'widgets' };
let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

const problem = (index: number): Problem => ({ code: 'unknown-step', severity: 'error', file: `.github/flows/broken-${String(index).padStart(3, '0')}.yml`, line: 4, col: 5, path: 'steps[0].nexxt', message: 'unknown key "nexxt"' });
/** 120 problems: a create with 50, then two PATCHes of 50 and 20. */
const OUTPUT = summaryOf([], { ref: 'main', commit: 'c0ffee0', problems: Array.from({ length: 120 }, (_, index) => problem(index)) });
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** The sandbox, a PR head to write on, and the app's Octokit (throttled: it waits out a rate limit as against GitHub). */
async function setUp(timeoutMs = 5_000) {
  sandbox = new Sandbox({ seed: 11 });
  await sandbox.start();
  sandbox.faults.timeoutCapMs = 1_000;
  sandbox.faults.retryAfterSeconds = 1;
  sandbox.createRepo(REPO, { 'a.ts': '1\n' });
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change', branch: 'b', changes: { 'a.ts': '2\n' } });
  const Octokit = flowgateOctokit({ throttle: true, secondMs: 1 });
  const gh = new Octokit({ auth: { token: 'ghs_sandbox' }, baseUrl: sandbox.url, log: quiet, request: { fetch: timedFetch(timeoutMs) } }) as unknown as GitHubClient;
  return { sandbox, gh, head: pr.headSha };
}

const summaryOn = (box: Sandbox, sha: string) => box.checkRunsFor(sha).filter((run) => run.name === 'Flowgate');
/** The check as the next event reads it back (id and text). */
const foundOn = (box: Sandbox, sha: string): FoundSummary | undefined => {
  const [run] = summaryOn(box, sha);
  return run ? { id: run.id, text: run.output.text } : undefined;
};
const pathsOn = (box: Sandbox, sha: string) => (summaryOn(box, sha)[0]?.annotations ?? []).map((annotation) => annotation.path);
const isBatch = (request: { method: string; path: string; body: Record<string, unknown> }) => request.method === 'PATCH' && /\/check-runs\/\d+$/.test(request.path);

describe('the check writer, when GitHub answers a batch of annotations badly', () => {
  it.each<FaultKind>(['error-after', 'error-before', 'timeout-after', 'timeout-before'])(
    'a batch answered %s is not sent again blindly: the write fails, the check stays in progress, and the next write finishes it with every annotation exactly once',
    async (fault) => {
      const { sandbox, gh, head } = await setUp(300);
      sandbox.faults.add({ match: isBatch, fault, nth: 1 });
      await expect(writeSummaryCheck(gh, repo, head, OUTPUT, undefined, 0)).rejects.toThrow();
      const applied = fault.endsWith('-after');
      expect(summaryOn(sandbox, head)).toMatchObject([{ status: 'in_progress' }]);
      expect(pathsOn(sandbox, head)).toHaveLength(applied ? 100 : 50);
      // The redelivered event reads the check back and resumes after what landed.
      const written = await writeSummaryCheck(gh, repo, head, OUTPUT, foundOn(sandbox, head), 0);
      expect(written.requests).toBe(applied ? 1 : 2);
      const paths = pathsOn(sandbox, head);
      expect(paths).toHaveLength(120);
      expect(new Set(paths).size).toBe(120);
      expect(summaryOn(sandbox, head)).toMatchObject([{ status: 'completed', conclusion: 'failure' }]);
      // Finished, it is not written again.
      expect((await writeSummaryCheck(gh, repo, head, OUTPUT, foundOn(sandbox, head), 0)).requests).toBe(0);
    },
  );

  it('a batch refused with a secondary rate limit (403, retry-after) is sent again after the wait, once: the write succeeds with every annotation once', async () => {
    const { sandbox, gh, head } = await setUp();
    sandbox.faults.add({ match: isBatch, fault: 'rate-limit', nth: 2 });
    await writeSummaryCheck(gh, repo, head, OUTPUT, undefined, 0);
    expect(sandbox.faults.injected.filter((entry) => entry.fault === 'rate-limit')).toHaveLength(1);
    const paths = pathsOn(sandbox, head);
    expect(paths).toHaveLength(120);
    expect(new Set(paths).size).toBe(120);
    expect(summaryOn(sandbox, head)).toMatchObject([{ status: 'completed', conclusion: 'failure' }]);
  });

  it('a crash between batches leaves the check in progress, not passing or failing on half its annotations; the redelivery completes it without duplicates', async () => {
    const { sandbox, gh, head } = await setUp();
    // The process dies once the create and one batch have left: the next request never goes out.
    let writes = 0;
    const dying: GitHubClient = {
      graphql: (query, variables) => gh.graphql(query, variables),
      request: (route, params) => {
        if (!route.startsWith('GET') && (writes += 1) > 2) return Promise.reject(new Error('the process died'));
        return gh.request(route, params);
      },
    };
    await expect(writeSummaryCheck(dying, repo, head, OUTPUT, undefined, 0)).rejects.toThrow('the process died');
    expect(summaryOn(sandbox, head)).toMatchObject([{ status: 'in_progress', conclusion: null }]);
    expect(pathsOn(sandbox, head)).toHaveLength(100);
    await writeSummaryCheck(gh, repo, head, OUTPUT, foundOn(sandbox, head), 0);
    // A second redelivery of the same event changes nothing.
    await writeSummaryCheck(gh, repo, head, OUTPUT, foundOn(sandbox, head), 0);
    const paths = pathsOn(sandbox, head);
    expect(paths).toHaveLength(120);
    expect(new Set(paths).size).toBe(120);
    expect(summaryOn(sandbox, head)).toMatchObject([{ status: 'completed', conclusion: 'failure' }]);
  });

  it.each<FaultKind>(['error-after', 'timeout-after'])('a create answered %s (made, with its first 50 annotations) is not made twice: the next write goes on in it, each annotation once', async (fault) => {
    const { sandbox, gh, head } = await setUp(300);
    sandbox.faults.add({ match: (request) => request.method === 'POST' && request.path.endsWith('/check-runs'), fault, nth: 1 });
    await expect(writeSummaryCheck(gh, repo, head, OUTPUT, undefined, 0)).rejects.toThrow();
    expect(summaryOn(sandbox, head)).toMatchObject([{ status: 'in_progress' }]);
    expect(pathsOn(sandbox, head)).toHaveLength(50);
    await writeSummaryCheck(gh, repo, head, OUTPUT, foundOn(sandbox, head), 0);
    expect(summaryOn(sandbox, head)).toHaveLength(1);
    const paths = pathsOn(sandbox, head);
    expect(paths).toHaveLength(120);
    expect(new Set(paths).size).toBe(120);
  });
});
