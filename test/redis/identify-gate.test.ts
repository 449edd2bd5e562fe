import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardStoppedError } from '../../src/index.js';
import { RedisIdentifyGate } from '../../src/redis/index.js';
import type { RedisIdentifyGateOptions, RedisScriptClient } from '../../src/redis/index.js';
import { TestClient, connectClient, uniquePrefix, until } from './helpers.js';
import type { TestRedis } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();

describe.skipIf(!enabled)('RedisIdentifyGate against a real redis-server', () => {
  let server: RedisServer;
  let redis: TestRedis;
  const clients: TestRedis[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = await connectClient(server.url);
    clients.push(redis);
  }, 30_000);

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await server?.dispose();
  });

  /** A gate on its own connection (as another process would have). */
  async function gate(keyPrefix: string, options: Partial<RedisIdentifyGateOptions> = {}) {
    const client = await connectClient(server.url);
    clients.push(client);
    const wrapped = new TestClient(client);
    const created = new RedisIdentifyGate({ redis: wrapped, keyPrefix, marginMs: 0, pollMs: 20, ...options });
    created.on('warning', () => undefined);
    return { gate: created, client: wrapped };
  }

  /** Grant times (server clock) of the grants a gate makes, in order. */
  function grants(
    ...gates: RedisIdentifyGate[]
  ): { shardId: number; bucket: number; at: number; remaining: number | null }[] {
    const seen: { shardId: number; bucket: number; at: number; remaining: number | null }[] = [];
    for (const g of gates) g.on('identifyGranted', (event) => void seen.push(event));
    return seen;
  }

  const queued = (prefix: string, bucket: number) => redis.zCard(`{${prefix}}:gate:q:${bucket}`);
  const never = new AbortController().signal;

  it('serves the waiters of one bucket first come, first served, across processes', async () => {
    const prefix = uniquePrefix();
    const timing = { intervalMs: 100, answerTimeoutMs: 100 };
    const [a, b] = [await gate(prefix, timing), await gate(prefix, timing)];
    const seen = grants(a.gate, b.gate);
    await a.gate.waitForIdentify(0, never);
    const waits: Promise<void>[] = [];
    for (let shard = 1; shard <= 6; shard += 1) {
      waits.push((shard % 2 === 0 ? a : b).gate.waitForIdentify(shard, never));
      await until(
        `shard ${shard} queued`,
        async () => (await queued(prefix, 0)) >= shard - (seen.length - 1),
      );
    }
    await Promise.all(waits);
    expect(seen.map((grant) => grant.shardId)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('runs the buckets in parallel', async () => {
    const prefix = uniquePrefix();
    const { gate: g } = await gate(prefix, { maxConcurrency: 4, intervalMs: 2_000, answerTimeoutMs: 2_000 });
    const seen = grants(g);
    await Promise.all([0, 1, 2, 3].map((shard) => g.waitForIdentify(shard, never)));
    const times = seen.map((grant) => grant.at);
    expect(new Set(seen.map((grant) => grant.bucket)).size).toBe(4);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(2_000);
  });

  it('spaces the grants of each bucket by at least the interval, measured on the server clock', async () => {
    const prefix = uniquePrefix();
    const timing = { maxConcurrency: 2, intervalMs: 120, answerTimeoutMs: 120 };
    const gates = [await gate(prefix, timing), await gate(prefix, timing), await gate(prefix, timing)];
    const seen = grants(...gates.map((entry) => entry.gate));
    await Promise.all(
      Array.from({ length: 12 }, (_, shard) => gates[shard % 3]!.gate.waitForIdentify(shard, never)),
    );
    for (const bucket of [0, 1]) {
      const times = seen.filter((grant) => grant.bucket === bucket).map((grant) => grant.at);
      expect(times).toHaveLength(6);
      const gaps = times.slice(1).map((at, index) => at - times[index]!);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(120);
    }
  });

  it("expires a dead waiter's ticket, so it does not block the bucket", async () => {
    const prefix = uniquePrefix();
    const timing = { intervalMs: 100, answerTimeoutMs: 100, leaseMs: 600 };
    const [dead, live] = [await gate(prefix, timing), await gate(prefix, timing)];
    await live.gate.waitForIdentify(0, never);
    const deadWait = new AbortController();
    const deadGranted = dead.gate.waitForIdentify(1, deadWait.signal).then(
      () => true,
      () => false,
    );
    await until('the dead waiter queued', async () => (await queued(prefix, 0)) === 1);
    dead.client.dead = true; // its process "died": it no longer renews its ticket
    const liveWait = live.gate.waitForIdentify(2, never);
    await until('the live waiter queued', async () => (await queued(prefix, 0)) === 2);
    await liveWait;
    expect(await queued(prefix, 0)).toBe(0);
    deadWait.abort();
    expect(await deadGranted).toBe(false);
  });

  it('removes the ticket of an aborted wait at once', async () => {
    const prefix = uniquePrefix();
    const { gate: g } = await gate(prefix, { intervalMs: 60_000, answerTimeoutMs: 60_000 });
    await g.waitForIdentify(0, never);
    const controller = new AbortController();
    const waiting = g.waitForIdentify(1, controller.signal);
    await until('queued', async () => (await queued(prefix, 0)) === 1);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(ShardStoppedError);
    await until('the ticket removed', async () => (await queued(prefix, 0)) === 0);
  });

  it('spends the shared budget atomically and holds every waiter at 0 until the reset', async () => {
    const prefix = uniquePrefix();
    const timing = { maxConcurrency: 16, intervalMs: 100, answerTimeoutMs: 100, budgetWindowMs: 3_000 };
    const gates = [await gate(prefix, timing), await gate(prefix, timing), await gate(prefix, timing)];
    const seen = grants(...gates.map((entry) => entry.gate));
    const exhausted: number[] = [];
    gates.forEach(({ gate: g }, index) => {
      g.configure({ budget: { total: 5, remaining: 5, resetAfterMs: 3_000 } });
      g.on('budgetExhausted', () => void exhausted.push(index));
    });
    await Promise.all(
      Array.from({ length: 8 }, (_, shard) => gates[shard % 3]!.gate.waitForIdentify(shard, never)),
    );
    // The reset of the first window, on the server clock (the last configure returned the stored one).
    const resetAt = Math.max(...gates.map(({ gate: g }) => g.budget?.resetAt ?? 0));
    const before = seen.filter((grant) => grant.at < resetAt);
    // Each grant took its own unit of the budget (the order of the events between processes may vary).
    expect(before.map((grant) => grant.remaining).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(seen.filter((grant) => grant.at >= resetAt)).toHaveLength(3);
    expect(exhausted.length).toBeGreaterThan(0);
  });

  it('takes a node-redis client as it is', () => {
    const client: RedisScriptClient = redis;
    expect(() => new RedisIdentifyGate({ redis: client })).not.toThrow();
  });
});
