import { GatewayDispatchEvents, GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardManager } from '../../src/index.js';
import { RedisIdentifyGate } from '../../src/redis/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import { TestClient, connectClient, uniquePrefix, until } from './helpers.js';
import type { TestRedis } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();

describe.skipIf(!enabled)('RedisIdentifyGate while Redis is down', () => {
  let server: RedisServer;
  let gateway: FakeGateway;
  const clients: TestRedis[] = [];
  const managers: ShardManager[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
    gateway = await FakeGateway.start({
      shardCount: 2,
      maxConcurrency: 2,
      identifyIntervalMs: 50,
      heartbeatIntervalMs: 5_000,
    });
  }, 30_000);
  afterAll(async () => {
    for (const manager of managers) await manager.stopShards();
    for (const client of clients) client.destroy();
    await gateway?.close();
    await server?.dispose();
  });

  async function botProcess(
    prefix: string,
  ): Promise<{ manager: ShardManager; warnings: Error[]; redis: TestClient }> {
    const client = await connectClient(server.url);
    clients.push(client);
    const redis = new TestClient(client);
    const gate = new RedisIdentifyGate({
      redis,
      keyPrefix: prefix,
      intervalMs: 50,
      pollMs: 20,
      commandTimeoutMs: 300,
    });
    const manager = new ShardManager({
      token: gateway.options.token,
      intents: GatewayIntentBits.Guilds | GatewayIntentBits.DirectMessageTyping,
      restUrl: gateway.restUrl,
      gatewayUrl: gateway.url,
      identifyGate: gate,
      timing: { backoffBaseMs: 20, backoffMaxMs: 100 },
    });
    const warnings: Error[] = [];
    manager.on('warning', ({ error }) => void warnings.push(error));
    managers.push(manager);
    return { manager, warnings, redis };
  }

  it('fails closed: no identify reaches the gateway, a warning is reported, running shards go on, and it converges once Redis is back', async () => {
    const prefix = uniquePrefix();
    const running = await botProcess(prefix);
    running.manager.createShards([0], 2);
    await Promise.all(running.manager.startShards());
    const waiting = await botProcess(prefix);
    waiting.manager.createShards([1], 2);

    await server.stop();
    const identifiesBefore = gateway.received.filter((frame) => frame.op === GatewayOpcodes.Identify).length;
    const started = waiting.manager.startShards();
    await until('a Redis warning', () =>
      waiting.warnings.some(
        (error) => (error as { code?: string }).code === 'STATECORD_ERR_REDIS_UNAVAILABLE',
      ),
    );
    // The running shard still gets its events while Redis is down.
    const delivered = new Promise<void>((resolve) =>
      running.manager.on('dispatch', ({ payload }) => {
        if (payload.t === GatewayDispatchEvents.TypingStart) resolve();
      }),
    );
    gateway.dispatch(
      GatewayDispatchEvents.TypingStart,
      { channel_id: '1', user_id: '2', timestamp: 1 },
      { shardId: 0 },
    );
    await delivered;
    // Three more attempts have failed (backoff from 100 ms): still no identify on the wire.
    const attempts = waiting.redis.calls;
    await until('three more attempts', () => waiting.redis.calls >= attempts + 3);
    expect(waiting.manager.shards[0]?.state).toBe('identifying');
    expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Identify)).toHaveLength(
      identifiesBefore,
    );
    expect(running.manager.shards[0]?.state).toBe('ready');

    await server.restart();
    await Promise.all(started);
    expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Identify)).toHaveLength(
      identifiesBefore + 1,
    );
    expect(gateway.stats.identifyRateViolations).toBe(0);
  }, 40_000);
});
