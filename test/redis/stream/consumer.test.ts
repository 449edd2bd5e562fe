import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/index.js';
import { RedisStreamSink, StreamEntryError, consumeDispatches } from '../../../src/redis/index.js';
import type { ConsumeDispatchesOptions, StreamDispatch } from '../../../src/redis/index.js';
import { DedupeWindow } from '../../../src/redis/stream/dedupe-window.js';
import { connectClient, uniquePrefix, until } from '../helpers.js';
import type { TestRedis } from '../helpers.js';
import { RedisServer, redisTestsEnabled } from '../redis-server.js';
import { TestSource } from './sink-rig.js';

const enabled = redisTestsEnabled();

describe('DedupeWindow', () => {
  it('reports a (session, seq) seen before as a duplicate, in any order within the window', () => {
    const window = new DedupeWindow(64, 10);
    expect([5, 7, 6, 7, 5, 8].map((seq) => window.add('a', seq))).toEqual([
      true,
      true,
      true,
      false,
      false,
      true,
    ]);
    expect(window.add('b', 5)).toBe(true);
  });

  it('counts a seq more than the window behind its session newest as seen', () => {
    const window = new DedupeWindow(64, 10);
    window.add('a', 100);
    expect(window.add('a', 37)).toBe(true);
    expect(window.add('a', 36)).toBe(false);
    window.add('a', 1_000);
    expect(window.add('a', 100)).toBe(false);
  });

  it('forgets the least recently seen session beyond maxSessions', () => {
    const window = new DedupeWindow(64, 2);
    window.add('a', 1);
    window.add('b', 1);
    window.add('a', 2);
    window.add('c', 1);
    expect(window.add('a', 1)).toBe(false);
    expect(window.add('b', 1)).toBe(true);
  });
});

describe('consumeDispatches options', () => {
  const redis = { sendCommand: () => Promise.resolve(null) };
  it.each([
    ['no client', { redis: {} as never }],
    ['an empty group', { group: '' }],
    ['a startId other than 0 or $', { startId: '5' as never }],
    ['a negative claimIdleMs', { claimIdleMs: -1 }],
  ] as [string, Partial<ConsumeDispatchesOptions>][])(
    'rejects %s synchronously with InvalidArgumentError',
    (_, override) => {
      expect(() => consumeDispatches({ redis, stream: 's', group: 'g', consumer: 'c', ...override })).toThrow(
        InvalidArgumentError,
      );
    },
  );
});

