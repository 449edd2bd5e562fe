import { GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShardCluster, staticShards } from '../../src/redis/index.js';
import type { ShardClusterOptions } from '../../src/redis/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import { connectClient, uniquePrefix, until } from './helpers.js';
import type { TestRedis } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();
const fakeClient = { eval: () => Promise.resolve(null), evalSha: () => Promise.resolve(null) };
const base = { token: 'x'.repeat(40), intents: 1, mode: 'dynamic' as const };

describe('ShardCluster options', () => {
  it('without a client: InvalidArgumentError naming `redis`', () => {
    expect(() => new ShardCluster({ ...base } as unknown as ShardClusterOptions)).toThrow(
      /ShardCluster needs `redis`/,
    );
    expect(() => new ShardCluster({ ...base } as unknown as ShardClusterOptions)).toThrow(
      expect.objectContaining({ code: 'STATECORD_ERR_INVALID_ARGUMENT' }),
    );
  });

  it('a key prefix that is not a string: InvalidArgumentError naming keyPrefix', () => {
    const options = { ...base, redis: fakeClient, keyPrefix: 42 } as unknown as ShardClusterOptions;
    expect(() => new ShardCluster(options)).toThrow(/keyPrefix must be a non-empty string/);
    expect(() => new ShardCluster(options)).toThrow(
      expect.objectContaining({ code: 'STATECORD_ERR_INVALID_ARGUMENT' }),
    );
  });

  it('a mode that is neither dynamic nor { clusterId < clusterCount }: InvalidArgumentError', () => {
    const options = { ...base, redis: fakeClient, mode: { clusterId: 2, clusterCount: 2 } };
    expect(() => new ShardCluster(options)).toThrow(
      expect.objectContaining({ code: 'STATECORD_ERR_INVALID_ARGUMENT' }),
    );
  });

  it('renewMs above leaseMs / 3: InvalidArgumentError', () => {
    const options = { ...base, redis: fakeClient, leaseMs: 1_000, renewMs: 500 };
    expect(() => new ShardCluster(options)).toThrow(
      expect.objectContaining({ code: 'STATECORD_ERR_INVALID_ARGUMENT' }),
    );
  });

  it.each(['workers', 'workerRespawn', 'spawnWorker'])(
    'worker thread option %s: InvalidArgumentError (each shard runs in a manager of its own)',
    (key) => {
      const options = { ...base, redis: fakeClient, [key]: key === 'workers' ? 2 : {} };
      expect(() => new ShardCluster(options as unknown as ShardClusterOptions)).toThrow(
        expect.objectContaining({
          code: 'STATECORD_ERR_INVALID_ARGUMENT',
          message: expect.stringContaining(`${key} is not supported`) as unknown,
        }),
      );
    },
  );

  it('the token is never in an option error', () => {
    const token = 'secret-token-that-must-not-leak';
    try {
      new ShardCluster({ ...base, token, redis: fakeClient, leaseMs: 1_000, renewMs: 500 });
    } catch (error) {
      expect(String(error)).not.toContain(token);
      return;
    }
    throw new Error('expected an error');
  });

  it('Redis unreachable at start(): rejects with RedisUnavailableError', async () => {
    // A node-redis client that is not connected: every command fails.
    const redis = createClient({ url: 'redis://127.0.0.1:1' });
    const cluster = new ShardCluster({ ...base, redis, totalShards: 1, fetchGatewayInfo: false });
    await expect(cluster.start()).rejects.toMatchObject({ code: 'STATECORD_ERR_REDIS_UNAVAILABLE' });
    expect(cluster.shards).toHaveLength(0);
  });
});

describe.skipIf(!enabled)('ShardCluster in one process (two clusters sharing a Redis)', () => {
  let server: RedisServer;
  let gateway: FakeGateway;
  const clients: TestRedis[] = [];
  const clusters: ShardCluster[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
  }, 30_000);
  afterEach(async () => {
    for (const cluster of clusters.splice(0)) await cluster.stop({ resumable: false });
    await gateway?.close();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await server?.dispose();
  });

  async function cluster(prefix: string, mode: ShardClusterOptions['mode']): Promise<ShardCluster> {
    const redis = await connectClient(server.url);
    clients.push(redis);
    const created = new ShardCluster({
      redis,
      keyPrefix: prefix,
      mode,
      token: gateway.options.token,
      intents: GatewayIntentBits.Guilds,
      gatewayUrl: gateway.url,
      restUrl: gateway.restUrl,
      leaseMs: 1_500,
      renewMs: 200,
      gate: { intervalMs: 50, pollMs: 20 },
    });
    created.on('warning', () => undefined);
    clusters.push(created);
    return created;
  }

  const allReady = (list: readonly ShardCluster[], count: number) =>
    list.flatMap((c) => c.shards).filter((shard) => shard.state === 'ready').length === count;

  it('static mode: each process runs its bucket-spreading share, every shard once, 0 identify violations', async () => {
    gateway = await FakeGateway.start({ shardCount: 8, maxConcurrency: 4, identifyIntervalMs: 50 });
    const prefix = uniquePrefix();
    const a = await cluster(prefix, { clusterId: 0, clusterCount: 2 });
    const b = await cluster(prefix, { clusterId: 1, clusterCount: 2 });
    await Promise.all([a.start(), b.start()]);
    await until('every shard ready', () => allReady([a, b], 8));
    expect(a.shardIds).toEqual(staticShards(8, 4, 0, 2));
    expect(b.shardIds).toEqual(staticShards(8, 4, 1, 2));
    expect(gateway.stats.identifyRateViolations).toBe(0);
  });

  it('static mode: a process that restarts resumes its shards from the store (RESUME, no IDENTIFY)', async () => {
    gateway = await FakeGateway.start({ shardCount: 4, maxConcurrency: 4, identifyIntervalMs: 50 });
    const prefix = uniquePrefix();
    const first = await cluster(prefix, { clusterId: 0, clusterCount: 1 });
    await first.start();
    await until('every shard ready', () => allReady([first], 4));
    await first.stop();
    const identifies = gateway.identifyLog.length;
    const second = await cluster(prefix, { clusterId: 0, clusterCount: 1 });
    await second.start();
    await until('every shard ready again', () => allReady([second], 4));
    expect(gateway.identifyLog).toHaveLength(identifies);
    expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Resume)).toHaveLength(4);
  });

  it('dynamic mode: a process that joins gets its fair share handed over, resumed without an IDENTIFY', async () => {
    gateway = await FakeGateway.start({ shardCount: 8, maxConcurrency: 4, identifyIntervalMs: 50 });
    const prefix = uniquePrefix();
    const a = await cluster(prefix, 'dynamic');
    const released: number[] = [];
    a.on('shardReleased', ({ shardId, reason }) => {
      if (reason === 'handOver') released.push(shardId);
    });
    await a.start();
    await until('every shard ready on the first process', () => allReady([a], 8));
    const identifies = gateway.identifyLog.length;
    const b = await cluster(prefix, 'dynamic');
    await b.start();
    await until(
      'both hold half, all ready',
      () => a.shardIds.length === 4 && b.shardIds.length === 4 && allReady([a, b], 8),
    );
    expect(released.sort((x, y) => x - y)).toEqual(b.shardIds);
    expect(gateway.identifyLog).toHaveLength(identifies);
  });
});
