import { GatewayOpcodes } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENEW_MS, SHARDS, dispose, drain, frames, startCluster } from './cluster-rig.js';
import type { Cluster } from './cluster-rig.js';
import { until } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();

/**
 * A simulated partition: one process is frozen (SIGSTOP) longer than its leases live, so another
 * process takes its shards over (its leases are taken while it cannot renew); then it wakes
 * (SIGCONT) still holding its sockets, believing it owns them.
 */
describe.skipIf(!enabled)('ShardCluster (dynamic): a process frozen past its leases wakes up', () => {
  let server: RedisServer;
  let cluster: Cluster | undefined;
  let frozenShards: number[] = [];
  let frozenAt = 0;
  let wokeAt = 0;
  /** Shards each process owned when the woken one had stopped its lost shards (later, the two rebalance). */
  let ownedAfterFencing: number[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
    cluster = await startCluster(server, [0, 0]);
    const { bots, dispatcher } = cluster;
    dispatcher.start(20);
    await until('a few dispatches per shard', () => (dispatcher.perShard.get(0) ?? 0) >= 10);
    const [frozen, other] = [bots[0]!, bots[1]!];
    frozenShards = [...frozen.owned].sort((a, b) => a - b);
    frozenAt = Date.now();
    frozen.signal('SIGSTOP');
    await until(
      "the frozen process's shards ready on the other",
      () => {
        const ready = new Set(other.events('ready', frozenAt).map((event) => event.id));
        return frozenShards.every((id) => ready.has(id));
      },
      30_000,
    );
    wokeAt = Date.now();
    frozen.signal('SIGCONT');
    await until('the woken process stopped every shard it lost', () => {
      const stopped = new Set(frozen.events('takenOver', wokeAt).map((event) => event.id));
      return frozenShards.every((id) => stopped.has(id));
    });
    ownedAfterFencing = [frozen.owned.size, other.owned.size];
    const more = (dispatcher.perShard.get(0) ?? 0) + 10;
    await until('more dispatches', () => (dispatcher.perShard.get(0) ?? 0) >= more);
    await drain(cluster);
    if (process.env['STATECORD_PRINT'] === '1') {
      const latest = Math.max(...frozen.events('takenOver', wokeAt).map((event) => event.at - wokeAt));
      process.stderr.write(
        `fencing: ${frozenShards.length} shards stopped ${Math.round(latest)} ms after waking; longest overlap ${cluster.sampler.worst} ms\n`,
      );
    }
  }, 80_000);

  afterAll(async () => {
    await dispose(cluster);
    await server?.dispose();
  });

  it('the other process takes the frozen shards over by RESUME, without an IDENTIFY', () => {
    const { gateway } = cluster!;
    expect(frozenShards.length).toBeGreaterThan(0);
    expect(frames(gateway, GatewayOpcodes.Identify, frozenAt)).toHaveLength(0);
    expect(gateway.identifyLog).toHaveLength(SHARDS);
    expect(ownedAfterFencing[1]).toBe(SHARDS);
  });

  it('the woken process finds its leases taken and stops those shards at its first renewal: within one renew period', () => {
    const frozen = cluster!.bots[0]!;
    expect(ownedAfterFencing[0]).toBe(0);
    for (const { at } of frozen.events('takenOver', wokeAt)) {
      // Its renewal is overdue when it wakes, so it runs at once: one renew period, plus one of slack
      // for a loaded machine (the process must first be scheduled again).
      expect(at - wokeAt).toBeLessThanOrEqual(2 * RENEW_MS);
    }
  });

  it('at no moment do two connections hold a live session of one shard (checked at the gateway)', () => {
    expect(cluster!.sampler.worst).toBeLessThanOrEqual(RENEW_MS);
  });

  it('a consumer deduplicating by (sessionId, seq) sees 0 lost and 0 made-up dispatches', () => {
    const { dispatcher, consumer } = cluster!;
    expect(dispatcher.lost(consumer)).toBe(0);
    expect(dispatcher.unknown(consumer)).toBe(0);
  });
});