describe.skipIf(!enabled)('consumeDispatches on a real Redis', () => {
  let server: RedisServer;
  let producer: TestRedis;
  const clients: TestRedis[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
    producer = await connectClient(server.url);
  }, 30_000);
  afterAll(async () => {
    producer?.destroy();
    for (const client of clients) client.destroy();
    await server?.dispose();
  });

  /** A consumer's own connection (its reads block). */
  async function client(): Promise<TestRedis> {
    const created = await connectClient(server.url);
    clients.push(created);
    return created;
  }

  /** Publishes TYPING_STARTs `(sessionId, seq)` through a sink. */
  async function publish(stream: string, events: [string, number][]): Promise<void> {
    const sink = new RedisStreamSink({ redis: producer, stream, maxLen: 10_000 });
    const source = new TestSource();
    sink.attach(source);
    for (const [sessionId, seq] of events) {
      source.session(0, sessionId);
      source.typing(0, seq);
    }
    await sink.close();
  }

  /** Reads `count` dispatches, then stops the consumer; returns what it yielded. */
  async function take(
    options: Omit<ConsumeDispatchesOptions, 'redis' | 'signal'> & { redis?: TestRedis },
    count: number,
  ): Promise<StreamDispatch[]> {
    const stop = new AbortController();
    const consumer = consumeDispatches({
      ...options,
      redis: options.redis ?? (await client()),
      signal: stop.signal,
    });
    const seen: StreamDispatch[] = [];
    if (count > 0) {
      for await (const dispatch of consumer) {
        seen.push(dispatch);
        if (seen.length === count) break;
      }
    }
    stop.abort();
    return seen;
  }

  async function pending(stream: string, group: string): Promise<number> {
    const reply = await producer.sendCommand<[number, ...unknown[]]>(['XPENDING', stream, group]);
    return Number(reply[0]);
  }

  it('yields each dispatch typed by its name, and drops copies of one (sessionId, seq), acknowledging them', async () => {
    const stream = `${uniquePrefix()}:d`;
    await publish(stream, [
      ['a', 1],
      ['a', 2],
      ['a', 1],
      ['b', 1],
      ['a', 2],
      ['a', 3],
    ]);
    const stop = new AbortController();
    const consumer = consumeDispatches({
      redis: await client(),
      stream,
      group: 'g',
      consumer: 'c',
      signal: stop.signal,
    });
    const seen: string[] = [];
    for await (const event of consumer) {
      if (event.t === 'TYPING_START') seen.push(`${event.sessionId}:${event.seq}:${event.d.user_id}`);
      if (seen.length === 4) stop.abort();
    }
    expect(seen).toEqual(['a:1:1', 'a:2:2', 'b:1:1', 'a:3:3']);
    expect(consumer.stats).toMatchObject({ delivered: 4, duplicates: 2 });
    await until('everything acknowledged', async () => (await pending(stream, 'g')) === 0);
  });

  it('consumers of one group share the entries: each dispatch reaches one of them', async () => {
    const stream = `${uniquePrefix()}:d`;
    await publish(
      stream,
      Array.from({ length: 300 }, (_, i): [string, number] => ['a', i + 1]),
    );
    const stop = new AbortController();
    const seen: number[] = [];
    const run = async (name: string) => {
      const consumer = consumeDispatches({
        redis: await client(),
        stream,
        group: 'g',
        consumer: name,
        count: 10,
        signal: stop.signal,
      });
      for await (const event of consumer) {
        seen.push(event.seq);
        if (seen.length === 300) stop.abort();
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await Promise.all([run('one'), run('two')]);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('does not acknowledge the entry the loop ended on: the same consumer yields it again after a restart', async () => {
    const stream = `${uniquePrefix()}:d`;
    await publish(stream, [
      ['a', 1],
      ['a', 2],
      ['a', 3],
    ]);
    const first = await take({ stream, group: 'g', consumer: 'c' }, 2);
    expect(first.map((event) => event.seq)).toEqual([1, 2]);
    const again = await take({ stream, group: 'g', consumer: 'c' }, 2);
    expect(again.map((event) => event.seq)).toEqual([2, 3]);
  });

  it('claims the entries a dead consumer read and never acknowledged (XAUTOCLAIM after claimIdleMs)', async () => {
    const stream = `${uniquePrefix()}:d`;
    await publish(stream, [
      ['a', 1],
      ['a', 2],
    ]);
    // The dead consumer read both entries; it acknowledged none.
    await producer.sendCommand(['XGROUP', 'CREATE', stream, 'g', '0']);
    await producer.sendCommand(['XREADGROUP', 'GROUP', 'g', 'dead', 'STREAMS', stream, '>']);
    const claimed = await take({ stream, group: 'g', consumer: 'alive', claimIdleMs: 200, blockMs: 50 }, 2);
    expect(claimed.map((event) => event.seq)).toEqual([1, 2]);
  });

  it('reports an entry that is not a dispatch as StreamEntryError, acknowledges and skips it', async () => {
    const stream = `${uniquePrefix()}:d`;
    await producer.sendCommand(['XADD', stream, '*', 'hello', 'world']);
    await publish(stream, [['a', 1]]);
    const stop = new AbortController();
    const consumer = consumeDispatches({
      redis: await client(),
      stream,
      group: 'g',
      consumer: 'c',
      signal: stop.signal,
    });
    const warnings: unknown[] = [];
    consumer.on('warning', ({ error }) => warnings.push(error));
    const seen: number[] = [];
    for await (const event of consumer) {
      seen.push(event.seq);
      stop.abort();
    }
    expect(seen).toEqual([1]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBeInstanceOf(StreamEntryError);
    expect(consumer.stats.skipped).toBe(1);
  });

  it('ends promptly when the signal aborts during a blocking read', async () => {
    const stream = `${uniquePrefix()}:d`;
    const stop = new AbortController();
    const consumer = consumeDispatches({
      redis: await client(),
      stream,
      group: 'g',
      consumer: 'c',
      blockMs: 60_000,
      signal: stop.signal,
    });
    const ended = (async () => {
      for await (const event of consumer) void event;
    })();
    await until('the group exists', async () => Number(await producer.sendCommand(['EXISTS', stream])) === 1);
    stop.abort();
    await ended;
  });
});
