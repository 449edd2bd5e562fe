import { GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGateway } from '../../../src/testing/index.js';
import { Consumer, Dispatcher } from '../cluster-harness.js';
import type { SinkConsumerArgs, SinkConsumerReport } from '../fixtures/sink-consumer.js';
import type { SinkProducerArgs, SinkProducerReport } from '../fixtures/sink-producer.js';
import { connectClient, uniquePrefix, until } from '../helpers.js';
import type { TestRedis } from '../helpers.js';
import { RedisServer, redisTestsEnabled } from '../redis-server.js';
import { FixtureProcess } from './fixture-process.js';
import { streamLength } from './sink-rig.js';

const enabled = redisTestsEnabled();
const SHARDS = 4;
const MAX_LEN = 1_500;

describe.skipIf(!enabled)('RedisStreamSink: a producer is SIGKILLed and another takes over', () => {
  let server: RedisServer;
  let redis: TestRedis;
  let gateway: FakeGateway;
  const processes: FixtureProcess<{ readonly k: string }>[] = [];
  const consumer = new Consumer();
  let dispatcher: Dispatcher;
  let copiesDropped = 0;
  let killedAt = 0;
  let stream = '';

  /** One TYPING_START to every shard, `rounds` times, at once; recorded as the Dispatcher records. */
  function burst(rounds: number): void {
    for (let round = 0; round < rounds; round += 1) {
      for (let shardId = 0; shardId < SHARDS; shardId += 1) {
        const records = gateway.dispatch(
          GatewayDispatchEvents.TypingStart,
          { channel_id: '1', user_id: 'burst', timestamp: round },
          { shardId },
        );
        const copies = records.map((record) => `${record.sessionId}:${record.s}`);
        for (const copy of copies) dispatcher.sent.add(copy);
        if (copies.length > 0) dispatcher.events.push(copies);
      }
    }
  }

  const caughtUp = () => dispatcher.lost(consumer) === 0;

  const t0 = Date.now();
  const mark = (what: string) => {
    if (process.env['STATECORD_PRINT'] === '1') process.stderr.write(`${what} at ${Date.now() - t0} ms\n`);
  };

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = await connectClient(server.url);
    gateway = await FakeGateway.start({
      shardCount: SHARDS,
      maxConcurrency: SHARDS,
      identifyIntervalMs: 100,
      heartbeatIntervalMs: 10_000,
    });
    dispatcher = new Dispatcher(gateway, SHARDS);
    const keyPrefix = uniquePrefix();
    stream = `${keyPrefix}:dispatches`;
    const consumerArgs: SinkConsumerArgs = { redisUrl: server.url, stream, group: 'bot' };
    const reader = new FixtureProcess<SinkConsumerReport>('sink-consumer.ts', consumerArgs, (report) => {
      if (report.k !== 'd') return;
      consumer.add(report.sid, report.s);
      copiesDropped = Math.max(copiesDropped, report.dup);
    });
    processes.push(reader);
    const producerArgs: SinkProducerArgs = {
      redisUrl: server.url,
      keyPrefix,
      stream,
      maxLen: MAX_LEN,
      token: gateway.options.token,
      gatewayUrl: gateway.url,
      restUrl: gateway.restUrl,
      shards: SHARDS,
      // The only save before the kill is the one at READY (the periodic one would come after 10 min):
      // the resume after the kill replays, and the second producer publishes again, everything the
      // first published since READY, which the consumer has read some of before the kill.
      sessionSaveIntervalMs: 600_000,
    };
    const allReady = (producer: FixtureProcess<SinkProducerReport>) => {
      producer.check();
      reader.check();
      return new Set(producer.of('ready').map((report) => report.id)).size === SHARDS;
    };
    const first = new FixtureProcess<SinkProducerReport>('sink-producer.ts', producerArgs);
    // The second producer loads now and waits: a standby that takes over at once.
    const second = new FixtureProcess<SinkProducerReport>('sink-producer.ts', {
      ...producerArgs,
      waitForGo: true,
    });
    processes.push(first, second);
    await until('the first producer ready', () => allReady(first), 60_000);
    await until('the standby loaded', () => second.of('loaded').length > 0, 60_000);
    mark('first producer ready, standby loaded');

    // A steady stream (160 dispatches/s); the first producer dies mid-stream.
    dispatcher.start(25);
    await until('a few dispatches per shard', () => (dispatcher.perShard.get(0) ?? 0) >= 20);
    await until('the consumer read dispatches the first producer published', () => consumer.seen.size >= 20);
    killedAt = Date.now();
    first.kill();
    mark('first producer killed');
    second.write('go');
    await until('the second producer resumed every shard', () => allReady(second), 60_000);
    const more = (dispatcher.perShard.get(0) ?? 0) + 10;
    await until('more dispatches after the takeover', () => (dispatcher.perShard.get(0) ?? 0) >= more);
    dispatcher.stop();
    await until('the consumer saw every dispatch', caughtUp, 30_000);
    mark('second producer took over, consumer caught up');

    // Bursts the consumer catches up with, until far more was written than MAXLEN keeps.
    while (dispatcher.sent.size < MAX_LEN + 500) {
      burst(50);
      await until('the consumer caught up with a burst', caughtUp, 30_000);
    }
    mark(`done: ${dispatcher.sent.size} dispatches, ${copiesDropped} copies dropped`);
  }, 120_000);

  afterAll(async () => {
    dispatcher?.stop();
    for (const child of processes) child.kill();
    redis?.destroy();
    await gateway?.close();
    await server?.dispose();
  });

  it('the second producer RESUMEd every session from the guarded Redis session store (no IDENTIFY after the kill)', () => {
    const identifies = gateway.received.filter(
      (frame) => frame.op === GatewayOpcodes.Identify && frame.at >= killedAt,
    );
    const resumes = gateway.received.filter(
      (frame) => frame.op === GatewayOpcodes.Resume && frame.at >= killedAt,
    );
    expect(identifies).toHaveLength(0);
    expect(resumes).toHaveLength(SHARDS);
  });

  it('the consumer in another process read every dispatch exactly once', () => {
    expect(dispatcher.lost(consumer)).toBe(0);
    expect(dispatcher.unseenCopies(consumer)).toBe(0);
    expect(dispatcher.unknown(consumer)).toBe(0);
    expect(consumer.duplicatesDropped).toBe(0);
  });

  it('the takeover published replayed dispatches a second time, and the consumer dropped those copies', () => {
    expect(copiesDropped).toBeGreaterThan(0);
  });

  it("the stream's length stays bounded by MAXLEN ~ (at most one 100-entry node over)", async () => {
    // node-redis answers XINFO STREAM as an object (RESP3) or a flat list (RESP2).
    const info = await redis.sendCommand<Record<string, unknown> | unknown[]>(['XINFO', 'STREAM', stream]);
    const added = Number(
      Array.isArray(info) ? info[info.indexOf('entries-added') + 1] : info['entries-added'],
    );
    expect(added).toBeGreaterThan(MAX_LEN + 500);
    expect(await streamLength(redis, stream)).toBeLessThanOrEqual(MAX_LEN + 100);
  });
});
