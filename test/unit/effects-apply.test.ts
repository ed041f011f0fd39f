/**
 * Effects exactly once, across redeliveries, kills and faults: every effect type
 * delivered twice, killed at every request of its application and restarted
 * from the record as it was last persisted, and answered 500 (before and after
 * GitHub applied it), a timeout, and a secondary rate limit.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Effect } from '../../src/engine/state.js';
import { applyEffects, EffectPending } from '../../src/github/effects/apply.js';
import type { Connections } from '../../src/github/effects/connections.js';
import { STICKY_MARKER } from '../../src/github/history/render.js';
import type { AppRecord } from '../../src/github/history/record.js';
import { asking, FakeGitHub, freshRecord, HEAD, Killed, NOW, pending, REPO, type Fault } from './effects-fake-github.js';

// ---------------------------------------------------------------- a connection receiver on loopback

const received: { key: string | undefined; body: unknown }[] = [];
let server: Server;
let connections: Connections;
beforeAll(async () => {
  server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      received.push({ key: request.headers['idempotency-key'] as string | undefined, body: JSON.parse(text) });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  connections = (name) => (name === 'agent' ? { url } : undefined);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received.length = 0;
});

// ---------------------------------------------------------------- one world: GitHub, and the record as last persisted

class World {
  gh = new FakeGitHub();
  stored: AppRecord = freshRecord();
  outcomes: string[] = [];

  /** One event: the record as last persisted, what GitHub shows now, the effects the engine asks for. */
  async event(effects: Effect[]): Promise<'done' | 'stopped' | 'killed'> {
    const record = structuredClone(this.stored);
    const persist = async (next: AppRecord) => {
      await this.gh.persistRecord();
      this.stored = structuredClone(next);
    };
    try {
      await applyEffects(this.gh, REPO, 7, asking(effects), record, connections, NOW, { observed: this.gh.observed(), persist });
      // The end of the event: the handler writes the check run with the record.
      await persist(record);
      return this.#note('done');
    } catch (error) {
      if (error instanceof Killed) return this.#note('killed');
      if (error instanceof EffectPending) return this.#note('stopped');
      throw error;
    }
  }

  /** Events until every effect has a result (at most `limit`). */
  async settle(effects: Effect[], limit = 4): Promise<void> {
    this.gh.killAfter = undefined;
    for (let index = 0; index < limit && !effects.every((effect) => this.result(effect.key)); index += 1) await this.event(effects);
  }

  result(key: string) {
    return this.stored.effects.find((effect) => effect.key === key);
  }

  #note<T extends string>(outcome: T): T {
    this.outcomes.push(outcome);
    return outcome;
  }
}

const commentsWith = (gh: FakeGitHub, text: string) => gh.comments.filter((comment) => comment.body.includes(text));

// ---------------------------------------------------------------- each effect type, and what "once" means for it

interface Case {
  name: string;
  effect: Effect;
  /** The effect happened exactly as often as its guarantee allows. */
  check: (world: World) => void;
}

