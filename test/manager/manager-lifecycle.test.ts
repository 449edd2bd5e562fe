import { GatewayOpcodes } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySessionStore, NoShardsError, ShardManager, ShardStoppedError } from '../../src/index.js';
import type { ShardManagerOptions } from '../../src/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import type { FakeGatewayConnection, FakeGatewayOptions } from '../../src/testing/index.js';
import { RestFront } from '../../src/testing/model/index.js';
import { startPureManager } from '../machines/manager-harness.js';

/**
 * One behaviour of the manager per test, each one that a plausible change of the manager machine or
 * of ShardManager breaks (they were found surviving mutations). Real managers against the FakeGateway,
 * but for the one behaviour the adapter cannot produce.
 */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startGateway(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const gateway = await FakeGateway.start({ identifyIntervalMs: 0, heartbeatIntervalMs: 30_000, ...options });
  cleanups.push(() => gateway.close());
  return gateway;
}

function createManager(gateway: FakeGateway, options: Partial<ShardManagerOptions> = {}): ShardManager {
  const manager = new ShardManager({
    ...gateway.clientOptions,
    intents: 1,
    compress: 'none',
    identifyIntervalMs: 0,
    timing: { backoffBaseMs: 5, backoffMaxMs: 20 },
    ...options,
  });
  // Failures are expected here; heard, they are not reported as process warnings.
  manager.on('shardFailure', () => undefined);
  cleanups.push(() => manager.stopShards());
  return manager;
}

/** Counts a manager's `ready` events; `next(n)` waits for the n-th (failing after `timeoutMs`). */
function countReady(manager: ShardManager) {
  let count = 0;
  const waiters = new Set<() => void>();
  manager.on('ready', () => {
    count += 1;
    for (const waiter of waiters) waiter();
  });
  return {
    get count() {
      return count;
    },
    next: (n: number, timeoutMs = 5_000) =>
      new Promise<void>((resolve, reject) => {
        if (count >= n) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`ready #${n} not emitted (${count} so far)`)),
          timeoutMs,
        );
        const waiter = () => {
          if (count < n) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        };
        waiters.add(waiter);
      }),
  };
}

/** The connection whose IDENTIFY for `shardId` the gateway accepted (its READY is held with `holdHandshake`). */
async function identified(gateway: FakeGateway, shardId: number): Promise<FakeGatewayConnection> {
  const accepted = () =>
    gateway.connections.find((connection) =>
      gateway.received.some(
        (frame) =>
          frame.connectionId === connection.id &&
          frame.op === GatewayOpcodes.Identify &&
          (frame.d as { shard?: number[] }).shard?.[0] === shardId,
      ),
    );
  const found = accepted();
  if (found !== undefined) return found;
  await gateway.waitFor('identify', (attempt) => attempt.shardId === shardId && attempt.outcome === 'ready');
  return accepted()!;
}

/** The shard's open connection once its session is live (READY or RESUMED sent). */
function liveConnection(gateway: FakeGateway, shardId: number): FakeGatewayConnection {
  const connection = gateway.connections.find((candidate) => candidate.open && candidate.shardId === shardId);
  if (connection === undefined) throw new Error(`shard ${shardId} has no live connection`);
  return connection;
}

