/**
 * The proof's scenarios: the real app against the sandbox, under faults,
 * kills, duplicates, races, replicas and fuzz. Each returns a tally judged by
 * the sandbox's ground truth (src/sandbox/invariants.ts). Sizes are parameters,
 * so `npm run proof` and the fast test run the same code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { validateFlowText } from '../src/flow/validate.js';
import { killAt, startChildApp, type ChildApp } from '../src/sandbox/app-child.js';
import { isWrite, seededRandom } from '../src/sandbox/faults.js';
import { addTally, emptyTally, judgePull, type Expected, type Gate, type Tally } from '../src/sandbox/invariants.js';
import type { Delivery, Sandbox } from '../src/sandbox/sandbox.js';
import { Sandbox as SandboxClass } from '../src/sandbox/sandbox.js';
import { startAppOnSandbox } from '../src/sandbox/with-app.js';

export interface Sizes {
  /** PRs per scenario. */
  pulls: number;
  /** Duplicate deliveries go up to this many copies (2..). */
  copiesMax: number;
  /** SIGKILL points per approval, at most (each before and after the write). */
  killPoints: number;
  /** Fuzzed inputs of each kind. */
  fuzz: number;
  seed: number;
}

export interface ScenarioResult {
  name: string;
  tally: Tally;
  injected: number;
  skipped?: string;
}

export interface Scenario {
  name: string;
  what: string;
  run(sizes: Sizes): Promise<ScenarioResult>;
}

export const FLOW = `name: gate
on: { pull_request: {} }
steps:
  - id: review
    approval:
      from: { teams: [acme/managers] }
    on_approve: ship
  - id: ship
    actions:
      - comment: "Approved by {{decision.actor}}."
      - label: [approved]
      - merge: {}
`;
export const GATE: Gate = { approvers: ['mia', 'max'], count: 1, checkName: 'Flowgate: gate' };
const TWO = FLOW.replace('      from: { teams: [acme/managers] }', '      from: { teams: [acme/managers] }\n      count: 2');
const GATE_TWO: Gate = { ...GATE, count: 2 };

type Source = 'comment' | 'review' | 'label' | 'button';
const SOURCES: Source[] = ['comment', 'review', 'label', 'button'];

/** The app's process-level failures while a scenario runs (unhandled rejections, uncaught exceptions). */
export const processFaults = { count: 0 };

let repoCount = 0;
function newRepo(sandbox: Sandbox, flow = FLOW): string {
  repoCount += 1;
  const name = `acme/proof-${repoCount}`;
  sandbox.createRepo(name, { '.github/flows/gate.yml': flow, 'src/x.ts': 'export const x = 1;\n' }, { teams: { 'acme/managers': ['mia', 'max'] }, permissions: { mia: 'write', max: 'write' } });
  return name;
}

async function open(sandbox: Sandbox, repo: string, index: number): Promise<number> {
  const pull = await sandbox.openPullRequest(repo, { author: 'dev', title: `Change ${index}`, branch: `dev/${index}`, changes: { 'src/x.ts': `export const x = ${index + 2};\n` } });
  return pull.number;
}

/** A decision by `who`, from `source`; a button needs the app's check run on the head, else it is a comment. */
async function decide(sandbox: Sandbox, repo: string, number: number, who: string, source: Source, verdict: 'approve' | 'decline' = 'approve'): Promise<void> {
  const pull = sandbox.pullRequest(repo, number);
  if (source === 'review') return sandbox.review(repo, number, who, verdict === 'approve' ? 'approved' : 'changes_requested');
  if (source === 'label') return sandbox.label(repo, number, who, `flowgate:${verdict}`);
  const run = source === 'button' ? sandbox.checkRunsFor(pull.headSha).find((candidate) => candidate.app_id === sandbox.appId && candidate.status !== 'completed') : undefined;
  if (run) return sandbox.clickButton(repo, run.id, who, verdict);
  return sandbox.comment(repo, number, who, `/${verdict}`);
}

/**
 * After the faults stop: one sweep, then each webhook whose latest attempt
 * failed is redelivered once (what GitHub's Redeliver, or a sweep that reads
 * the delivery log, does). Nothing else is done for the app.
 */
export async function recover(sandbox: Sandbox, sweep: () => Promise<unknown>): Promise<void> {
  sandbox.faults.clear();
  await sweep().catch(() => undefined);
  await sandbox.settle();
  const latest = new Map<string, Delivery>();
  for (const delivery of sandbox.deliveries) latest.set(delivery.id, delivery);
  for (const delivery of latest.values()) if (delivery.outcome !== 'OK') await sandbox.redeliver(delivery);
}

