import { GatewayOpcodes } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARDS, dispose, drain, frames, startCluster } from './cluster-rig.js';
import type { Cluster } from './cluster-rig.js';
import { until } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();

describe.skipIf(!enabled)('ShardCluster (dynamic): a process is SIGKILLed mid-stream', () => {
  let server: RedisServer;
  let cluster: Cluster | undefined;
  let killedShards: number[] = [];
  let killedAt = 0;
  let identifiesBeforeKill = 0;

  // One run (3 processes with clocks shifted by +2 s, −2 s and 0), several rules checked on it.
  beforeAll(async () => {
    server = await RedisServer.start();
    cluster = await startCluster(server, [2_000, -2_000, 0]);
    const { bots, dispatcher, gateway } = cluster;
    dispatcher.start(20);
    await until('a few dispatches per shard', () => (dispatcher.perShard.get(0) ?? 0) >= 10);
    const victim = bots[0]!;
    killedShards = [...victim.owned].sort((a, b) => a - b);
    identifiesBeforeKill = gateway.identifyLog.length;
    killedAt = Date.now();
    victim.kill();
    const survivors = bots.slice(1);
    await until(
      "the killed process's shards ready elsewhere",
      () => {
        const ready = new Set(survivors.flatMap((bot) => bot.events('ready', killedAt).map((e) => e.id)));
        return killedShards.every((id) => ready.has(id));
      },
      30_000,
    );
    const more = (dispatcher.perShard.get(0) ?? 0) + 10;
    await until('more dispatches after the takeover', () => (dispatcher.perShard.get(0) ?? 0) >= more);
    await drain(cluster);
    if (process.env['STATECORD_PRINT'] === '1') {
      const { consumer } = cluster;
      process.stderr.write(
        `killed ${killedShards.length} shards; sent ${dispatcher.sent.size}, raw ${consumer.raw}, duplicates dropped ${consumer.duplicatesDropped}, lost ${dispatcher.lost(consumer)}\n`,
      );
    }
  }, 80_000);

  afterAll(async () => {
    await dispose(cluster);
    await server?.dispose();
  });

  it('the killed process held shards, and the survivors took every one of them over', () => {
    expect(killedShards.length).toBeGreaterThan(0);
    const survivors = cluster!.bots.slice(1);
    const owned = survivors.flatMap((bot) => [...bot.owned]);
    expect(new Set(owned).size).toBe(SHARDS);
    expect(owned).toHaveLength(SHARDS);
  });

  it('the takeover RESUMEs on the wire: no IDENTIFY after the kill', () => {
    const { gateway } = cluster!;
    expect(frames(gateway, GatewayOpcodes.Identify, killedAt)).toHaveLength(0);
    expect(gateway.identifyLog).toHaveLength(identifiesBeforeKill);
    const resumed = new Set(
      frames(gateway, GatewayOpcodes.Resume, killedAt).map(
        (frame) => (frame.d as { session_id: string }).session_id,
      ),
    );
    expect(resumed.size).toBe(killedShards.length);
  });

  it('a consumer deduplicating by (sessionId, seq) sees 0 lost and 0 made-up dispatches', () => {
    const { dispatcher, consumer } = cluster!;
    expect(dispatcher.sent.size).toBeGreaterThan(SHARDS * 20);
    expect(dispatcher.lost(consumer)).toBe(0);
    expect(dispatcher.unseenCopies(consumer)).toBe(0);
    expect(dispatcher.unknown(consumer)).toBe(0);
  });

  it('clocks shifted by ±2 s cause no identify violation and no second live session of a shard', () => {
    const { gateway, sampler } = cluster!;
    expect(gateway.stats.identifyRateViolations).toBe(0);
    expect(gateway.identifyLog).toHaveLength(SHARDS);
    expect(sampler.worst).toBe(0);
  });
});
