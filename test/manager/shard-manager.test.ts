import { GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationFailedError,
  InvalidShardError,
  MemorySessionStore,
  ShardManager,
  ShardsRunningError,
} from '../../src/index.js';
import type { ShardManagerOptions } from '../../src/index.js';
import type { SessionStartGate } from '../../src/manager/identify/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import type { FakeGatewayConnection, FakeGatewayOptions } from '../../src/testing/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startGateway(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const gateway = await FakeGateway.start({ heartbeatIntervalMs: 5_000, identifyIntervalMs: 50, ...options });
  cleanups.push(() => gateway.close());
  return gateway;
}

function createManager(gateway: FakeGateway, options: Partial<ShardManagerOptions> = {}): ShardManager {
  const manager = new ShardManager({
    token: gateway.options.token,
    intents: 1,
    restUrl: gateway.restUrl,
    gatewayUrl: gateway.url,
    identifyIntervalMs: gateway.options.identifyIntervalMs,
    compress: 'zlib-stream',
    timing: { backoffBaseMs: 20, backoffMaxMs: 100 },
    ...options,
  });
  cleanups.push(() => manager.stopShards());
  return manager;
}

describe('creating shards', () => {
  it('createSingleShard creates shard 0 of 1, which starts', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway);
    const shard = manager.createSingleShard();
    expect([shard.id, shard.shardCount, manager.managedShardCount, manager.totalShardCount]).toEqual([
      0, 1, 1, 1,
    ]);
    await shard.start();
    expect(shard.state).toBe('ready');
  });

  it('createMinimumRequiredShards creates the count GET /gateway/bot recommends', async () => {
    const gateway = await startGateway({ shardCount: 3 });
    const manager = createManager(gateway);
    const shards = await manager.createMinimumRequiredShards();
    expect(shards.map((shard) => [shard.id, shard.shardCount])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    await Promise.all(manager.startShards());
    expect(gateway.sessions.map((session) => session.shardId).sort()).toEqual([0, 1, 2]);
  });

  it('createShards(ids, total) runs a subset that identifies with the total count', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway);
    manager.createShards([0, 1, 2], 6);
    expect([manager.managedShardCount, manager.totalShardCount]).toEqual([3, 6]);
    await Promise.all(manager.startShards());
    const shardArrays = gateway.received
      .filter((frame) => frame.op === GatewayOpcodes.Identify)
      .map((frame) => (frame.d as { shard: number[] }).shard);
    expect(shardArrays.sort()).toEqual([
      [0, 6],
      [1, 6],
      [2, 6],
    ]);
  });

  it('createShards(count) creates shards 0..count-1 of count', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway);
    expect(manager.createShards(2).map((shard) => `${shard.id}/${shard.shardCount}`)).toEqual(['0/2', '1/2']);
  });

  it('creating shards while shards run throws ShardsRunningError', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway);
    manager.createShards(1);
    await Promise.all(manager.startShards());
    expect(() => manager.createShards(2)).toThrow(ShardsRunningError);
  });
});

describe('starting', () => {
  it('emits shardReady with progress and ready once every shard is ready', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway);
    manager.createShards(3);
    const progress: string[] = [];
    manager.on('shardReady', ({ ready, total }) => progress.push(`${ready}/${total}`));
    const ready = new Promise((resolve) => manager.once('ready', resolve));
    await Promise.all(manager.startShards());
    await ready;
    expect(progress).toEqual(['1/3', '2/3', '3/3']);
  });

  it('64 shards with max_concurrency 16 all become ready without an identify-rate violation', async () => {
    const gateway = await startGateway({ maxConcurrency: 16, shardCount: 64, identifyIntervalMs: 100 });
    const manager = createManager(gateway, { compress: 'none' });
    await manager.createMinimumRequiredShards();
    await Promise.all(manager.startShards());
    expect(manager.shards.every((shard) => shard.state === 'ready')).toBe(true);
    expect(gateway.stats.identifyRateViolations).toBe(0);
    const byBucket = new Map<number, number[]>();
    for (const entry of gateway.identifyLog)
      byBucket.set(entry.bucket, [...(byBucket.get(entry.bucket) ?? []), entry.at]);
    expect(byBucket.size).toBe(16);
    for (const times of byBucket.values()) {
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(100);
    }
  }, 30_000);

  it('with the default settings, a shard of identify round r ≥ 2 connects only once round r − 2 has identified', async () => {
    // Waves are paced by the interval; a wide one keeps two rounds apart on a loaded machine.
    const gateway = await startGateway({ maxConcurrency: 4, shardCount: 16, identifyIntervalMs: 500 });
    const manager = createManager(gateway, { compress: 'none' });
    manager.createShards(16);
    // What the gateway had accepted when each connection arrived (its shard is known after IDENTIFY).
    const arrivals: Array<{ connection: FakeGatewayConnection; identified: Set<number> }> = [];
    gateway.onConnection((connection) =>
      arrivals.push({ connection, identified: new Set(gateway.identifyLog.map((entry) => entry.shardId)) }),
    );
    await Promise.all(manager.startShards());
    expect(gateway.stats.identifyRateViolations).toBe(0);
    // Shards 4r to 4r + 3 are identify round r of the 4 buckets.
    const round = (shardId: number) => Math.floor(shardId / 4);
    const connected = arrivals.map(({ connection, identified }) => ({
      shardId: connection.shardId!,
      identified,
    }));
    expect(connected.map(({ shardId }) => shardId).sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
    for (const { shardId, identified } of connected.filter(({ shardId }) => round(shardId) >= 2)) {
      const earlier = [...Array(16).keys()].filter((id) => round(id) <= round(shardId) - 2);
      expect({ shardId, missing: earlier.filter((id) => !identified.has(id)) }).toEqual({
        shardId,
        missing: [],
      });
    }
  }, 30_000);

  it('with 10 session starts left, 12 shards: 10 identify, 2 wait for the reset, the budget is never exceeded', async () => {
    const gateway = await startGateway({
      maxConcurrency: 16,
      identifyIntervalMs: 10,
      // The fake's window starts when it does; GET /gateway/bot must come before it ends (or it reports
      // a refilled budget and nothing waits), which under load took over 400 ms.
      sessionStartLimit: { total: 1000, remaining: 10, resetAfter: 3_000 },
    });
    const manager = createManager(gateway, { compress: 'none' });
    manager.createShards(12);
    const gate = manager.identifyGate as SessionStartGate;
    const exhausted = new Promise<{ resetAt: number }>((resolve) => gate.once('budgetExhausted', resolve));
    await Promise.all(manager.startShards());
    const { resetAt } = await exhausted;
    const times = gateway.identifyLog.map((entry) => entry.at).sort((a, b) => a - b);
    expect(times).toHaveLength(12);
    expect(times.slice(0, 10).every((at) => at < resetAt)).toBe(true);
    expect(times.slice(10).every((at) => at >= resetAt)).toBe(true);
    expect(gateway.stats.sessionStartLimitExceeded).toBe(0);
  });
});

