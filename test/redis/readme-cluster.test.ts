import { GatewayIntentBits } from 'discord-api-types/v10';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardCluster } from '../../src/redis/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import { uniquePrefix, until } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();

describe.skipIf(!enabled)("the README's ShardCluster example, as written, against the fakes", () => {
  let server: RedisServer;
  let gateway: FakeGateway;

  beforeAll(async () => {
    server = await RedisServer.start();
    gateway = await FakeGateway.start({ shardCount: 4, maxConcurrency: 4, identifyIntervalMs: 50 });
  }, 30_000);
  afterAll(async () => {
    await gateway?.close();
    await server?.dispose();
  });

  it('joins with default timings, runs every shard, and stops resumably', async () => {
    const { token, gatewayUrl, restUrl } = gateway.clientOptions;
    const intents = GatewayIntentBits.Guilds;
    const seen: string[] = [];
    const acquired: number[] = [];

    // --- README (the Redis URL, the key prefix and the fake's endpoints differ; logs are kept) ---
    const redis = await createClient({ url: server.url }).connect();
    const cluster = new ShardCluster({
      redis,
      token,
      intents,
      keyPrefix: uniquePrefix(),
      mode: 'dynamic',
      gatewayUrl,
      restUrl,
    });
    cluster.on('dispatch', ({ shard, payload }) => void seen.push(`${shard.id} ${payload.t}`));
    cluster.on('shardAcquired', ({ shardId }) => void acquired.push(shardId));
    await cluster.start();
    // --- end of README ---

    await until('every shard ready', () => cluster.shards.filter((s) => s.state === 'ready').length === 4);
    expect(acquired.sort()).toEqual([0, 1, 2, 3]);
    expect(seen).toContain('0 READY');
    await cluster.stop();
    expect(cluster.shards).toHaveLength(0);
    expect(gateway.sessions.every((session) => !session.connected)).toBe(true);
    redis.destroy();
  }, 30_000);
});
