import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RedisStreamSink,
  consumeDispatches,
  fromIoredis,
  fromIoredisCommands,
} from '../../../src/redis/index.js';
import { uniquePrefix } from '../helpers.js';
import { RedisServer, redisTestsEnabled } from '../redis-server.js';
import { TestSource } from './sink-rig.js';

const enabled = redisTestsEnabled();

describe.skipIf(!enabled)('the event sink on ioredis clients', () => {
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
    const client = new Redis(server.url);
    clients.push(client);
    return client;
  }

  it('a sink on fromIoredis publishes, a consumer on fromIoredisCommands reads each dispatch once', async () => {
    const stream = `${uniquePrefix()}:d`;
    const sink = new RedisStreamSink({ redis: fromIoredis(ioredis()), stream, maxLen: 1_000 });
    const source = new TestSource();
    sink.attach(source);
    for (const seq of [1, 2, 2, 3]) source.typing(0, seq);
    await sink.flush();
    const stop = new AbortController();
    const seen: number[] = [];
    const consumer = consumeDispatches({
      redis: fromIoredisCommands(ioredis()),
      stream,
      group: 'g',
      consumer: 'c',
      signal: stop.signal,
    });
    for await (const event of consumer) {
      seen.push(event.seq);
      if (seen.length === 3) stop.abort();
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(consumer.stats.duplicates).toBe(1);
  });
});