function judgeAll(sandbox: Sandbox, pulls: { repo: string; number: number; gate?: Gate; expected?: Expected }[]): Tally {
  const tally = emptyTally();
  for (const { repo, number, gate, expected } of pulls) addTally(tally, judgePull(sandbox, repo, number, gate ?? GATE, expected));
  return tally;
}

/** Runs `work` with the in-process app, counting the process's unhandled failures as crashes. */
async function inProcess(seed: number, work: (sandbox: Sandbox, sweep: () => Promise<unknown>, appUrl: string) => Promise<Tally>): Promise<{ tally: Tally; injected: number }> {
  const before = processFaults.count;
  const running = await startAppOnSandbox({ seed });
  // The app's log would bury the table; its failures show in the figures.
  running.probot.log.level = 'silent';
  try {
    const tally = await work(running.sandbox, () => running.sweep(), running.appUrl);
    tally.crashes += processFaults.count - before;
    return { tally, injected: running.sandbox.faults.injected.length };
  } finally {
    await running.stop();
  }
}

// ------------------------------------------------------------------ 5xx and timeouts

export const faultScenario: Scenario = {
  name: '5xx and timeouts',
  what: 'About 10% of all requests fail: a 500 or an answer that never comes (held until the cap, then cut), each before or after GitHub applies the request (2.5% each). Each PR gets one approval (comment, review, label or button in turn). Then the faults stop and the app gets one sweep and a redelivery of each failed webhook.',
  async run(sizes) {
    const { tally, injected } = await inProcess(sizes.seed, async (sandbox, sweep) => {
      sandbox.faults.timeoutCapMs = 1_000;
      for (const fault of ['error-before', 'error-after', 'timeout-before', 'timeout-after'] as const) sandbox.faults.add({ match: 'any', fault, probability: 0.025 });
      const repo = newRepo(sandbox);
      const pulls: { repo: string; number: number }[] = [];
      for (let index = 0; index < sizes.pulls; index += 1) {
        const number = await open(sandbox, repo, index);
        await decide(sandbox, repo, number, index % 2 ? 'max' : 'mia', SOURCES[index % SOURCES.length]!);
        pulls.push({ repo, number });
      }
      await recover(sandbox, sweep);
      return judgeAll(sandbox, pulls);
    });
    return { name: this.name, tally, injected };
  },
};

export const rateLimitScenario: Scenario = {
  name: 'secondary rate limits',
  what: "About 10% of all requests get GitHub's secondary-rate-limit answer (403, `retry-after: 1`, nothing applied). One approval per PR; then one sweep and a redelivery of each failed webhook.",
  async run(sizes) {
    const { tally, injected } = await inProcess(sizes.seed + 1, async (sandbox, sweep) => {
      sandbox.faults.add({ match: 'any', fault: 'rate-limit', probability: 0.1 });
      const repo = newRepo(sandbox);
      const pulls: { repo: string; number: number }[] = [];
      for (let index = 0; index < sizes.pulls; index += 1) {
        const number = await open(sandbox, repo, index);
        await decide(sandbox, repo, number, 'mia', SOURCES[index % SOURCES.length]!);
        pulls.push({ repo, number });
      }
      await recover(sandbox, sweep);
      return judgeAll(sandbox, pulls);
    });
    return { name: this.name, tally, injected };
  },
};

// ------------------------------------------------------------------ SIGKILL

