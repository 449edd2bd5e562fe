import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayIntentBits, ShardManager } from '../../../src/index.js';
import { RedisSessionStore, RedisStreamSink } from '../../../src/redis/index.js';
import { FakeGateway } from '../../../src/testing/index.js';
import { connectClient, uniquePrefix, until } from '../helpers.js';
import type { TestRedis } from '../helpers.js';
import { RedisServer, redisTestsEnabled } from '../redis-server.js';
import { readStream } from './sink-rig.js';

const enabled = redisTestsEnabled();

describe.skipIf(!enabled)('RedisStreamSink attached to a ShardManager', () => {
  let server: RedisServer;
  let redis: TestRedis;
  let gateway: FakeGateway;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = await connectClient(server.url);
    gateway = await FakeGateway.start({
      shardCount: 2,
      maxConcurrency: 2,
      identifyIntervalMs: 100,
      heartbeatIntervalMs: 10_000,
    });
  }, 30_000);
  afterAll(async () => {
    await gateway?.close();
    redis?.destroy();
    await server?.dispose();
  });

  it("publishes every shard's dispatches under its live session, and the guarded store saves only what is published", async () => {
    const keyPrefix = uniquePrefix();
    const stream = `${keyPrefix}:d`;
    const sink = new RedisStreamSink({ redis, stream, maxLen: 1_000 });
    const store = new RedisSessionStore({ redis, keyPrefix });
    const manager = new ShardManager({
      token: gateway.options.token,
      intents: GatewayIntentBits.Guilds | GatewayIntentBits.DirectMessageTyping,
      gatewayUrl: gateway.url,
      restUrl: gateway.restUrl,
      sessionStore: sink.guard(store),
      sessionSaveIntervalMs: 50,
    });
    sink.attach(manager);
    manager.createShards(2);
    try {
      await Promise.all(manager.startShards());
      const sent = [0, 1].flatMap((shardId) =>
        gateway.dispatch(
          GatewayDispatchEvents.TypingStart,
          { channel_id: '1', user_id: '2', timestamp: 3 },
          { shardId },
        ),
      );
      await until('both published', async () => {
        const entries = await readStream(redis, stream);
        return sent.every((record) =>
          entries.some((e) => e.session === record.sessionId && Number(e.seq) === record.s),
        );
      });
      const entries = await readStream(redis, stream);
      expect(
        entries
          .filter((entry) => entry.t === 'READY')
          .map((entry) => entry.shard)
          .sort(),
      ).toEqual(['0', '1']);
      for (const shard of manager.shards) {
        await until(
          `shard ${shard.id}'s sequence saved`,
          async () => (await store.get(shard.id))?.sequence === shard.session?.sequence,
        );
      }
      sink.detach(manager);
      const [late] = gateway.dispatch(
        GatewayDispatchEvents.TypingStart,
        { channel_id: '1', user_id: '2', timestamp: 4 },
        { shardId: 0 },
      );
      await until('the late dispatch received', () => manager.shards[0]!.session?.sequence === late!.s);
      await sink.flush();
      expect(await readStream(redis, stream)).toHaveLength(entries.length);
    } finally {
      await manager.stopShards();
      await sink.close();
    }
  });
});