describe('cold resume', () => {
  it('a new manager with the same session store resumes every shard and receives what was missed, once, in order', async () => {
    const gateway = await startGateway({ guilds: [] });
    const store = new MemorySessionStore();
    const first = createManager(gateway, { sessionStore: store });
    first.createShards(2);
    await Promise.all(first.startShards());
    gateway.dispatch(
      GatewayDispatchEvents.TypingStart,
      { channel_id: '1', user_id: '2', timestamp: 1 },
      { shardId: 0 },
    );
    gateway.dispatch(
      GatewayDispatchEvents.TypingStart,
      { channel_id: '1', user_id: '2', timestamp: 1 },
      { shardId: 1 },
    );
    await first.stopShards({ resumable: true });
    const identifies = gateway.stats.identifies;

    const missed = [1, 2, 3].flatMap((n) =>
      [0, 1].map((shardId) =>
        gateway.dispatch(
          GatewayDispatchEvents.TypingStart,
          { channel_id: String(n), user_id: '2', timestamp: n },
          { shardId },
        ),
      ),
    );
    expect(missed.flat().every((record) => !record.delivered)).toBe(true);

    const second = createManager(gateway, { sessionStore: store });
    second.createShards(2);
    const received = new Map<number, number[]>([
      [0, []],
      [1, []],
    ]);
    second.on('dispatch', ({ shard, payload }) => {
      if (payload.t === GatewayDispatchEvents.TypingStart) received.get(shard.id)!.push(payload.s);
    });
    await Promise.all(second.startShards());
    expect(gateway.stats.identifies).toBe(identifies);
    expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Resume)).toHaveLength(2);
    for (const shardId of [0, 1]) {
      const expected = missed
        .flat()
        .filter((record) => record.shardId === shardId)
        .map((record) => record.s);
      expect(received.get(shardId)).toEqual(expected);
    }
  });
});

describe('failures', () => {
  it('a shard failing with 4010 fails its own promise and shardFailure; the others stay up', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway);
    manager.createShards(2);
    const [first, second] = manager.startShards();
    await Promise.all([first, second]);
    const failure = new Promise<unknown>((resolve) => manager.once('shardFailure', resolve));
    const failed = manager.shards[1]!;
    const done = failed.whenStarted().catch((error: unknown) => error);
    gateway.connections.find((connection) => connection.shardId === 1)!.close(4010);
    expect(await failure).toMatchObject({ reason: 'InvalidShard', closeCode: 4010 });
    expect(failed.state).toBe('failed');
    expect(failed.failure).toBeInstanceOf(InvalidShardError);
    void done;
    expect(manager.shards[0]!.state).toBe('ready');
  });

  it('a rejected token fails every shard once, before a single identify', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway, { token: 'not-the-token' });
    manager.createShards(3);
    const failures: unknown[] = [];
    manager.on('failure', (failure) => failures.push(failure));
    const results = await Promise.allSettled(manager.startShards());
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const result of results) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(AuthenticationFailedError);
    }
    expect(failures).toHaveLength(1);
    expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Identify)).toHaveLength(0);
  });

  it('a 4004 on one running shard stops them all, with one manager failure', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway);
    manager.createShards(3);
    await Promise.all(manager.startShards());
    const failure = new Promise<unknown>((resolve) => manager.once('failure', resolve));
    gateway.connections.find((connection) => connection.shardId === 0)!.close(4004);
    expect(await failure).toMatchObject({ reason: 'AuthenticationFailed' });
    expect(manager.state).toBe('failed');
    await gateway
      .waitFor('close', () => gateway.connections.length === 0, { timeoutMs: 2_000 })
      .catch(() => undefined);
    expect(manager.shards.map((shard) => shard.state)).toEqual(['failed', 'stopped', 'stopped']);
  });
});
