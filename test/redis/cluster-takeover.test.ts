import { GatewayOpcodes } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGateway } from '../../src/testing/index.js';
import { ClusterBot, Consumer, Dispatcher, OverlapSampler } from './cluster-harness.js';
import type { ClusterSetup } from './cluster-harness.js';
import { uniquePrefix, until } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();
const SHARDS = 12;
const LEASE_MS = 2_000;
const RENEW_MS = 400;
const INTERVAL_MS = 100;

/** Starts a FakeGateway and bots with the given clock skews; resolves once every shard is ready once. */
async function startCluster(server: RedisServer, skews: readonly number[]) {
  const gateway = await FakeGateway.start({
    shardCount: SHARDS,
    maxConcurrency: 4,
    identifyIntervalMs: INTERVAL_MS,
    heartbeatIntervalMs: 10_000,
  });
  const setup: ClusterSetup = {
    redisUrl: server.url,
    keyPrefix: uniquePrefix(),
    token: gateway.options.token,
    gatewayUrl: gateway.url,
    restUrl: gateway.restUrl,
    leaseMs: LEASE_MS,
    renewMs: RENEW_MS,
    intervalMs: INTERVAL_MS,
    sessionSaveIntervalMs: 200,
  };
  const consumer = new Consumer();
  const bots = skews.map((skew, index) => new ClusterBot(setup, `bot${index}`, consumer, skew));
  const sampler = new OverlapSampler(gateway);
  sampler.start();
  const dispatcher = new Dispatcher(gateway, SHARDS);
  await until(
    'every shard ready',
    () => {
      const failed = bots.find((bot) => bot.error !== null);
      if (failed !== undefined) throw new Error(`a bot failed: ${failed.error}`);
      const ready = new Set(bots.flatMap((bot) => bot.events('ready').map((event) => event.id)));
      return ready.size === SHARDS;
    },
    60_000,
  );
  return { gateway, bots, consumer, sampler, dispatcher };
}

type Cluster = Awaited<ReturnType<typeof startCluster>>;

/** Stops dispatching and waits until the consumer saw everything sent (or the timeout: then lost > 0). */
async function drain(cluster: Cluster): Promise<void> {
  cluster.dispatcher.stop();
  await until('every dispatch seen', () => cluster.dispatcher.lost(cluster.consumer) === 0, 20_000).catch(
    () => undefined,
  );
  cluster.sampler.stop();
}

async function dispose(cluster: Cluster | undefined): Promise<void> {
  if (cluster === undefined) return;
  cluster.dispatcher.stop();
  cluster.sampler.stop();
  for (const bot of cluster.bots) bot.signal('SIGCONT');
  for (const bot of cluster.bots) bot.kill();
  await cluster.gateway.close();
}

const frames = (gateway: FakeGateway, op: GatewayOpcodes, since: number) =>
  gateway.received.filter((frame) => frame.op === op && frame.at >= since);

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
      frames(gateway, GatewayOpcodes.Resume, killedAt).map((frame) => (frame.d as { session_id: string }).session_id),
    );
    expect(resumed.size).toBe(killedShards.length);
  });

  it('a consumer deduplicating by (sessionId, seq) sees 0 lost and 0 made-up dispatches', () => {
    const { dispatcher, consumer } = cluster!;
    expect(dispatcher.sent.size).toBeGreaterThan(SHARDS * 20);
    expect(dispatcher.lost(consumer)).toBe(0);
    expect(dispatcher.unknown(consumer)).toBe(0);
  });

  it('clocks shifted by ±2 s cause no identify violation and no second live session of a shard', () => {
    const { gateway, sampler } = cluster!;
    expect(gateway.stats.identifyRateViolations).toBe(0);
    expect(gateway.identifyLog).toHaveLength(SHARDS);
    expect(sampler.worst).toBe(0);
  });
});