export const killScenario: Scenario = {
  name: 'SIGKILL mid-approval',
  what: "The app runs in a child process. For each write the app makes while handling an approval (the approval's comment, label, merge, the check run, the sticky comment …), the process is SIGKILLed just before GitHub applies that write, and again just after; then it restarts and gets one sweep and a redelivery of the failed webhook.",
  async run(sizes) {
    const sandbox = new SandboxClass({ seed: sizes.seed + 2, webhookSecret: 'proof-secret' });
    await sandbox.start();
    let app: ChildApp | undefined = await startChildApp(sandbox);
    const tally = emptyTally();
    try {
      // A probe: which writes does one approval make?
      const probeRepo = newRepo(sandbox);
      const probe = await open(sandbox, probeRepo, 0);
      const from = sandbox.requests.length;
      await decide(sandbox, probeRepo, probe, 'mia', 'comment');
      const writes = sandbox.requests
        .slice(from)
        .filter((request) => isWrite({ method: request.split(' ')[0]!, path: request.split(' ')[1]! }))
        .map((request) => request.replace(/\/repos\/[^/]+\/[^/]+/, '').replace(/\/\d+/g, '/{n}'));
      const points = Math.min(writes.length, sizes.killPoints);
      const repo = newRepo(sandbox);
      let index = 0;
      for (let point = 1; point <= points; point += 1) {
        for (const when of ['before', 'after'] as const) {
          index += 1;
          const number = await open(sandbox, repo, index);
          sandbox.faults.add(killAt(() => app, point, when));
          await decide(sandbox, repo, number, 'mia', 'comment');
          sandbox.faults.clear();
          // The kill came from the sandbox's request handler; the delivery may have failed before the process was gone.
          if (app.killRequested) await app.kill();
          if (!app.exited) tally.notes.push(`${repo}#${number}: write ${point} (${writes[point - 1]}) never came; not killed`);
          if (app.crashed) tally.crashes += 1;
          if (app.exited) app = await startChildApp(sandbox);
          const current = app;
          await recover(sandbox, () => current.sweep());
          const judged = judgePull(sandbox, repo, number, GATE);
          judged.notes = judged.notes.map((note) => `${note} [killed ${when} write ${point}: ${writes[point - 1]}]`);
          addTally(tally, judged);
        }
      }
      if (app.crashed) tally.crashes += 1;
      return { name: this.name, tally, injected: sandbox.faults.injected.length };
    } finally {
      await app?.kill();
      await sandbox.stop();
    }
  },
};

// ------------------------------------------------------------------ duplicates

/** The `opened` webhook of PR `number` (the last PR opened in the scenario's repository). */
function openedOf(sandbox: Sandbox, number: number): Delivery {
  return sandbox.deliveries.findLast((delivery) => delivery.name === 'pull_request' && delivery.payload.action === 'opened' && delivery.payload.number === number)!;
}

export const duplicateScenario: Scenario = {
  name: 'duplicate deliveries',
  what: 'For 2 to 5 copies: the approval webhook delivered that many times in sequence, and (another PR) that many times at once; the `opened` webhook redelivered as often after the run finished (merged, and declined on a PR that stays open), in sequence and at once.',
  async run(sizes) {
    const { tally, injected } = await inProcess(sizes.seed + 3, async (sandbox, sweep) => {
      const repo = newRepo(sandbox);
      const pulls: { repo: string; number: number }[] = [];
      let index = 0;
      for (let copies = 2; copies <= sizes.copiesMax; copies += 1) {
        for (let round = 0; round < Math.max(1, Math.floor(sizes.pulls / 8)); round += 1) {
          index += 1;
          const inSequence = await open(sandbox, repo, index);
          const opened = openedOf(sandbox, inSequence);
          await decide(sandbox, repo, inSequence, 'mia', SOURCES[index % SOURCES.length]!);
          const approval = sandbox.deliveries.findLast((delivery) => (delivery.payload.sender as { login?: string } | undefined)?.login === 'mia')!;
          for (let copy = 1; copy < copies; copy += 1) await sandbox.redeliver(approval);
          for (let copy = 1; copy < copies; copy += 1) await sandbox.redeliver(opened);
          pulls.push({ repo, number: inSequence });

          index += 1;
          const atOnce = await open(sandbox, repo, index);
          const openedToo = openedOf(sandbox, atOnce);
          sandbox.deliveryCopies = copies;
          await decide(sandbox, repo, atOnce, 'mia', SOURCES[index % SOURCES.length]!);
          sandbox.deliveryCopies = 1;
          await sandbox.redeliverAtOnce(openedToo, copies);
          pulls.push({ repo, number: atOnce });

          // A finished run on an open PR: declined, then its `opened` again, in sequence and at once.
          index += 1;
          const declined = await open(sandbox, repo, index);
          const openedDeclined = openedOf(sandbox, declined);
          await decide(sandbox, repo, declined, 'max', 'comment', 'decline');
          for (let copy = 1; copy < copies; copy += 1) await sandbox.redeliver(openedDeclined);
          await sandbox.redeliverAtOnce(openedDeclined, copies);
          pulls.push({ repo, number: declined });
        }
      }
      await recover(sandbox, sweep);
      return judgeAll(sandbox, pulls);
    });
    return { name: this.name, tally, injected };
  },
};