const CASES: Case[] = [
  {
    name: 'a comment',
    effect: pending('run1:ship:1:action-0', { type: 'comment', body: 'Shipping it' }),
    check: (world) => {
      expect(commentsWith(world.gh, 'Shipping it')).toHaveLength(1);
      expect(world.result('run1:ship:1:action-0')).toMatchObject({ ok: true });
    },
  },
  {
    name: 'a notify as a comment',
    effect: pending('run1:ship:1:action-1', { type: 'notify', users: ['bob'], teams: [], message: 'ping' }),
    check: (world) => {
      expect(commentsWith(world.gh, '@bob: ping')).toHaveLength(1);
      expect(world.result('run1:ship:1:action-1')).toMatchObject({ ok: true });
    },
  },
  {
    name: 'a merge',
    effect: pending('run1:ship:1:action-2', { type: 'merge', method: 'squash', sha: HEAD }),
    check: (world) => {
      expect(world.gh.merges).toBe(1);
      expect(world.result('run1:ship:1:action-2')).toEqual({ at: expect.any(String), key: 'run1:ship:1:action-2', ok: true });
    },
  },
  {
    name: 'a close',
    effect: pending('run1:ship:1:action-3', { type: 'close' }),
    check: (world) => {
      expect(world.gh.state).toBe('CLOSED');
      expect(world.result('run1:ship:1:action-3')).toMatchObject({ ok: true });
    },
  },
  {
    name: 'a label',
    effect: pending('run1:ship:1:action-4', { type: 'label', labels: ['shipped'] }),
    check: (world) => {
      expect([...world.gh.labels]).toEqual(['shipped']);
      expect(world.result('run1:ship:1:action-4')).toMatchObject({ ok: true });
    },
  },
  {
    name: 'an unlabel',
    effect: pending('run1:ship:1:action-5', { type: 'unlabel', labels: ['wip', 'draft'] }),
    check: (world) => {
      expect([...world.gh.labels]).toEqual([]);
      expect(world.result('run1:ship:1:action-5')).toMatchObject({ ok: true });
    },
  },
  {
    name: 'a review request',
    effect: pending('run1:ship:1:action-6', { type: 'request_reviewers', users: ['mia'], teams: [] }),
    check: (world) => {
      expect(world.gh.reviewers).toEqual(['mia']);
      expect(world.result('run1:ship:1:action-6')).toMatchObject({ ok: true });
    },
  },
  {
    name: 'a connection webhook',
    effect: pending('run1:ship:1:action-7', { type: 'webhook', connection: 'agent', body: { go: true } }),
    check: (world) => {
      // At least once, and every delivery carries the same key for the receiver to drop repeats.
      expect(received.length).toBeGreaterThanOrEqual(1);
      expect(new Set(received.map((delivery) => delivery.key))).toEqual(new Set(['run1:ship:1:action-7']));
      expect(world.result('run1:ship:1:action-7')).toMatchObject({ ok: true });
    },
  },
  {
    name: 'a workflow dispatch',
    effect: pending('run1:ship:1:action-8', { type: 'dispatch_workflow', workflow: 'deploy.yml', ref: 'main', inputs: {} }),
    check: (world) => atMostOnce(world, 'run1:ship:1:action-8'),
  },
  {
    name: 'a repository dispatch',
    effect: pending('run1:ship:1:action-9', { type: 'repository_dispatch', event_type: 'go', client_payload: { pr: '7' } }),
    check: (world) => {
      atMostOnce(world, 'run1:ship:1:action-9');
      for (const dispatch of world.gh.dispatches) expect(dispatch.client_payload).toEqual({ pr: '7', flowgate_effect_key: 'run1:ship:1:action-9' });
    },
  },
];

/** Sent at most once; recorded as applied only if it was sent; otherwise failed with why. */
function atMostOnce(world: World, key: string): void {
  expect(world.gh.dispatches.length).toBeLessThanOrEqual(1);
  const result = world.result(key);
  expect(result).toBeDefined();
  if (result!.ok) expect(world.gh.dispatches).toHaveLength(1);
  else expect(result!.error).toMatch(/outcome unknown|not sent/);
}

const prepare = (world: World, effect: Effect) => {
  if (effect.type === 'unlabel') for (const label of effect.labels) world.gh.labels.add(label);
};

describe.each(CASES)('$name happens once', ({ effect, check }) => {
  it('when its event is delivered twice', async () => {
    const world = new World();
    prepare(world, effect);
    expect(await world.event([effect])).toBe('done');
    expect(await world.event([effect])).toBe('done');
    check(world);
  });

  it('when the record written at the end of the event is lost, and the next event sees only GitHub', async () => {
    const world = new World();
    prepare(world, effect);
    const record = freshRecord();
    await applyEffects(world.gh, REPO, 7, asking([effect]), record, connections, NOW, { observed: world.gh.observed(), persist: async (next) => void (world.stored = structuredClone(next)) });
    // The final write was lost: the next event starts from what was persisted before sending, if anything.
    await world.settle([effect]);
    if (effect.type !== 'webhook') expect(received).toHaveLength(0);
    check(world);
  });

  it('when the process is killed at any request, then restarted', async () => {
    for (let requests = 0; requests < 6; requests += 1) {
      received.length = 0;
      const world = new World();
      prepare(world, effect);
      world.gh.killAfter = requests;
      await world.event([effect]);
      await world.settle([effect]);
      check(world);
    }
  });

  for (const fault of [
    { when: 'before', kind: 500 },
    { when: 'after', kind: 500 },
    { when: 'after', kind: 'timeout' },
    { when: 'before', kind: 'rate-limit' },
  ] as const) {
    it(`when GitHub answers ${fault.kind} once, ${fault.when} applying it`, async () => {
      const world = new World();
      prepare(world, effect);
      const route = effect.type === 'merge' ? 'PUT' : effect.type === 'close' ? 'PATCH /repos/{owner}/{repo}/pulls' : effect.type === 'unlabel' ? 'DELETE' : 'POST';
      world.gh.faults.push({ route, ...fault } as Fault);
      await world.settle([effect]);
      check(world);
    });
  }
});

// ---------------------------------------------------------------- the documented outcome of each fault

