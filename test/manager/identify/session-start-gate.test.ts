import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShardStoppedError } from '../../../src/errors.js';
import {
  SessionStartGate,
  type SessionStartGateEvents,
  type SessionStartGateOptions,
} from '../../../src/manager/identify/index.js';
import type { IdentifyGate } from '../../../src/shard/identify-gate.js';
import { ManualClock, flush } from './manual-clock.js';

/** A gate on a virtual clock, recording its events and the order in which waits resolve. */
function setup(options: Omit<SessionStartGateOptions, 'now' | 'setTimeout' | 'clearTimeout'> = {}) {
  const clock = new ManualClock();
  const gate = new SessionStartGate({ ...options, ...clock.gateOptions });
  const events: { [K in keyof SessionStartGateEvents]: SessionStartGateEvents[K][] } = {
    identifyGranted: [],
    budgetExhausted: [],
    budgetRefilled: [],
  };
  gate.on('identifyGranted', (e) => events.identifyGranted.push(e));
  gate.on('budgetExhausted', (e) => events.budgetExhausted.push(e));
  gate.on('budgetRefilled', (e) => events.budgetRefilled.push(e));
  /** Shard ids in the order their waits resolved, with the virtual time they resolved at. */
  const resolved: { shardId: number; at: number }[] = [];
  const wait = (shardId: number, signal: AbortSignal = new AbortController().signal) => {
    const promise = gate.waitForIdentify(shardId, signal);
    promise.then(
      () => resolved.push({ shardId, at: clock.now() }),
      () => {},
    );
    return promise;
  };
  return { clock, gate, events, resolved, wait };
}

const times = (grants: { at: number }[]) => grants.map((grant) => grant.at);
const ids = (grants: { shardId: number }[]) => grants.map((grant) => grant.shardId);