// ------------------------------------------------------------------ races

export const raceScenario: Scenario = {
  name: 'approval racing a push',
  what: "A comment, label or button approval on commit A while the author pushes B: the push lands after the decision, while the app handles it (at the app's first request). And a push the app never hears of: with `count: 2`, mia approves A, B's webhook is lost, max approves B. Then one sweep and a redelivery of each failed webhook. The correct outcome is no merge: B holds at most one approval.",
  async run(sizes) {
    const { tally, injected } = await inProcess(sizes.seed + 4, async (sandbox, sweep) => {
      const repo = newRepo(sandbox);
      const two = newRepo(sandbox, TWO);
      const pulls: { repo: string; number: number; gate?: Gate }[] = [];
      const racing: Source[] = ['comment', 'label', 'button'];
      let index = 0;
      for (let round = 0; round < Math.max(1, Math.ceil(sizes.pulls / 4)); round += 1) {
        for (const source of racing) {
          index += 1;
          const number = await open(sandbox, repo, index);
          sandbox.faults.add({ match: { method: 'POST', path: /^\/graphql$/ }, nth: 1, before: async () => void (await sandbox.push(repo, number, 'dev', { 'src/x.ts': `export const x = -${index};\n` })), label: `push while the app handles a ${source} approval` });
          await decide(sandbox, repo, number, 'mia', source);
          sandbox.faults.clear();
          pulls.push({ repo, number });
        }
        index += 1;
        const number = await open(sandbox, two, index);
        await decide(sandbox, two, number, 'mia', 'comment');
        sandbox.faults.loseDeliveries((delivery) => delivery.name === 'pull_request' && delivery.payload.action === 'synchronize');
        await sandbox.push(two, number, 'dev', { 'src/x.ts': `export const x = -${index};\n` });
        await decide(sandbox, two, number, 'max', 'comment');
        pulls.push({ repo: two, number, gate: GATE_TWO });
      }
      await recover(sandbox, sweep);
      return judgeAll(sandbox, pulls);
    });
    return { name: this.name, tally, injected };
  },
};

// ------------------------------------------------------------------ replicas

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const REDIS_SERVER = '/usr/bin/redis-server';

async function startRedis(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  if (!existsSync(REDIS_SERVER)) return undefined;
  const port = await freePort();
  const child: ChildProcess = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start in 10 s')), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (/Ready to accept connections/.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    },
  };
}

export const replicaScenario: Scenario = {
  name: 'two replicas with Redis',
  what: "Two app processes share a redis-server on loopback (REDIS_URL); every webhook goes to both at the same moment. One approval per PR, from each source in turn; on a sixth of the PRs GitHub is slow (the approval's first write takes 9 s, longer than the other replica waits for the per-PR lock). Then one sweep and a redelivery of each failed webhook.",
  async run(sizes) {
    const redis = await startRedis().catch((error: Error) => ({ error }));
    if (!redis || 'error' in redis) {
      return { name: this.name, tally: emptyTally(), injected: 0, skipped: redis ? `redis-server did not start: ${redis.error.message}` : `skipped: ${REDIS_SERVER} is absent (apt-get install redis-server)` };
    }
    const sandbox = new SandboxClass({ seed: sizes.seed + 5, webhookSecret: 'proof-secret' });
    await sandbox.start();
    const apps: ChildApp[] = [];
    try {
      apps.push(await startChildApp(sandbox, { redisUrl: redis.url }));
      apps.push(await startChildApp(sandbox, { redisUrl: redis.url, receiveWebhooks: false }));
      sandbox.mirrorUrls = [apps[1]!.webhookUrl];
      const repo = newRepo(sandbox);
      const pulls: { repo: string; number: number }[] = [];
      for (let index = 0; index < sizes.pulls; index += 1) {
        const number = await open(sandbox, repo, index);
        await decide(sandbox, repo, number, 'mia', SOURCES[index % SOURCES.length]!);
        pulls.push({ repo, number });
      }
      // A slow GitHub: the approval's first write takes 9 s, longer than the other replica waits for the per-PR lock.
      for (let index = 0; index < Math.max(1, Math.floor(sizes.pulls / 6)); index += 1) {
        const number = await open(sandbox, repo, sizes.pulls + index);
        sandbox.faults.add({ match: 'write', nth: 1, before: () => new Promise((resolve) => setTimeout(resolve, 9_000)), label: 'a 9 s answer' });
        await decide(sandbox, repo, number, 'mia', 'comment');
        sandbox.faults.clear();
        pulls.push({ repo, number });
      }
      // Let the mirror's replica finish what it started before judging.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      sandbox.mirrorUrls = [];
      await recover(sandbox, () => apps[0]!.sweep());
      const tally = judgeAll(sandbox, pulls);
      tally.crashes += apps.filter((app) => app.crashed).length;
      return { name: this.name, tally, injected: sandbox.faults.injected.length };
    } finally {
      for (const app of apps) await app.kill();
      await sandbox.stop();
      await redis.stop();
    }
  },
};