describe('what a fault leaves behind', () => {
  it('a comment whose answer was lost is found by its hidden key and not posted again', async () => {
    const world = new World();
    const effect = pending('run1:gate:1:message', { type: 'comment', body: 'Please review' }, 'gate');
    world.gh.faults.push({ route: 'POST', when: 'after', kind: 500 });
    expect(await world.event([effect])).toBe('stopped');
    expect(world.result(effect.key)).toBeUndefined();
    expect(await world.event([effect])).toBe('done');
    expect(world.gh.writes().filter((route) => route.includes('/comments'))).toHaveLength(1);
    expect(world.gh.comments[0]!.body).toBe('Please review\n\n<!-- flowgate:effect run1%3Agate%3A1%3Amessage -->');
  });

  it('a merge already done at the approved commit is not sent again, and the run does not fail', async () => {
    const world = new World();
    const merge = pending('run1:ship:1:action-0', { type: 'merge', method: 'merge', sha: HEAD });
    await world.gh.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', { sha: HEAD });
    world.gh.sent.length = 0;
    expect(await world.event([merge])).toBe('done');
    expect(world.gh.sent).toEqual([{ route: 'PATCH (the record)', params: {} }]);
    expect(world.result(merge.key)).toMatchObject({ ok: true });
  });

  it('a 405 on a PR that turns out merged at the approved commit is success', async () => {
    const world = new World();
    const merge = pending('run1:ship:1:action-0', { type: 'merge', method: 'merge', sha: HEAD });
    const observed = world.gh.observed();
    // Merged by an earlier attempt after the facts were read.
    await world.gh.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', { sha: HEAD });
    const record = freshRecord();
    await applyEffects(world.gh, REPO, 7, asking([merge]), record, connections, NOW, { observed });
    expect(world.gh.merges).toBe(1);
    expect(record.effects).toEqual([{ at: expect.any(String), key: merge.key, ok: true }]);
  });

  it('a PR merged at another commit than the approved one fails the merge, with both commits named', async () => {
    const world = new World();
    world.gh.state = 'MERGED';
    world.gh.head = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3';
    const merge = pending('run1:ship:1:action-0', { type: 'merge', method: 'merge', sha: HEAD });
    await world.event([merge]);
    expect(world.result(merge.key)).toMatchObject({ ok: false, error: expect.stringMatching(/already merged at c3c3c3c.*not at the approved a1a1a1a/) });
  });

  it('a timed-out request stops the event with an error that says "timed out"; the effect stays pending', async () => {
    const world = new World();
    const label = pending('run1:ship:1:action-0', { type: 'label', labels: ['x'] });
    world.gh.faults.push({ route: 'POST', when: 'before', kind: 'timeout' });
    const record = freshRecord();
    const stopped = await applyEffects(world.gh, REPO, 7, asking([label]), record, connections, NOW, { observed: world.gh.observed() }).catch((error: unknown) => error);
    expect(stopped).toBeInstanceOf(EffectPending);
    expect((stopped as Error).message).toMatch(/timed out/);
    expect(record.effects).toEqual([]);
  });

  it('a secondary rate limit stops the event and says when to try again; nothing after it is applied', async () => {
    const world = new World();
    const effects = [pending('k1', { type: 'label', labels: ['x'] }), pending('k2', { type: 'comment', body: 'after the label' })];
    world.gh.faults.push({ route: 'POST', when: 'before', kind: 'rate-limit' });
    const stopped = await applyEffects(world.gh, REPO, 7, asking(effects), freshRecord(), connections, NOW, { observed: world.gh.observed() }).catch((error: unknown) => error);
    expect(stopped).toMatchObject({ status: 403, retryAfterSeconds: 60, key: 'k1' });
    expect(world.gh.comments).toHaveLength(0);
  });

  it('a dispatch whose outcome is unknown is not sent again, and fails closed with why', async () => {
    const world = new World();
    const dispatch = pending('run1:ship:1:action-0', { type: 'dispatch_workflow', workflow: 'deploy.yml', ref: 'main', inputs: {} });
    world.gh.faults.push({ route: 'POST', when: 'after', kind: 'timeout' });
    await world.settle([dispatch]);
    expect(world.gh.dispatches).toHaveLength(1);
    expect(world.result(dispatch.key)).toMatchObject({ ok: false, error: expect.stringMatching(/^outcome unknown: .*timed out.*not sent again/) });
  });

  it('a dispatch whose intent was persisted before a kill is recorded failed on the next event, not sent', async () => {
    const world = new World();
    const dispatch = pending('run1:ship:1:action-0', { type: 'repository_dispatch', event_type: 'go', client_payload: {} });
    // The intent's write is the first request; the dispatch itself is the second.
    world.gh.killAfter = 1;
    expect(await world.event([dispatch])).toBe('killed');
    expect(world.stored.intents).toEqual([{ at: expect.any(String), key: dispatch.key }]);
    await world.settle([dispatch]);
    expect(world.gh.dispatches).toHaveLength(0);
    expect(world.result(dispatch.key)).toMatchObject({ ok: false, error: 'outcome unknown: the app stopped after asking GitHub; not sent again' });
  });

  it('a dispatch refused by a rate limit before GitHub applied it withdraws its intent and goes out on the next event', async () => {
    const world = new World();
    const dispatch = pending('run1:ship:1:action-0', { type: 'dispatch_workflow', workflow: 'deploy.yml', ref: 'main', inputs: {} });
    world.gh.faults.push({ route: 'POST', when: 'before', kind: 'rate-limit' });
    expect(await world.event([dispatch])).toBe('stopped');
    expect(world.stored.intents).toEqual([]);
    await world.settle([dispatch]);
    expect(world.gh.dispatches).toHaveLength(1);
    expect(world.result(dispatch.key)).toMatchObject({ ok: true });
  });

  it('nothing is sent when the intent cannot be persisted', async () => {
    const world = new World();
    const dispatch = pending('run1:ship:1:action-0', { type: 'dispatch_workflow', workflow: 'deploy.yml', ref: 'main', inputs: {} });
    world.gh.faults.push({ route: 'PATCH (the record)', when: 'before', kind: 500 });
    await expect(world.event([dispatch])).rejects.toMatchObject({ status: 500 });
    expect(world.gh.dispatches).toHaveLength(0);
  });

  it('a connection webhook interrupted after sending is sent again with the same Idempotency-Key', async () => {
    const world = new World();
    const hook = pending('run1:ship:1:action-0', { type: 'webhook', connection: 'agent', body: { n: 1 } });
    const after = pending('run1:ship:1:action-1', { type: 'label', labels: ['sent'] });
    // Killed at the label, after the webhook was answered but before its result was persisted.
    world.gh.killAfter = 1;
    expect(await world.event([hook, after])).not.toBe('done');
    await world.settle([hook, after]);
    expect(received.map((delivery) => delivery.key)).toEqual([hook.key, hook.key]);
    expect(world.result(hook.key)).toMatchObject({ ok: true });
  });

  it('nothing is applied twice across a whole approval killed at every request', async () => {
    const effects = [
      pending('run1:review:1:message', { type: 'comment', body: 'Approved by mia' }, 'gate'),
      pending('run1:ship:1:action-0', { type: 'webhook', connection: 'agent', body: { deploy: true } }),
      pending('run1:ship:1:action-1', { type: 'repository_dispatch', event_type: 'deployed', client_payload: {} }),
      pending('run1:ship:1:action-2', { type: 'merge', method: 'merge', sha: HEAD }),
      pending('run1:ship:1:action-3', { type: 'comment', body: 'Merged' }),
    ];
    for (let requests = 0; requests < 12; requests += 1) {
      received.length = 0;
      const world = new World();
      world.gh.killAfter = requests;
      await world.event(effects);
      await world.settle(effects);
      expect(commentsWith(world.gh, 'Approved by mia')).toHaveLength(1);
      expect(commentsWith(world.gh, 'Merged')).toHaveLength(1);
      expect(world.gh.merges).toBe(1);
      expect(world.result('run1:ship:1:action-2')).toMatchObject({ ok: true });
      expect(new Set(received.map((delivery) => delivery.key))).toEqual(new Set(['run1:ship:1:action-0']));
      atMostOnce(world, 'run1:ship:1:action-1');
    }
  });
});

describe('comments the app posts', () => {
  it('never start with the sticky marker, whatever text the flow renders into them', async () => {
    const world = new World();
    const gate = pending('run1:review:1:message', { type: 'comment', body: `${STICKY_MARKER} Fix billing needs review` }, 'gate');
    await world.event([gate]);
    expect(world.gh.comments[0]!.body.startsWith(STICKY_MARKER)).toBe(false);
    expect(world.gh.comments[0]!.body).not.toContain(STICKY_MARKER);
  });

  it("a comment that quotes another effect's marker does not stand for that effect", async () => {
    const world = new World();
    const quoting = pending('k1', { type: 'comment', body: 'quoted\n\n<!-- flowgate:effect k2 -->' });
    const real = pending('k2', { type: 'comment', body: 'the real one' });
    await world.event([quoting]);
    await world.event([real]);
    expect(commentsWith(world.gh, 'the real one')).toHaveLength(1);
  });
});
