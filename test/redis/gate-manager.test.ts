import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShardManager } from '../../src/index.js';
import type { ShardManagerOptions } from '../../src/index.js';
import { RedisIdentifyGate } from '../../src/redis/index.js';
import type { RedisIdentifyGateOptions } from '../../src/redis/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import type { FakeGatewayOptions } from '../../src/testing/index.js';
import { connectClient, uniquePrefix } from './helpers.js';
import type { TestRedis } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();

describe.skipIf(!enabled)('ShardManagers sharing a RedisIdentifyGate, checked at a FakeGateway', () => {
  let server: RedisServer;
  const clients: TestRedis[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
  }, 30_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await server?.dispose();
  });

  async function startGateway(options: FakeGatewayOptions): Promise<FakeGateway> {
    const gateway = await FakeGateway.start({ heartbeatIntervalMs: 5_000, ...options });
    cleanups.push(() => gateway.close());
    return gateway;
  }

  /** A manager with its own Redis connection and gate, as one process of a bot would have. */
  async function manager(
    gateway: FakeGateway,
    gateOptions: Omit<RedisIdentifyGateOptions, 'redis'>,
    options: Partial<ShardManagerOptions> = {},
  ): Promise<{ manager: ShardManager; gate: RedisIdentifyGate }> {
    const redis = await connectClient(server.url);
    clients.push(redis);
    const gate = new RedisIdentifyGate({ redis, marginMs: 0, pollMs: 20, ...gateOptions });
    const created = new ShardManager({
      token: gateway.options.token,
      intents: 1,
      restUrl: gateway.restUrl,
      gatewayUrl: gateway.url,
      identifyGate: gate,
      timing: { backoffBaseMs: 20, backoffMaxMs: 100 },
      ...options,
    });
    created.on('warning', () => undefined);
    cleanups.push(() => created.stopShards());
    return { manager: created, gate };
  }

  it("hands the gate /gateway/bot's budget, holds the shards at 0 until the reset and fires the manager's budgetExhausted", async () => {
    const gateway = await startGateway({
      shardCount: 3,
      maxConcurrency: 4,
      identifyIntervalMs: 50,
      sessionStartLimit: { total: 2, remaining: 2, resetAfter: 2_000 },
    });
    const { manager: m, gate } = await manager(gateway, {
      keyPrefix: uniquePrefix(),
      intervalMs: 50,
      budgetWindowMs: 2_000,
    });
    const exhausted = new Promise<{ resetAt: number; waiting: number }>((resolve) =>
      m.once('budgetExhausted', resolve),
    );
    m.createShards(3);
    await Promise.all(m.startShards());
    expect((await exhausted).waiting).toBe(1);
    expect(gate.maxConcurrency).toBe(4);
    expect(gateway.identifyLog).toHaveLength(3);
    expect(gateway.stats.sessionStartLimitExceeded).toBe(0);
    expect(gateway.stats.identifyRateViolations).toBe(0);
  }, 30_000);

  it("ignores the clients' clocks: processes whose clocks are shifted by -2 s, 0 and +2 s never identify too early", async () => {
    const gateway = await startGateway({ shardCount: 6, maxConcurrency: 1, identifyIntervalMs: 150 });
    const prefix = uniquePrefix();
    const processes = await Promise.all(
      [-2_000, 0, 2_000].map((skew) =>
        manager(gateway, { keyPrefix: prefix, intervalMs: 150, now: () => Date.now() + skew }),
      ),
    );
    processes.forEach(({ manager: m }, index) => m.createShards([index, index + 3], 6));
    await Promise.all(processes.flatMap(({ manager: m }) => m.startShards()));
    expect(gateway.identifyLog).toHaveLength(6);
    expect(gateway.stats.identifyRateViolations).toBe(0);
  }, 30_000);
});
