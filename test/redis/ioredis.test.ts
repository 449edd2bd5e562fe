import { GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionStore, ShardCluster, fromIoredis } from '../../src/redis/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import { uniquePrefix, until } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();

describe.skipIf(!enabled)('statecord/redis on an ioredis client (fromIoredis)', () => {
  let server: RedisServer;
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
  }, 30_000);
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server?.dispose();
  });

  function ioredis(): Redis {
    const client = new Redis(server.url, { lazyConnect: false });
    clients.push(client);
    return client;
  }

  it('RedisSessionStore: a session written and read back, its sequence never lowered', async () => {
    const store = new RedisSessionStore({ redis: fromIoredis(ioredis()), keyPrefix: uniquePrefix() });
    await store.set(3, { sessionId: 'a', sequence: 10, resumeUrl: 'wss://r.example', shardCount: 4 });
    await store.set(3, { sessionId: 'a', sequence: 7, resumeUrl: 'wss://r.example', shardCount: 4 });
    expect(await store.get(3)).toEqual({
      sessionId: 'a',
      sequence: 10,
      resumeUrl: 'wss://r.example',
      shardCount: 4,
    });
  });

  it('ShardCluster: two static processes run every shard, then one restarts and RESUMEs', async () => {
    const gateway = await FakeGateway.start({ shardCount: 4, maxConcurrency: 2, identifyIntervalMs: 50 });
    try {
      const prefix = uniquePrefix();
      const cluster = (clusterId: number) =>
        new ShardCluster({
          redis: fromIoredis(ioredis()),
          keyPrefix: prefix,
          mode: { clusterId, clusterCount: 2 },
          token: gateway.options.token,
          intents: GatewayIntentBits.Guilds,
          gatewayUrl: gateway.url,
          restUrl: gateway.restUrl,
          gate: { intervalMs: 50, pollMs: 20 },
        });
      const [a, b] = [cluster(0), cluster(1)];
      await Promise.all([a.start(), b.start()]);
      const ready = (list: ShardCluster[]) =>
        list.flatMap((c) => c.shards).filter((shard) => shard.state === 'ready').length;
      await until('every shard ready', () => ready([a, b]) === 4);
      expect(gateway.stats.identifyRateViolations).toBe(0);
      await a.stop();
      const again = cluster(0);
      await again.start();
      await until('every shard ready again', () => ready([again, b]) === 4);
      expect(gateway.identifyLog).toHaveLength(4);
      expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Resume)).toHaveLength(2);
      await Promise.all([again.stop({ resumable: false }), b.stop({ resumable: false })]);
    } finally {
      await gateway.close();
    }
  });
});
