import { GatewayDispatchEvents, GatewayIntentBits } from 'discord-api-types/v10';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { ReshardBudgetError, ReshardFailedError, ReshardStateError } from '../../src/index.js';
import { planClusterReshard } from '../../src/redis/cluster/cluster-reshard-options.js';
import { ShardCluster } from '../../src/redis/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import type { FakeGatewayOptions } from '../../src/testing/index.js';
import { TestClient, connectClient, uniquePrefix, until } from './helpers.js';
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
    const clients = new Map<string, TestClient>();
    const member = async (memberId: string) => {
      const redis = await connectClient(server.url);
      // Wrapped: a test can cut a member off from Redis as a process death does.
      const client = new TestClient(redis);
      clients.set(memberId, client);
      const cluster = new ShardCluster({
        redis: client,
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
      // Every member records the message ids its `dispatch` listeners see: the union is the bot's.
      cluster.on('dispatch', ({ payload }) => {
        if (payload.t === GatewayDispatchEvents.MessageCreate) seen.push(payload.d.id);
      });
      return cluster;
    };
    const seen: string[] = [];
    const members = await Promise.all(['a', 'b'].map(member));
    await Promise.all(members.map((member) => member.start()));
    await until(
      'each member holding 2 ready shards',
      () => members.every((m) => m.shards.length === 2 && m.shards.every((s) => s.state === 'ready')),
      30_000,
    );
    return { gateway, members, seen, member, clients };
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

  it('a member that dies mid-reshard (cut off from Redis, its shards gone) aborts it: the survivor runs the old set, 0 lost', async () => {
    const { gateway, members, seen, clients } = await startCluster();
    const [a, b] = members as [ShardCluster, ShardCluster];
    const stream = steadyStream(gateway);
    const bStarted = new Promise<void>((resolve) => b.once('reshardStarted', () => resolve()));

    const reshard = a
      .reshard(8, { overlapMs: 300, dedupeWindowMs: 1_000 })
      .catch((thrown: unknown) => thrown);
    await bStarted;
    // A death: nothing b does reaches Redis any more (no report, no release, no save), its sockets close.
    clients.get('b')!.dead = true;
    await b.stop();

    const error = await reshard;
    expect(error).toBeInstanceOf(ReshardFailedError);
    // Its leases lapsed and a took them over: the commit's check saw old shards change owner.
    expect(String((error as ReshardFailedError).cause)).toMatch(
      /changed owner|stopped ticking|not all loaded/,
    );
    await until(
      'a running all 4 old shards',
      () => a.shards.filter((s) => s.state === 'ready').length === 4,
      20_000,
    );
    const sentSoFar = stream.sent.slice();
    await until('the stream delivered', () => allSeen(seen, sentSoFar), 20_000);
    stream.stop();
    await until('every message delivered', () => allSeen(seen, stream.sent), 20_000);
    if (process.env['STATECORD_PRINT'] === '1') {
      // Replays of the takeover (docs/protocol/resharding.md §4: at least once across a death).
      process.stderr.write(
        `sent ${stream.sent.length}, delivered ${seen.length}, distinct ${new Set(seen).size}\n`,
      );
    }
    expect(a.totalShardCount).toBe(4);
    expect(a.shards.map((shard) => shard.shardCount)).toEqual([4, 4, 4, 4]);
    // Every new shard (a's withdrawn, b's gone with it) is disconnected.
    expect(gateway.sessions.filter((s) => s.connected && s.shardCount === 8)).toHaveLength(0);
  }, 60_000);

  it('a member that joins mid-reshard takes part without old shards; after the commit it gets its fair share, every event once', async () => {
    const { gateway, members, seen, member } = await startCluster();
    const [a, b] = members as [ShardCluster, ShardCluster];
    const stream = steadyStream(gateway);
    const bStarted = new Promise<void>((resolve) => b.once('reshardStarted', () => resolve()));

    const reshard = a.reshard(8, { overlapMs: 1_000, dedupeWindowMs: 1_000 });
    await bStarted;
    const c = await member('c');
    await c.start();
    await reshard;

    await until(
      'every member at 8 shards, c holding its fair share of ready shards',
      () =>
        [a, b, c].every((m) => m.totalShardCount === 8) &&
        c.shards.length >= 2 &&
        [a, b, c].flatMap((m) => m.shards).filter((s) => s.state === 'ready').length === 8,
      30_000,
    );
    const sentSoFar = stream.sent.slice();
    await until('the stream delivered', () => allSeen(seen, sentSoFar), 20_000);
    stream.stop();
    await until('every message delivered', () => allSeen(seen, stream.sent), 20_000);
    expect(seen.length).toBe(stream.sent.length);
    expect(new Set(seen).size).toBe(stream.sent.length);
    const held = [a, b, c].flatMap((m) => m.shardIds).sort((x, y) => x - y);
    expect(held).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([a, b, c].flatMap((m) => m.shards.map((s) => s.shardCount))).toEqual(Array(8).fill(8));
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

describe('ShardCluster.reshard is refused before it starts', () => {
  const redis = { eval: () => Promise.resolve(null), evalSha: () => Promise.resolve(null) };
  const options = { redis, token: 'x', intents: 0, totalShards: 4 };

  it('in static mode: ReshardStateError (restart the processes with the new count)', async () => {
    const cluster = new ShardCluster({ ...options, mode: { clusterId: 0, clusterCount: 1 } });
    await expect(cluster.reshard(8)).rejects.toBeInstanceOf(ReshardStateError);
  });

  it('when the cluster is not running: ReshardStateError', async () => {
    const cluster = new ShardCluster({ ...options, mode: 'dynamic' });
    await expect(cluster.reshard(8)).rejects.toBeInstanceOf(ReshardStateError);
  });

  it.for([6, 4, 2, 0])(
    'for a count that is not a larger multiple of the current one (%i): InvalidArgumentError',
    (count) => {
      const running = { running: true, dynamic: true, resharding: false, count: 4 };
      expect(() => planClusterReshard(count, undefined, running)).toThrow(InvalidArgumentError);
    },
  );

  it('for shardIds (every process runs its own new shards): InvalidArgumentError', () => {
    const running = { running: true, dynamic: true, resharding: false, count: 4 };
    expect(() => planClusterReshard(8, { shardIds: [0] }, running)).toThrow(InvalidArgumentError);
    expect(planClusterReshard(8, { startTimeoutMs: 5_000 }, running)).toMatchObject({
      newCount: 8,
      startTimeoutMs: 5_000,
    });
  });
});
