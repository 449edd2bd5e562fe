import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, MemorySessionStore } from '../../../src/index.js';
import { RedisStreamSink, RedisUnavailableError, SinkOverflowError } from '../../../src/redis/index.js';
import type { RedisStreamSinkOptions } from '../../../src/redis/index.js';
import { TestClient, connectClient, uniquePrefix, until } from '../helpers.js';
import type { TestRedis } from '../helpers.js';
import { RedisServer, redisTestsEnabled } from '../redis-server.js';
import { TestSource, readStream, streamLength } from './sink-rig.js';

const enabled = redisTestsEnabled();

describe('RedisStreamSink options', () => {
  const redis = new TestClient({ eval: () => Promise.resolve(0), evalSha: () => Promise.resolve(0) });
  const cases: [string, Partial<RedisStreamSinkOptions>][] = [
    ['no client', { redis: {} as never }],
    ['an empty stream name', { stream: '' }],
    ['no maxLen', { maxLen: undefined as never }],
    ['a fractional maxLen', { maxLen: 1.5 }],
    ['maxBuffered below maxBatch', { maxBatch: 100, maxBuffered: 10 }],
    ['a maxBatch over 10000', { maxBatch: 20_000, maxBuffered: 20_000 }],
    ['types that are not names', { types: [''] as never }],
  ];
  for (const [what, override] of cases) {
    it(`rejects ${what} synchronously with InvalidArgumentError`, () => {
      expect(() => new RedisStreamSink({ redis, stream: 's', maxLen: 10, ...override })).toThrow(
        InvalidArgumentError,
      );
    });
  }
});