/** Settles within `ms` or fails: a promise that should settle must not hang the test. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not settle in ${ms} ms`)), ms),
    ),
  ]);
}

describe('the session store', () => {
  it("holds a shard's session as soon as the shard is ready, not only at the periodic save", async () => {
    const gateway = await startGateway();
    const store = new MemorySessionStore();
    const manager = createManager(gateway, { sessionStore: store, sessionSaveIntervalMs: 3_600_000 });
    manager.createShards(1);
    await Promise.all(manager.startShards());
    const [session] = gateway.sessions;
    await expect.poll(() => store.get(0), { timeout: 5_000 }).toMatchObject({ sessionId: session!.id });
  });

  it('loses every session on a non-resumable stop, even of a shard a resumable stop had already stopped', async () => {
    const gateway = await startGateway();
    const store = new MemorySessionStore();
    const manager = createManager(gateway, { sessionStore: store });
    manager.createShards(1);
    await Promise.all(manager.startShards());
    await manager.stopShards({ resumable: true });
    expect(store.get(0)).not.toBeNull();
    await manager.stopShards();
    expect(store.get(0)).toBeNull();
    // And the next start identifies: no session is left to resume, in the store or in the shard.
    await Promise.all(manager.startShards());
    expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Resume)).toHaveLength(0);
    expect(gateway.stats.identifies).toBe(2);
  });
});

describe("the manager's ready event", () => {
  it('counts a failed shard out: one shard fails with 4010, the other becomes ready, ready is emitted', async () => {
    const gateway = await startGateway({ holdHandshake: true, maxConcurrency: 2 });
    const manager = createManager(gateway, { maxConcurrency: 2 });
    const ready = countReady(manager);
    manager.createShards(2);
    void manager.startShards();
    const [first, second] = [await identified(gateway, 0), await identified(gateway, 1)];
    second.close(4010);
    await expect.poll(() => manager.shards[1]!.state, { timeout: 5_000 }).toBe('failed');
    expect(ready.count).toBe(0);
    first.releaseHandshake();
    await ready.next(1);
    expect(manager.shards.map((shard) => shard.state)).toEqual(['ready', 'failed']);
  });

  it('is emitted when every other shard is ready and the last one fails', async () => {
    const gateway = await startGateway({ holdHandshake: true, maxConcurrency: 2 });
    const manager = createManager(gateway, { maxConcurrency: 2 });
    const ready = countReady(manager);
    manager.createShards(2);
    void manager.startShards();
    const [first, second] = [await identified(gateway, 0), await identified(gateway, 1)];
    first.releaseHandshake();
    await expect.poll(() => manager.shards[0]!.state, { timeout: 5_000 }).toBe('ready');
    expect(ready.count).toBe(0);
    second.close(4010);
    await ready.next(1);
    expect(manager.shards.map((shard) => shard.state)).toEqual(['ready', 'failed']);
  });

  it('is emitted again after a shard reconnected and resumed', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway);
    const ready = countReady(manager);
    manager.createShards(2);
    await Promise.all(manager.startShards());
    await ready.next(1);
    const resumed = gateway.waitFor('resumed', (record) => record.shardId === 0);
    liveConnection(gateway, 0).close(4000);
    await resumed;
    await ready.next(2);
    expect(ready.count).toBe(2);
  });

  it('is emitted again after stopShards() then startShards()', async () => {
    const gateway = await startGateway();
    const manager = createManager(gateway);
    const ready = countReady(manager);
    manager.createShards(2);
    await Promise.all(manager.startShards());
    await ready.next(1);
    await manager.stopShards();
    await Promise.all(manager.startShards());
    await ready.next(2);
    expect(ready.count).toBe(2);
  });

  it('counts a repeated shard.ready for the same shard once (machine: the adapter never relays one twice)', async () => {
    // ShardManager relays `shard.ready` on a shard's change to `ready` only, so it cannot send the same
    // shard twice without `shard.unready` in between; the machine must still not count it twice.
    const manager = startPureManager([0, 1]);
    cleanups.push(() => {
      manager.stop();
    });
    const readies: number[] = [];
    manager.actor.on('manager.ready', ({ readyShards }) => readies.push(readyShards));
    await manager.start();
    manager.send({ type: 'shard.ready', shardId: 0 });
    manager.send({ type: 'shard.ready', shardId: 0 });
    expect(readies).toEqual([]);
    manager.send({ type: 'shard.ready', shardId: 1 });
    expect(readies).toEqual([2]);
    expect(manager.actor.getSnapshot().context.readyShards).toEqual([0, 1]);
  });
});

describe('starting and creating', () => {
  it('startShards() without shards throws NoShardsError, asks nothing and leaves the manager idle', async () => {
    const gateway = await startGateway();
    const front = await RestFront.start(gateway.restUrl);
    cleanups.push(() => front.close());
    const manager = createManager(gateway, { restUrl: front.restUrl });
    expect(() => manager.startShards()).toThrow(NoShardsError);
    expect(manager.state).toBe('idle');
    expect(front.requests).toBe(0);
    // Still idle: shards can be created.
    expect(manager.createShards(1)).toHaveLength(1);
  });

  it('stopShards() during a slow createMinimumRequiredShards() rejects it with ShardStoppedError and creates no shards', async () => {
    const gateway = await startGateway({ shardCount: 2 });
    const front = await RestFront.start(gateway.restUrl);
    cleanups.push(() => front.close());
    front.answerWith('hold');
    const manager = createManager(gateway, { restUrl: front.restUrl });
    const creating = manager.createMinimumRequiredShards();
    await front.whenRequested(1);
    expect(manager.state).toBe('fetchingGatewayInfo');
    await manager.stopShards();
    // The answer comes late: it must not create shards any more.
    front.answerWith('pass');
    await expect(within(creating, 5_000, 'createMinimumRequiredShards()')).rejects.toBeInstanceOf(
      ShardStoppedError,
    );
    expect(manager.state).toBe('idle');
    expect(manager.shards).toHaveLength(0);
    expect(manager.totalShardCount).toBe(0);
  });
});