// ------------------------------------------------------------------ fuzz

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A copy of `value` with one seeded mutation: a field removed, retyped, emptied or made huge. */
export function mutate(value: Json, random: () => number): Json {
  return mutation(value, random).value;
}

/** The mutated copy, and what was done to it. */
export function mutation(value: Json, random: () => number): { value: Json; what: string } {
  const copy = structuredClone(value);
  const paths: (string | number)[][] = [];
  const walk = (node: Json, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(node)) node.forEach((child, index) => walk(child, [...path, index]));
    else if (node && typeof node === 'object') for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
  };
  walk(copy, []);
  const path = paths[1 + Math.floor(random() * (paths.length - 1))] ?? [];
  const replacements: Json[] = [null, -1, 0, 1e308, '', 'x'.repeat(100_000), [], {}, true, '../../etc/passwd', '/approve', JSON.parse('{"__proto__":{"polluted":true}}') as Json, '<!-- flowgate:record AAAA -->'];
  const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string, Json>)[key as string]!, copy);
  const key = path.at(-1);
  if (key === undefined || parent === null || typeof parent !== 'object') return { value: copy, what: 'unchanged' };
  const at = path.join('.');
  if (random() < 0.3) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete (parent as Record<string, Json>)[key as string];
    return { value: copy, what: `${at} removed` };
  }
  const replacement = replacements[Math.floor(random() * replacements.length)]!;
  (parent as Record<string, Json>)[key as string] = replacement;
  return { value: copy, what: `${at} = ${JSON.stringify(replacement).slice(0, 40)}` };
}

function mutateFlow(text: string, random: () => number): string {
  const lines = text.split('\n');
  const pick = () => Math.floor(random() * lines.length);
  const pool = ['-1', 'null', '[]', '{}', '~', '"x"', '*anchor', '&anchor x', '!!binary AAAA', '9999999999999999999999', `"${'y'.repeat(5000)}"`, '{ teams: [] }', 'all', '0', '"{{ pr.title }}"'];
  for (let count = 1 + Math.floor(random() * 3); count > 0; count -= 1) {
    const at = pick();
    const choice = random();
    if (choice < 0.25) lines.splice(at, 1);
    else if (choice < 0.45) lines.splice(at, 0, lines[pick()]!);
    else if (choice < 0.7) lines[at] = (lines[at] ?? '').replace(/:\s.*$/, `: ${pool[Math.floor(random() * pool.length)]}`);
    else if (choice < 0.85) lines[at] = ` ${lines[at] ?? ''}`;
    else lines[at] = (lines[at] ?? '').replace(/\w+/, pool[Math.floor(random() * pool.length)]!);
  }
  return lines.join('\n');
}

