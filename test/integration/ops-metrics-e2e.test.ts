/**
 * GET /metrics on the real app, scraped after real events on the sandbox: the
 * counts are the requests the sandbox saw, the events it delivered, the effects
 * and runs as GitHub shows them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startAppOnSandbox, type AppOnSandbox } from '../../src/sandbox/with-app.js';
import { GATE_FLOW } from '../helpers.js';

const running: AppOnSandbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop()));
});
const REPO = 'acme/widgets';

async function setUp() {
  const app = await startAppOnSandbox();
  running.push(app);
  const { sandbox } = app;
  sandbox.createRepo(REPO, { '.github/flows/gate.yml': GATE_FLOW, 'billing/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia'] }, permissions: { mia: 'write' } });
  const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'Change billing', branch: 'dev/billing', changes: { 'billing/x.ts': 'export const x = 2;\n' } });
  return { app, sandbox, pr };
}

/** The app's flowgate_* samples, as `name{labels}` -> value. */
async function scrape(app: AppOnSandbox): Promise<Record<string, number>> {
  const response = await fetch(`${app.appUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples: Record<string, number> = {};
  for (const line of (await response.text()).split('\n')) {
    const match = /^((?:flowgate_|process_cpu_seconds_total|nodejs_heap_size_used_bytes)[a-z_]*(?:\{.*\})?) (\S+)$/.exec(line);
    if (match) samples[match[1]!] = Number(match[2]);
  }
  return samples;
}

const only = (samples: Record<string, number>, prefix: string) => Object.fromEntries(Object.entries(samples).filter(([key]) => key.startsWith(prefix)));

describe('GET /metrics after real events', () => {
  it('counts a PR from open to merge: events handled and skipped by reason, requests by kind and status class, the merge applied, the run started and succeeded', async () => {
    const { app, sandbox, pr } = await setUp();
    await sandbox.comment(REPO, pr.number, 'mia', 'Looks fine so far.');
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
    const samples = await scrape(app);
    expect(only(samples, 'flowgate_events_')).toEqual({
      // opened, and closed by the merge
      'flowgate_events_handled_total{event="pull_request"}': 2,
      'flowgate_events_handled_total{event="pull_request_review"}': 1,
      // mia's comment without a command, and the app's own sticky comment
      'flowgate_events_skipped_total{event="issue_comment",reason="cannot_change_a_run"}': 2,
    });
    const requests = only(samples, 'flowgate_github_requests_total');
    expect(requests).toEqual({
      // The installation token, once: it is cached for the rest.
      'flowgate_github_requests_total{kind="POST /app/installations/{installation_id}/access_tokens",status="2xx"}': 1,
      // Opened: two reads (the repository's first event: the people its flows need, after); approved: one; closed: one
      // (as the README's request counts say).
      'flowgate_github_requests_total{kind="graphql",status="2xx"}': 4,
      'flowgate_github_requests_total{kind="POST /repos/{owner}/{repo}/check-runs",status="2xx"}': 2,
      'flowgate_github_requests_total{kind="POST /repos/{owner}/{repo}/issues/{issue_number}/comments",status="2xx"}': 1,
      'flowgate_github_requests_total{kind="PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",status="2xx"}': 2,
      'flowgate_github_requests_total{kind="PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge",status="2xx"}': 1,
      'flowgate_github_requests_total{kind="PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",status="2xx"}': 1,
    });
    // Every request the sandbox saw is counted once (the sandbox leaves out the token route).
    const counted = Object.entries(requests).filter(([key]) => !key.includes('access_tokens')).reduce((sum, [, value]) => sum + value, 0);
    expect(counted).toBe(sandbox.requests.length);
    expect(only(samples, 'flowgate_effects_total')).toEqual({ 'flowgate_effects_total{type="merge",outcome="applied"}': 1 });
    expect(only(samples, 'flowgate_run_transitions_total')).toEqual({
      'flowgate_run_transitions_total{status="waiting"}': 1,
      'flowgate_run_transitions_total{status="succeeded"}': 1,
    });
    // Node's own process metrics are there too.
    expect(samples.process_cpu_seconds_total).toBeGreaterThan(0);
    expect(samples.nodejs_heap_size_used_bytes).toBeGreaterThan(0);
  });

  it('a merge GitHub answers with 500 counts as a 5xx request, a pending effect and a failed event; the redelivery applies it once and counts the run once', async () => {
    const { app, sandbox, pr } = await setUp();
    sandbox.faults.add({ match: { method: 'PUT', path: /\/merge$/ }, fault: 'error-before', times: 1 });
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(false);
    const review = sandbox.deliveries.find((delivery) => delivery.name === 'pull_request_review')!;
    expect(review.status).toBe(500);
    let samples = await scrape(app);
    expect(samples['flowgate_github_requests_total{kind="PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge",status="5xx"}']).toBe(1);
    expect(only(samples, 'flowgate_effects_total')).toEqual({ 'flowgate_effects_total{type="merge",outcome="pending"}': 1 });
    expect(samples['flowgate_events_failed_total{event="pull_request_review"}']).toBe(1);
    expect(samples['flowgate_events_handled_total{event="pull_request_review"}']).toBeUndefined();
    // The run passed its gate: it left waiting, though its merge is still to be applied.
    expect(samples['flowgate_run_transitions_total{status="succeeded"}']).toBe(1);

    await sandbox.redeliver(review);
    expect(sandbox.pullRequest(REPO, pr.number).merged).toBe(true);
    samples = await scrape(app);
    expect(samples['flowgate_github_requests_total{kind="PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge",status="2xx"}']).toBe(1);
    expect(only(samples, 'flowgate_effects_total')).toEqual({
      'flowgate_effects_total{type="merge",outcome="pending"}': 1,
      'flowgate_effects_total{type="merge",outcome="applied"}': 1,
    });
    expect(samples['flowgate_events_handled_total{event="pull_request_review"}']).toBe(1);
    // Counted when it happened, not again on the redelivery.
    expect(samples['flowgate_run_transitions_total{status="succeeded"}']).toBe(1);
  });

  it('an effect GitHub already shows counts as already_done, not applied: a comment found by its key is not posted again', async () => {
    const app = await startAppOnSandbox();
    running.push(app);
    const { sandbox } = app;
    const flow = GATE_FLOW.replace('      - merge: {}', '      - comment: "Approved."');
    sandbox.createRepo(REPO, { '.github/flows/gate.yml': flow }, { teams: { 'acme/managers': ['mia'] } });
    const pr = await sandbox.openPullRequest(REPO, { author: 'dev', title: 'x', branch: 'dev/x', changes: { 'x.ts': '1\n' } });
    // The comment is posted, but its answer is lost: the next event finds it by its hidden key.
    sandbox.faults.add({ match: { method: 'POST', path: /\/issues\/\d+\/comments$/ }, fault: 'error-after', times: 1 });
    await sandbox.review(REPO, pr.number, 'mia', 'approved');
    await sandbox.redeliver(sandbox.deliveries.find((delivery) => delivery.name === 'pull_request_review')!);
    const samples = await scrape(app);
    expect(only(samples, 'flowgate_effects_total')).toEqual({
      'flowgate_effects_total{type="comment",outcome="pending"}': 1,
      'flowgate_effects_total{type="comment",outcome="already_done"}': 1,
    });
    expect(sandbox.pullRequest(REPO, pr.number).comments.filter((comment) => comment.body.includes('Approved.'))).toHaveLength(1);
  });

  it('a refused callback counts as skipped with its status, not as handled', async () => {
    const { app } = await setUp();
    const response = await fetch(`${app.appUrl}/flowgate/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'forged', result: 'success' }) });
    expect(response.status).toBe(401);
    const samples = await scrape(app);
    expect(samples['flowgate_events_skipped_total{event="callback",reason="refused_401"}']).toBe(1);
    expect(samples['flowgate_events_handled_total{event="callback"}']).toBeUndefined();
  });

  it('each sweep is timed into the histogram, by outcome', async () => {
    const { app } = await setUp();
    await app.sweep();
    await app.sweep();
    const samples = await scrape(app);
    expect(samples['flowgate_sweep_duration_seconds_count{outcome="ok"}']).toBe(2);
    expect(samples['flowgate_sweep_duration_seconds_bucket{le="+Inf",outcome="ok"}']).toBe(2);
    // The first sweep of a process is a full pass, which lists installations; the second reads only the due index.
    expect(samples['flowgate_github_requests_total{kind="GET /app/installations",status="2xx"}']).toBe(1);
  });

  it('two apps in one process count apart: each has a registry of its own', async () => {
    const first = await setUp();
    const second = await startAppOnSandbox();
    running.push(second);
    expect((await scrape(first.app))['flowgate_events_handled_total{event="pull_request"}']).toBe(1);
    expect(only(await scrape(second), 'flowgate_events_')).toEqual({});
  });
});
