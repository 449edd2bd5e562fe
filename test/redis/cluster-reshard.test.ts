import { GatewayDispatchEvents, GatewayIntentBits } from 'discord-api-types/v10';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReshardBudgetError, ReshardFailedError } from '../../src/index.js';
import { ShardCluster } from '../../src/redis/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import type { FakeGatewayOptions } from '../../src/testing/index.js';
import { connectClient, uniquePrefix, until } from './helpers.js';
import type { TestRedis } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();

/** 16 guilds whose ids route them over every shard of 4 and of 8: `(id >> 22) % n` is 1..16 mod n. */
const guilds = Array.from({ length: 16 }, (_, index) => ({
  id: String(BigInt(index + 1) << 22n),
  name: `g${index}`,
}));

describe.skipIf(!enabled)('ShardCluster.reshard (two members, each with its own Redis client)', () => {
  let server: RedisServer;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    server = await RedisServer.start();
  }, 30_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  /** A FakeGateway of 4 shards, and two members holding 2 shards each, every shard ready. */
  async function startCluster(options: FakeGatewayOptions = {}) {
    const gateway = await FakeGateway.start({
      shardCount: 4,
      maxConcurrency: 4,
      heartbeatIntervalMs: 10_000,
      identifyIntervalMs: 20,
      guilds,
      ...options,
    });
    cleanups.push(() => gateway.close());
    const keyPrefix = uniquePrefix();
    const clients: TestRedis[] = [];
    const members = await Promise.all(
      ['a', 'b'].map(async (memberId) => {
        const redis = await connectClient(server.url);
        clients.push(redis);
        const cluster = new ShardCluster({
          redis,
          keyPrefix,
          token: gateway.options.token,
          intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages,
          gatewayUrl: gateway.url,
          restUrl: gateway.restUrl,
          mode: 'dynamic',
          memberId,
          leaseMs: 2_000,
          renewMs: 400,
          sessionSaveIntervalMs: 200,
          timing: { backoffBaseMs: 20, backoffMaxMs: 100 },
          gate: { intervalMs: 20, pollMs: 20, commandTimeoutMs: 1_000 },
        });
        cleanups.push(async () => {
          await cluster.stop({ resumable: false });
          redis.destroy();
        });
        return cluster;
      }),
    );
    // Every member records the message ids its `dispatch` listeners see: the union is the bot's.
    const seen: string[] = [];
    for (const member of members) {
      member.on('dispatch', ({ payload }) => {
        if (payload.t === GatewayDispatchEvents.MessageCreate) seen.push(payload.d.id);
      });
    }
    await Promise.all(members.map((member) => member.start()));
    await until(
      'each member holding 2 ready shards',
      () => members.every((m) => m.shards.length === 2 && m.shards.every((s) => s.state === 'ready')),
      30_000,
    );
    return { gateway, members, seen };
  }

  /** A MESSAGE_CREATE with a new id every few ms, round robin over the guilds, until stopped. */
  function steadyStream(gateway: FakeGateway) {
    const sent: string[] = [];
    let next = 0;
    const timer = setInterval(() => {
      for (let burst = 0; burst < 2; burst++) {
        const id = String(1_000_000 + next);
        const guild = guilds[next % guilds.length]!;
        next++;
        sent.push(id);
        gateway.dispatch('MESSAGE_CREATE', { id, guild_id: guild.id, channel_id: guild.id, content: id });
      }
    }, 4);
    cleanups.push(() => clearInterval(timer));
    return { sent, stop: () => clearInterval(timer) };
  }

  const allSeen = (seen: readonly string[], sent: readonly string[]) => {
    const distinct = new Set(seen);
    return sent.every((id) => distinct.has(id));
  };

  it('reshards 4 → 8 under a steady stream: the union of both members delivers every event exactly once', async () => {
    const { gateway, members, seen } = await startCluster();
    const [a, b] = members as [ShardCluster, ShardCluster];
    const events: string[] = [];
    for (const [name, member] of [
      ['a', a],
      ['b', b],
    ] as const) {
      member.on('reshardStarted', ({ from, to }) => events.push(`${name} started ${from}→${to}`));
      member.on('resharded', ({ from, to }) => events.push(`${name} resharded ${from}→${to}`));
    }
    const stream = steadyStream(gateway);

    const outcome = await a.reshard(8, { overlapMs: 300, dedupeWindowMs: 1_500 });
    await until('b resharded too', () => events.includes('b resharded 4→8'), 20_000);
    const sentSoFar = stream.sent.slice();
    await until('the stream delivered on the new set', () => allSeen(seen, sentSoFar), 20_000);
    stream.stop();
    await until('every message delivered', () => allSeen(seen, stream.sent), 20_000);

    expect(seen.length).toBe(stream.sent.length);
    expect(new Set(seen).size).toBe(stream.sent.length);
    expect(outcome.duplicates).toBeGreaterThan(0);
    expect(events.filter((event) => event.includes('started')).sort()).toEqual([
      'a started 4→8',
      'b started 4→8',
    ]);
    expect(members.map((member) => member.totalShardCount)).toEqual([8, 8]);
    // Each member runs the new shards of its old ones: j ≡ i (mod 4).
    const held = members.map((member) => member.shardIds);
    expect(held.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const ids of held) expect(ids).toHaveLength(4);
    expect(members.flatMap((m) => m.shards.map((s) => [s.shardCount, s.state]))).toEqual(
      Array(8).fill([8, 'ready']),
    );
    // 4 identifies at start, 8 for the new set, and no RESUME: the new shards never paused.
    expect(gateway.stats.identifies).toBe(12);
    expect(gateway.stats.identifyRateViolations).toBe(0);
    expect(gateway.sessions.filter((session) => session.connected).map((s) => s.shardCount)).toEqual(
      Array(8).fill(8),
    );
  }, 60_000);

  it('is refused with ReshardBudgetError, before any IDENTIFY, when the session starts left cannot cover the new set', async () => {
    const { gateway, members } = await startCluster({ sessionStartLimit: { total: 1000, remaining: 10 } });
    const [a, b] = members as [ShardCluster, ShardCluster];
    const started: string[] = [];
    b.on('reshardStarted', () => started.push('b'));

    const error = await a.reshard(8).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ReshardBudgetError);
    expect(error).toMatchObject({ needed: 8, remaining: 6 });
    // The other member never saw a reshard; nothing identified; the old set runs on.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(started).toEqual([]);
    expect(gateway.stats.identifies).toBe(4);
    expect(members.map((member) => [member.totalShardCount, member.shards.length])).toEqual([
      [4, 2],
      [4, 2],
    ]);
  }, 60_000);

  it('a member that leaves mid-reshard aborts it: ReshardFailedError, the new shards stopped, the old set runs on with every event once', async () => {
    const { gateway, members, seen } = await startCluster();
    const [a, b] = members as [ShardCluster, ShardCluster];
    const stream = steadyStream(gateway);
    const bStarted = new Promise<void>((resolve) => b.once('reshardStarted', () => resolve()));
    const bFailed = new Promise<Error>((resolve) => b.once('reshardFailed', ({ error }) => resolve(error)));

    const reshard = a
      .reshard(8, { overlapMs: 300, dedupeWindowMs: 1_000 })
      .catch((thrown: unknown) => thrown);
    await bStarted;
    await b.stop();

    const error = await reshard;
    expect(error).toBeInstanceOf(ReshardFailedError);
    expect(error).toMatchObject({ stage: 'start' });
    expect(await bFailed).toBeInstanceOf(Error);
    // a takes b's old shards over (RESUME) and runs the old count alone.
    await until(
      'a running all 4 old shards',
      () => a.shards.filter((s) => s.state === 'ready').length === 4,
      20_000,
    );
    const sentSoFar = stream.sent.slice();
    await until('the stream delivered', () => allSeen(seen, sentSoFar), 20_000);
    stream.stop();
    await until('every message delivered', () => allSeen(seen, stream.sent), 20_000);
    expect(seen.length).toBe(stream.sent.length);
    expect(a.totalShardCount).toBe(4);
    expect(a.shards.map((shard) => shard.shardCount)).toEqual([4, 4, 4, 4]);
    await until('no session of the new count connected', () =>
      gateway.sessions.filter((session) => session.connected).every((session) => session.shardCount === 4),
    );
  }, 60_000);
});