describe.skipIf(!enabled)('RedisStreamSink on a real Redis', () => {
  let server: RedisServer;
  let redis: TestRedis;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = await connectClient(server.url);
  }, 30_000);
  afterAll(async () => {
    redis?.destroy();
    await server?.dispose();
  });

  function sink(options: Partial<RedisStreamSinkOptions> & { client?: TestClient } = {}) {
    const client = options.client ?? new TestClient(redis);
    const stream = `${uniquePrefix()}:dispatches`;
    const created = new RedisStreamSink({ redis: client, stream, maxLen: 10_000, ...options });
    const source = new TestSource();
    created.attach(source);
    return { sink: created, source, client, stream };
  }

  it('publishes each dispatch as one entry { shard, session, seq, t, d }, in the order received', async () => {
    const { sink: s, source, stream } = sink();
    source.session(3, 'abc');
    source.typing(3, 7);
    source.typing(1, 8);
    await s.flush();
    expect(await readStream(redis, stream)).toEqual([
      {
        shard: '3',
        session: 'abc',
        seq: '7',
        t: 'TYPING_START',
        d: '{"channel_id":"1","user_id":"7","timestamp":7}',
      },
      {
        shard: '1',
        session: 'session-1',
        seq: '8',
        t: 'TYPING_START',
        d: '{"channel_id":"1","user_id":"8","timestamp":8}',
      },
    ]);
  });

  it('writes the dispatches of one tick in one round trip, at most maxBatch per round trip', async () => {
    const { sink: s, source, client, stream } = sink({ maxBatch: 500 });
    for (let seq = 1; seq <= 1_200; seq += 1) source.typing(0, seq);
    await s.flush();
    expect(client.calls).toBe(3);
    expect(s.stats).toMatchObject({ published: 1_200, batches: 3, buffered: 0, dropped: 0 });
    const seqs = (await readStream(redis, stream)).map((entry) => Number(entry.seq));
    expect(seqs).toEqual(Array.from({ length: 1_200 }, (_, i) => i + 1));
  });

  it('lets dispatches of later turns share the round trip of the first for up to lingerMs', async () => {
    const { sink: s, source, client } = sink({ lingerMs: 200 });
    const published = new Promise<number>((resolve) => s.once('published', ({ count }) => resolve(count)));
    source.typing(0, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    source.typing(0, 2);
    expect(await published).toBe(2);
    expect(client.calls).toBe(1);
  });

  it('publishes only the listed types when given types', async () => {
    const { sink: s, source, stream } = sink({ types: ['MESSAGE_CREATE'] });
    source.typing(0, 1);
    source.send(0, { op: 0, t: 'MESSAGE_CREATE', s: 2, d: { content: 'hi' } } as never);
    await s.flush();
    expect((await readStream(redis, stream)).map((entry) => entry.t)).toEqual(['MESSAGE_CREATE']);
  });

  it("keeps the stream's length near maxLen (MAXLEN ~): at most one node of 100 entries over", async () => {
    const { sink: s, source, stream } = sink({ maxLen: 300 });
    for (let seq = 1; seq <= 3_000; seq += 1) source.typing(0, seq);
    await s.flush();
    const length = await streamLength(redis, stream);
    expect(length).toBeGreaterThanOrEqual(300);
    expect(length).toBeLessThanOrEqual(400);
  });

  it('while Redis fails: retries with backoff (publishFailed), then publishes what it buffered, in order', async () => {
    const client = new TestClient(redis);
    client.dead = true;
    const { sink: s, source, stream } = sink({ client });
    const failures: unknown[] = [];
    s.on('publishFailed', ({ error, attempt }) => failures.push([error.constructor, attempt]));
    for (let seq = 1; seq <= 5; seq += 1) source.typing(0, seq);
    await until('two failed attempts', () => failures.length >= 2);
    expect(failures.slice(0, 2)).toEqual([
      [RedisUnavailableError, 1],
      [RedisUnavailableError, 2],
    ]);
    client.dead = false;
    await s.flush();
    expect((await readStream(redis, stream)).map((entry) => Number(entry.seq))).toEqual([1, 2, 3, 4, 5]);
  });

  it('when the buffer is full: drops the newest dispatches, counts them, and emits overflow once per episode', async () => {
    const client = new TestClient(redis);
    client.dead = true;
    const { sink: s, source, stream } = sink({ client, maxBatch: 4, maxBuffered: 4 });
    s.on('publishFailed', () => undefined);
    const overflows: { error: SinkOverflowError; seq: number }[] = [];
    s.on('overflow', (event) => overflows.push(event));
    for (let seq = 1; seq <= 10; seq += 1) source.typing(0, seq);
    expect(s.stats).toMatchObject({ buffered: 4, dropped: 6 });
    expect(overflows).toHaveLength(1);
    expect(overflows[0]!.error).toBeInstanceOf(SinkOverflowError);
    expect(overflows[0]!.error.code).toBe('STATECORD_ERR_SINK_OVERFLOW');
    expect(overflows[0]!.seq).toBe(5);
    client.dead = false;
    await s.flush();
    source.typing(0, 11);
    for (let seq = 12; seq <= 20; seq += 1) source.typing(0, seq);
    await s.flush();
    expect((await readStream(redis, stream)).map((entry) => Number(entry.seq)).slice(0, 5)).toEqual([
      1, 2, 3, 4, 11,
    ]);
  });

  it('a guarded session store never saves a sequence beyond what is published, and catches up once it is', async () => {
    const client = new TestClient(redis);
    client.dead = true;
    const { sink: s, source } = sink({ client });
    s.on('publishFailed', () => undefined);
    const store = new MemorySessionStore();
    const guarded = s.guard(store);
    source.session(0, 'abc');
    for (let seq = 10; seq <= 15; seq += 1) source.typing(0, seq);
    await guarded.set(0, { sessionId: 'abc', sequence: 15, resumeUrl: null });
    expect(store.get(0)?.sequence).toBe(9);
    client.dead = false;
    // Once published, the held-back save is written again by the sink itself (no further set).
    await until('the held-back save written', () => store.get(0)?.sequence === 15);
  });

  it('close() waits for the buffer, then drops what Redis did not take (counted) and stops retrying', async () => {
    const client = new TestClient(redis);
    client.dead = true;
    const { sink: s, source } = sink({ client, closeTimeoutMs: 200 });
    s.on('publishFailed', () => undefined);
    source.typing(0, 1);
    source.typing(0, 2);
    await s.close();
    expect(s.stats).toMatchObject({ buffered: 0, dropped: 2, published: 0 });
    const calls = client.calls;
    source.typing(0, 3);
    expect(s.stats.buffered).toBe(0);
    expect(client.calls).toBe(calls);
  });
});