export const fuzzScenario: Scenario = {
  name: 'fuzzed inputs',
  what: 'Seeded mutations (a field removed, retyped, emptied, made huge, a command or a forged record planted) of real webhooks sent signed to the app; random and mutated bodies to the callback route; mutated flow files on the default branch, each with a PR and an approval. A crash is a 5xx answer or an unhandled error; a correct run is one answered without a crash, where nothing merged that an invalid flow governs, and no fuzzed webhook merged the watched PR.',
  async run(sizes) {
    const { tally, injected } = await inProcess(sizes.seed + 6, async (sandbox, _sweep, appUrl) => {
      const random = seededRandom(sizes.seed + 6);
      const tally = emptyTally();
      const repo = newRepo(sandbox);
      const number = await open(sandbox, repo, 0);
      await sandbox.label(repo, number, 'dev', 'flowgate:approve');
      await sandbox.comment(repo, number, 'dev', '/approve');
      await sandbox.push(repo, number, 'dev', { 'src/x.ts': 'export const x = 0;\n' });
      await sandbox.review(repo, number, 'dev', 'approved');
      const run = sandbox.checkRunsFor(sandbox.pullRequest(repo, number).headSha).find((candidate) => candidate.app_id === sandbox.appId);
      if (run) await sandbox.clickButton(repo, run.id, 'dev', 'approve');
      await sandbox.dispatch(repo, 'dev', 'flowgate-callback', { token: 'v1.e30.c2ln', result: 'success' });
      const samples = sandbox.deliveries.filter((delivery) => delivery.payload.sender).map((delivery) => ({ name: delivery.name, payload: delivery.payload as Json }));
      const crashed = (status: number | undefined) => status !== undefined && status >= 500;
      for (let index = 0; index < sizes.fuzz; index += 1) {
        const sample = samples[Math.floor(random() * samples.length)]!;
        const mutated = mutation(sample.payload, random);
        const delivery = await sandbox.deliverPayload(sample.name, mutated.value as Record<string, unknown>);
        tally.runs += 1;
        if (crashed(delivery.status)) {
          tally.crashes += 1;
          tally.notes.push(`webhook ${sample.name}.${String((sample.payload as { action?: string }).action)} with ${mutated.what}: the app answered ${delivery.status}`);
        } else tally.correct += 1;
      }
      const watched = judgePull(sandbox, repo, number, GATE, 'waiting');
      tally.unapproved += watched.unapproved;
      tally.duplicated += watched.duplicated;
      tally.notes.push(...watched.notes.filter((note) => /UNAPPROVED|times|sticky|check runs/.test(note)));

      const bodies: (() => string)[] = [
        () => JSON.stringify(mutate({ token: 'v1.eyJ2IjoxfQ.c2ln', result: 'success', summary: 'ok', outputs: { a: 1 }, decision: 'approve', actor: 'mia', identity: 'x' }, random)),
        () => Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256))).toString('latin1'),
        () => JSON.stringify({ token: 'x'.repeat(Math.floor(random() * 70_000)) }),
        () => 'token=' + encodeURIComponent('v1.' + Math.floor(random() * 1e9).toString(36)) + '&decision=approve',
      ];
      for (let index = 0; index < sizes.fuzz; index += 1) {
        const kind = Math.floor(random() * bodies.length);
        const form = kind === 3;
        const answer = await fetch(`${appUrl}/flowgate/callback${random() < 0.3 ? '?token=v1.abc&decision=approve' : ''}`, { method: 'POST', headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }, body: bodies[kind]!() }).catch(() => undefined);
        tally.runs += 1;
        if (!answer || crashed(answer.status)) {
          tally.crashes += 1;
          tally.notes.push(`callback: ${answer ? `answered ${answer.status}` : 'connection dropped'}`);
        } else tally.correct += 1;
        await answer?.arrayBuffer().catch(() => undefined);
      }

      let silentInvalid = 0;
      for (let index = 0; index < Math.max(1, Math.floor(sizes.fuzz / 4)); index += 1) {
        const text = mutateFlow(FLOW, random);
        const valid = validateFlowText(text, 'gate.yml').flow !== undefined;
        const fuzzRepo = newRepo(sandbox, text);
        const before = sandbox.deliveries.length;
        const pr = await open(sandbox, fuzzRepo, index);
        await decide(sandbox, fuzzRepo, pr, 'mia', 'comment');
        const answers = sandbox.deliveries.slice(before).map((delivery) => delivery.status);
        const pull = sandbox.pullRequest(fuzzRepo, pr);
        tally.runs += 1;
        const crash = answers.some(crashed);
        if (crash) {
          tally.crashes += 1;
          tally.notes.push(`flow ${fuzzRepo}: the app answered ${answers.join(', ')}`);
        }
        if (!valid && pull.merged) tally.notes.push(`flow ${fuzzRepo}: merged under an invalid flow`);
        if (!crash && (valid || !pull.merged)) tally.correct += 1;
        if (!valid && !sandbox.checkRunsFor(pull.headSha).some((run) => run.app_id === sandbox.appId && run.conclusion === 'failure')) silentInvalid += 1;
      }
      if (silentInvalid > 0) tally.notes.push(`(not counted) ${silentInvalid} PR(s) under an invalid live flow got no failing check: the problem went to the log only`);
      return tally;
    });
    return { name: this.name, tally, injected };
  },
};

export const SCENARIOS: Scenario[] = [faultScenario, rateLimitScenario, killScenario, duplicateScenario, raceScenario, replicaScenario, fuzzScenario];
