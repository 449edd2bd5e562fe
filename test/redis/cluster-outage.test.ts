import { GatewayOpcodes } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARDS, dispose, drain, frames, startCluster } from './cluster-rig.js';
import type { Cluster } from './cluster-rig.js';
import { until } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();
const OUTAGE_MS = 10_000;

/**
 * Redis is stopped for 10 s mid-stream (a restart without persistence: it comes back empty, leases,
 * sessions and identify windows gone). Meanwhile one shard's session is invalidated, so it must
 * identify while the gate cannot reach Redis.
 */
describe.skipIf(!enabled)('ShardCluster (dynamic): Redis stopped for 10 s mid-stream', () => {
  let server: RedisServer;
  let cluster: Cluster | undefined;
  let stoppedAt = 0;
  let restartedAt = 0;
  let sentEarlyInOutage = new Set<string>();
  let seenDuringOutage = false;
  let identifiesDuringOutage = -1;
  let expiredShard = -1;

  beforeAll(async () => {
    server = await RedisServer.start();
    cluster = await startCluster(server, [0, 0]);
    const { dispatcher, consumer, gateway, bots } = cluster;
    dispatcher.start(20);
    await until('a few dispatches per shard', () => (dispatcher.perShard.get(0) ?? 0) >= 10);
    stoppedAt = Date.now();
    await server.stop();
    // Dispatches keep flowing: everything sent in the outage's first second is seen during it.
    const more = (dispatcher.perShard.get(0) ?? 0) + 20;
    await until('dispatches sent during the outage', () => (dispatcher.perShard.get(0) ?? 0) >= more);
    sentEarlyInOutage = new Set(dispatcher.sent);
    await until('those seen', () => [...sentEarlyInOutage].every((key) => consumer.seen.has(key)));
    seenDuringOutage = !server.running;
    // One session ends (op 9, not resumable): its shard must identify, through a gate that cannot decide.
    const session = gateway.sessions.find((candidate) => candidate.connected)!;
    expiredShard = session.shardId;
    gateway.expireSession(session.id);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, stoppedAt + OUTAGE_MS - Date.now())));
    identifiesDuringOutage = frames(gateway, GatewayOpcodes.Identify, stoppedAt).length;
    restartedAt = Date.now();
    await server.restart();
    await until(
      'the invalidated shard ready again',
      () => bots.some((bot) => bot.events('ready', restartedAt).some((event) => event.id === expiredShard)),
      30_000,
    );
    const after = (dispatcher.perShard.get(0) ?? 0) + 10;
    await until('more dispatches', () => (dispatcher.perShard.get(0) ?? 0) >= after);
    await drain(cluster);
  }, 80_000);

  afterAll(async () => {
    await dispose(cluster);
    await server?.dispose();
  });

  it('running shards keep delivering while Redis is down', () => {
    expect(sentEarlyInOutage.size).toBeGreaterThan(0);
    expect(seenDuringOutage).toBe(true);
  });

  it('no shard stops or changes hands through the outage', () => {
    const { bots } = cluster!;
    for (const bot of bots) {
      expect(bot.events('takenOver')).toHaveLength(0);
      expect(bot.events('released')).toHaveLength(0);
    }
    expect(bots.flatMap((bot) => bot.events('acquired'))).toHaveLength(SHARDS);
  });

  it('an IDENTIFY needed meanwhile waits for Redis (none reaches the gateway), then goes through', () => {
    const { gateway } = cluster!;
    expect(identifiesDuringOutage).toBe(0);
    expect(frames(gateway, GatewayOpcodes.Identify, restartedAt)).toHaveLength(1);
    expect(gateway.identifyLog.at(-1)?.shardId).toBe(expiredShard);
    expect(gateway.stats.identifyRateViolations).toBe(0);
  });

  it('everything converges with 0 lost after deduplication', () => {
    const { dispatcher, consumer, sampler } = cluster!;
    expect(dispatcher.lost(consumer)).toBe(0);
    expect(dispatcher.unknown(consumer)).toBe(0);
    expect(sampler.worst).toBe(0);
  });
});