describe('SessionStartGate: buckets (docs/protocol/gateway.md §5)', () => {
  it('is an IdentifyGate', () => {
    const gate: IdentifyGate = new SessionStartGate();
    expect(typeof gate.waitForIdentify).toBe('function');
  });

  it('one bucket: one identify per intervalMs, first come first served', async () => {
    const { clock, resolved, wait } = setup({ intervalMs: 5000 });
    for (const shardId of [0, 1, 2]) void wait(shardId);
    await clock.runUntilIdle();
    expect(resolved).toEqual([
      { shardId: 0, at: 0 },
      { shardId: 1, at: 5000 },
      { shardId: 2, at: 10_000 },
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('64 shards, max_concurrency 16: 16 buckets in parallel, each ≥ intervalMs apart', async () => {
    const { clock, gate, events, wait } = setup({ maxConcurrency: 16, intervalMs: 5000 });
    const all = Array.from({ length: 64 }, (_, shardId) => wait(shardId));
    await clock.runUntilIdle();
    await Promise.all(all);
    const grants = events.identifyGranted;
    expect(grants).toHaveLength(64);
    // Start order: shards 0–15 at once, then 16–31 after 5 s, … (docs/protocol/gateway.md §6).
    for (let wave = 0; wave < 4; wave += 1) {
      const inWave = grants.filter((grant) => grant.at === wave * 5000);
      expect(ids(inWave)).toEqual(Array.from({ length: 16 }, (_, i) => wave * 16 + i));
    }
    for (let bucket = 0; bucket < 16; bucket += 1) {
      const own = grants.filter((grant) => grant.bucket === bucket);
      expect(ids(own)).toEqual([bucket, bucket + 16, bucket + 32, bucket + 48]);
      expect(times(own)).toEqual([0, 5000, 10_000, 15_000]);
    }
    expect(gate.granted).toBe(64);
    expect(gate.lastGrants.size).toBe(16);
    expect(gate.lastGrants.get(3)).toBe(15_000);
  });

  it('FIFO within a bucket, whatever the shard ids', async () => {
    const { clock, resolved, wait } = setup({ maxConcurrency: 2, intervalMs: 1000 });
    for (const shardId of [5, 2, 1, 4, 3, 0]) void wait(shardId);
    await clock.runUntilIdle();
    expect(resolved.filter((r) => r.shardId % 2 === 1)).toEqual([
      { shardId: 5, at: 0 },
      { shardId: 1, at: 1000 },
      { shardId: 3, at: 2000 },
    ]);
    expect(ids(resolved.filter((r) => r.shardId % 2 === 0))).toEqual([2, 4, 0]);
  });

  it('a shard that identifies again (after a reconnect) queues like any other', async () => {
    const { clock, resolved, wait } = setup({ intervalMs: 5000 });
    await wait(0);
    await clock.advance(1000);
    void wait(0);
    await clock.runUntilIdle();
    expect(resolved).toEqual([
      { shardId: 0, at: 0 },
      { shardId: 0, at: 5000 },
    ]);
  });

  it('a bucket idle for longer than intervalMs grants at once', async () => {
    const { clock, resolved, wait } = setup({ intervalMs: 5000 });
    await wait(0);
    await clock.advance(7000);
    void wait(1);
    await flush();
    expect(resolved.at(-1)).toEqual({ shardId: 1, at: 7000 });
  });
});

describe('SessionStartGate: pacing within a tick', () => {
  it('buckets ready at the same moment are served in the order they were served last time', async () => {
    const { clock, resolved, wait } = setup({ maxConcurrency: 3, intervalMs: 1000 });
    // Round 0 is served in arrival order (buckets 2, 0, 1); round 1 arrives in another order.
    for (const shardId of [2, 0, 1]) void wait(shardId);
    await clock.advance(1);
    for (const shardId of [4, 3, 5]) void wait(shardId);
    await clock.runUntilIdle();
    expect(ids(resolved)).toEqual([2, 0, 1, 5, 3, 4]);
  });

  it("counts a bucket's next interval from the answer to its last identify, not from the grant", async () => {
    const { clock, gate, resolved, wait } = setup({ intervalMs: 100 });
    void wait(0);
    void wait(1);
    await clock.advance(30);
    // The gateway answered shard 0's identify 30 ms after the grant: it arrived by then at the latest.
    gate.identifyAnswered(0);
    await clock.runUntilIdle();
    expect(resolved).toEqual([
      { shardId: 0, at: 0 },
      { shardId: 1, at: 130 },
    ]);
  });

  it('with answerTimeoutMs, holds a bucket until its last identify is answered', async () => {
    const { clock, gate, resolved, wait } = setup({ intervalMs: 100, answerTimeoutMs: 1000 });
    void wait(0);
    void wait(1);
    await clock.advance(250);
    expect(ids(resolved)).toEqual([0]);
    gate.identifyAnswered(0);
    await clock.runUntilIdle();
    expect(resolved).toEqual([
      { shardId: 0, at: 0 },
      { shardId: 1, at: 350 },
    ]);
  });

  it('with answerTimeoutMs, grants the next identify anyway when no answer comes in time', async () => {
    const { clock, resolved, wait } = setup({ intervalMs: 100, answerTimeoutMs: 1000 });
    void wait(0);
    void wait(1);
    await clock.runUntilIdle();
    expect(resolved).toEqual([
      { shardId: 0, at: 0 },
      { shardId: 1, at: 1000 },
    ]);
  });

  it("ignores an answer for a shard that is not its bucket's last grant", async () => {
    const { clock, gate, resolved, wait } = setup({ intervalMs: 100 });
    void wait(0);
    void wait(1);
    await clock.advance(30);
    gate.identifyAnswered(3);
    await clock.runUntilIdle();
    expect(resolved).toEqual([
      { shardId: 0, at: 0 },
      { shardId: 1, at: 100 },
    ]);
  });

  it('moves the interval only for the first answer to a grant', async () => {
    const { clock, gate, resolved, wait } = setup({ intervalMs: 100 });
    void wait(0);
    void wait(1);
    await clock.advance(10);
    gate.identifyAnswered(0);
    await clock.advance(40);
    // A second report (say the connection closed after READY) is not a new answer.
    gate.identifyAnswered(0);
    await clock.runUntilIdle();
    expect(resolved).toEqual([
      { shardId: 0, at: 0 },
      { shardId: 1, at: 110 },
    ]);
  });
});

describe('SessionStartGate: abort', () => {
  it('rejects the aborted waiter with ShardStoppedError; the ones behind it keep their place', async () => {
    const { clock, resolved, wait } = setup({ intervalMs: 5000 });
    const controller = new AbortController();
    void wait(0);
    const aborted = wait(1, controller.signal);
    void wait(2);
    await clock.advance(1000);
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(ShardStoppedError);
    await clock.runUntilIdle();
    expect(resolved).toEqual([
      { shardId: 0, at: 0 },
      { shardId: 2, at: 5000 },
    ]);
  });

  it('an aborted waiter consumes no slot and no budget', async () => {
    const { clock, gate, resolved, wait } = setup({
      intervalMs: 5000,
      budget: { total: 5, remaining: 5, resetAfterMs: 60_000 },
    });
    await wait(0);
    expect(gate.remaining).toBe(4);
    const controller = new AbortController();
    const queued = wait(1, controller.signal);
    await clock.advance(100);
    controller.abort();
    await expect(queued).rejects.toThrow(ShardStoppedError);
    void wait(2);
    await clock.runUntilIdle();
    // Shard 2 gets the slot shard 1 would have used (t = 5000), and only shard 2 spends budget.
    expect(resolved).toEqual([
      { shardId: 0, at: 0 },
      { shardId: 2, at: 5000 },
    ]);
    expect(gate.remaining).toBe(3);
    expect(gate.granted).toBe(2);
  });

  it('aborting a waiter held by the budget spends nothing and ends the hold when none is left', async () => {
    const { clock, gate, events, wait } = setup({ budget: { total: 1, remaining: 0, resetAfterMs: 10_000 } });
    const controller = new AbortController();
    const held = wait(0, controller.signal);
    await flush();
    expect(gate.holding).toBe(true);
    controller.abort();
    await expect(held).rejects.toBeInstanceOf(ShardStoppedError);
    expect(gate.holding).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    expect(events.identifyGranted).toEqual([]);
  });

  it('an already aborted signal rejects at once and never queues', async () => {
    const { gate, wait } = setup();
    await expect(wait(0, AbortSignal.abort())).rejects.toBeInstanceOf(ShardStoppedError);
    expect(gate.waiting).toBe(0);
    expect(gate.granted).toBe(0);
  });

  it('cancelAll rejects every waiter and leaves no timer', async () => {
    const { clock, gate, wait } = setup({ intervalMs: 5000 });
    void wait(0);
    const pending = [wait(1), wait(2)];
    expect(gate.cancelAll()).toBe(2);
    for (const promise of pending) await expect(promise).rejects.toBeInstanceOf(ShardStoppedError);
    expect(clock.pendingTimers).toBe(0);
    expect(gate.waiting).toBe(0);
  });
});

describe('SessionStartGate: daily session-start budget (docs/protocol/gateway.md §5)', () => {
  it('budget 10, 12 shards: 10 granted, 2 held until the reset, then granted', async () => {
    const { clock, gate, events, resolved, wait } = setup({
      maxConcurrency: 16,
      intervalMs: 5000,
      budget: { total: 10, remaining: 10, resetAfterMs: 60_000 },
      budgetWindowMs: 86_400_000,
    });
    const all = Array.from({ length: 12 }, (_, shardId) => wait(shardId));
    await flush();
    expect(ids(resolved)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(gate.remaining).toBe(0);
    expect(gate.holding).toBe(true);
    expect(gate.waiting).toBe(2);
    // The hold starts when shard 10 finds the budget empty.
    expect(events.budgetExhausted).toEqual([{ resetAt: 60_000, waiting: 1 }]);

    await clock.advance(59_999);
    expect(resolved).toHaveLength(10);

    await clock.advance(1);
    await Promise.all(all);
    expect(resolved.slice(10)).toEqual([
      { shardId: 10, at: 60_000 },
      { shardId: 11, at: 60_000 },
    ]);
    expect(events.budgetRefilled).toEqual([{ total: 10, remaining: 10, resetAt: 86_460_000 }]);
    expect(gate.remaining).toBe(8);
    expect(gate.holding).toBe(false);
    expect(gate.granted).toBe(12);
    expect(events.budgetExhausted).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('never grants more than `remaining` before the reset, nor more than `total` per later window', async () => {
    const { clock, events, wait } = setup({
      maxConcurrency: 4,
      intervalMs: 10,
      budget: { total: 3, remaining: 2, resetAfterMs: 100 },
      budgetWindowMs: 1000,
    });
    for (let shardId = 0; shardId < 10; shardId += 1) void wait(shardId);
    await clock.runUntilIdle();
    expect(times(events.identifyGranted)).toEqual([0, 0, 100, 100, 100, 1100, 1100, 1100, 2100, 2100]);
    expect(events.budgetExhausted.map((e) => e.resetAt)).toEqual([100, 1100, 2100]);
  });

  it('re-identifies spend budget too', async () => {
    const { gate, wait } = setup({
      intervalMs: 0,
      budget: { total: 1000, remaining: 3, resetAfterMs: 1000 },
    });
    for (let i = 0; i < 3; i += 1) await wait(0);
    expect(gate.remaining).toBe(0);
    expect(gate.granted).toBe(3);
  });

  it('updateBudget ends a hold with fresh /gateway/bot numbers', async () => {
    const { clock, gate, events, resolved, wait } = setup({
      maxConcurrency: 2,
      intervalMs: 5000,
      budget: { total: 1000, remaining: 1, resetAfterMs: 3_600_000 },
    });
    void wait(0);
    void wait(1);
    void wait(2);
    await flush();
    expect(events.budgetExhausted).toEqual([{ resetAt: 3_600_000, waiting: 1 }]);
    expect(gate.waiting).toBe(2);
    await clock.advance(1000);
    gate.updateBudget({ total: 1000, remaining: 500, resetAfterMs: 7_000_000 });
    await flush();
    expect(events.budgetRefilled).toEqual([{ total: 1000, remaining: 500, resetAt: 7_001_000 }]);
    // Shard 1's bucket is free; shard 2 shares shard 0's bucket and still waits for its slot.
    expect(resolved).toEqual([
      { shardId: 0, at: 0 },
      { shardId: 1, at: 1000 },
    ]);
    await clock.runUntilIdle();
    expect(resolved.at(-1)).toEqual({ shardId: 2, at: 5000 });
    expect(gate.remaining).toBe(498);
  });

  it('updateBudget with nothing remaining holds the waiters', async () => {
    const { clock, gate, events, resolved, wait } = setup({ intervalMs: 5000 });
    gate.updateBudget({ total: 1000, remaining: 0, resetAfterMs: 20_000 });
    void wait(0);
    await flush();
    expect(events.budgetExhausted).toEqual([{ resetAt: 20_000, waiting: 1 }]);
    await clock.runUntilIdle();
    expect(resolved).toEqual([{ shardId: 0, at: 20_000 }]);
  });

  it('without a budget nothing is counted', async () => {
    const { gate, events, wait } = setup({ intervalMs: 0 });
    await wait(0);
    expect(gate.remaining).toBeNull();
    expect(gate.budget).toBeNull();
    expect(events.identifyGranted).toEqual([{ shardId: 0, bucket: 0, at: 0, remaining: null }]);
  });

  it('the counters see a due refill before the gate applies it', async () => {
    const { clock, gate, wait } = setup({
      budget: { total: 10, remaining: 1, resetAfterMs: 100 },
      budgetWindowMs: 1000,
    });
    await wait(0);
    expect(gate.budget).toEqual({ total: 10, remaining: 0, resetAt: 100 });
    await clock.advance(150);
    expect(gate.budget).toEqual({ total: 10, remaining: 10, resetAt: 1100 });
    expect(gate.remaining).toBe(10);
  });
});

describe('SessionStartGate: configure', () => {
  it('moves waiters to the buckets of a new max_concurrency, keeping recent grants', async () => {
    const { clock, gate, resolved, wait } = setup({ intervalMs: 5000 });
    for (const shardId of [0, 1, 2, 3, 4]) void wait(shardId);
    await flush();
    gate.configure({ maxConcurrency: 4 });
    await clock.runUntilIdle();
    expect(gate.maxConcurrency).toBe(4);
    // Shard 0 (new bucket 0) was granted at 0, so shard 4 (bucket 0) waits; 1–3 go at once.
    expect(resolved).toEqual([
      { shardId: 0, at: 0 },
      { shardId: 1, at: 0 },
      { shardId: 2, at: 0 },
      { shardId: 3, at: 0 },
      { shardId: 4, at: 5000 },
    ]);
  });

  it('the manager pattern: configure from /gateway/bot before any shard waits', async () => {
    const { clock, gate, resolved, wait } = setup({ intervalMs: 5000 });
    gate.configure({ maxConcurrency: 2, budget: { total: 1000, remaining: 1000, resetAfterMs: 86_400_000 } });
    for (const shardId of [0, 1, 2, 3]) void wait(shardId);
    await clock.runUntilIdle();
    expect(times(resolved)).toEqual([0, 0, 5000, 5000]);
    expect(gate.remaining).toBe(996);
  });

  it('intervalMs can change', async () => {
    const { clock, gate, resolved, wait } = setup({ intervalMs: 5000 });
    void wait(0);
    void wait(1);
    gate.configure({ intervalMs: 1000 });
    await clock.runUntilIdle();
    expect(times(resolved)).toEqual([0, 1000]);
  });
});

describe('SessionStartGate: events and robustness', () => {
  it('emits identifyGranted with the budget left', async () => {
    const { events, wait } = setup({
      maxConcurrency: 2,
      budget: { total: 5, remaining: 5, resetAfterMs: 1 },
    });
    await Promise.all([wait(0), wait(1)]);
    expect(events.identifyGranted).toEqual([
      { shardId: 0, bucket: 0, at: 0, remaining: 4 },
      { shardId: 1, bucket: 1, at: 0, remaining: 3 },
    ]);
  });

  it('a listener may wait or abort re-entrantly', async () => {
    const { clock, gate, resolved, wait } = setup({ intervalMs: 1000 });
    const controller = new AbortController();
    let queuedBehind = false;
    gate.on('identifyGranted', ({ shardId }) => {
      if (shardId === 0 && !queuedBehind) {
        queuedBehind = true;
        void wait(7, controller.signal).catch(() => {});
        void wait(8);
        controller.abort();
      }
    });
    void wait(0);
    await clock.runUntilIdle();
    expect(resolved).toEqual([
      { shardId: 0, at: 0 },
      { shardId: 8, at: 1000 },
    ]);
  });

  it('rejects invalid options and shard ids', async () => {
    expect(() => new SessionStartGate({ maxConcurrency: 0 })).toThrow(InvalidArgumentError);
    expect(() => new SessionStartGate({ intervalMs: -1 })).toThrow(InvalidArgumentError);
    expect(() => new SessionStartGate({ budget: { total: 1, remaining: -1, resetAfterMs: 0 } })).toThrow(
      InvalidArgumentError,
    );
    const gate = new SessionStartGate();
    await expect(gate.waitForIdentify(-1, new AbortController().signal)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(() => gate.configure({ maxConcurrency: 1.5 })).toThrow(InvalidArgumentError);
  });

  it('runs on real timers by default', async () => {
    const gate = new SessionStartGate({ intervalMs: 15 });
    const signal = new AbortController().signal;
    const started = performance.now();
    await gate.waitForIdentify(0, signal);
    await gate.waitForIdentify(1, signal);
    expect(performance.now() - started).toBeGreaterThanOrEqual(13);
    expect(gate.granted).toBe(2);
  });
});
