import { GatewayOpcodes } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { ShardCluster } from '../../../src/redis/index.js';
import type { ClusterSink } from '../../../src/redis/index.js';
import { FakeGateway } from '../../../src/testing/index.js';
import { Consumer, Dispatcher } from '../cluster-harness.js';
import type { SinkConsumerArgs, SinkConsumerReport } from '../fixtures/sink-consumer.js';
import type { SinkProducerArgs, SinkProducerReport } from '../fixtures/sink-producer.js';
import { uniquePrefix, until } from '../helpers.js';
import { RedisServer, redisTestsEnabled } from '../redis-server.js';
import { FixtureProcess } from './fixture-process.js';

const enabled = redisTestsEnabled();
const SHARDS = 4;

describe.skipIf(!enabled)(
  'RedisStreamSink on a ShardCluster (sink option): a member is SIGKILLed and a standby takes over',
  () => {
    let server: RedisServer;
    let gateway: FakeGateway;
    const processes: FixtureProcess<{ readonly k: string }>[] = [];
    const consumer = new Consumer();
    let dispatcher: Dispatcher;
    let killedAt = 0;

    beforeAll(async () => {
      server = await RedisServer.start();
      gateway = await FakeGateway.start({
        shardCount: SHARDS,
        maxConcurrency: SHARDS,
        identifyIntervalMs: 100,
        heartbeatIntervalMs: 10_000,
      });
      dispatcher = new Dispatcher(gateway, SHARDS);
      const keyPrefix = uniquePrefix();
      const stream = `${keyPrefix}:dispatches`;
      const consumerArgs: SinkConsumerArgs = { redisUrl: server.url, stream, group: 'bot' };
      const reader = new FixtureProcess<SinkConsumerReport>('sink-consumer.ts', consumerArgs, (report) => {
        if (report.k !== 'd') return;
        consumer.add(report.sid, report.s);
      });
      processes.push(reader);
      const producerArgs: SinkProducerArgs = {
        redisUrl: server.url,
        keyPrefix,
        stream,
        maxLen: 100_000,
        token: gateway.options.token,
        gatewayUrl: gateway.url,
        restUrl: gateway.restUrl,
        shards: SHARDS,
        // Sessions are saved every 100 ms while the sink holds dispatches for 400 ms before it writes
        // them: an unguarded save would run ahead of what is published, and the kill would lose the
        // buffer. Guarded, the takeover's RESUME replays it.
        sessionSaveIntervalMs: 100,
        lingerMs: 400,
      };
      const lease = { leaseMs: 2_000, renewMs: 400 };
      const allReady = (producer: FixtureProcess<SinkProducerReport>) => {
        producer.check();
        reader.check();
        return new Set(producer.of('ready').map((report) => report.id)).size === SHARDS;
      };
      const first = new FixtureProcess<SinkProducerReport>('sink-producer.ts', {
        ...producerArgs,
        cluster: { memberId: 'first', ...lease },
      });
      // The standby member loads now and joins once the first is killed.
      const standby = new FixtureProcess<SinkProducerReport>('sink-producer.ts', {
        ...producerArgs,
        cluster: { memberId: 'standby', ...lease },
        waitForGo: true,
      });
      processes.push(first, standby);
      await until('the first member ready', () => allReady(first), 60_000);
      await until('the standby loaded', () => standby.of('loaded').length > 0, 60_000);

      dispatcher.start(25);
      await until('a few dispatches per shard', () => (dispatcher.perShard.get(0) ?? 0) >= 20);
      killedAt = Date.now();
      first.kill();
      standby.write('go');
      await until('the standby resumed every shard', () => allReady(standby), 60_000);
      const more = (dispatcher.perShard.get(0) ?? 0) + 10;
      await until('more dispatches after the takeover', () => (dispatcher.perShard.get(0) ?? 0) >= more);
      dispatcher.stop();
      await until('the consumer saw every dispatch', () => dispatcher.lost(consumer) === 0, 30_000);
    }, 120_000);

    afterAll(async () => {
      dispatcher?.stop();
      for (const child of processes) child.kill();
      await gateway?.close();
      await server?.dispose();
    });

    it('the standby member RESUMEd every session from the guarded cluster store (no IDENTIFY after the kill)', () => {
      const after = (op: GatewayOpcodes) =>
        gateway.received.filter((frame) => frame.op === op && frame.at >= killedAt);
      expect(after(GatewayOpcodes.Identify)).toHaveLength(0);
      expect(after(GatewayOpcodes.Resume)).toHaveLength(SHARDS);
    });

    it('the consumer read every dispatch exactly once (0 lost, 0 made up)', () => {
      expect(dispatcher.sent.size).toBeGreaterThan(SHARDS * 30);
      expect(dispatcher.lost(consumer)).toBe(0);
      expect(dispatcher.unseenCopies(consumer)).toBe(0);
      expect(dispatcher.unknown(consumer)).toBe(0);
      expect(consumer.duplicatesDropped).toBe(0);
    });
  },
);

describe('ShardCluster sink option', () => {
  const redis = { eval: () => Promise.resolve(null), evalSha: () => Promise.resolve(null) };
  const base = { redis, token: 'x', intents: 0, mode: 'dynamic' as const, totalShards: 1 };

  it('rejects a sink without guard() and attach() in the constructor (InvalidArgumentError)', () => {
    expect(() => new ShardCluster({ ...base, sink: {} as ClusterSink })).toThrow(InvalidArgumentError);
  });

  it("guards the cluster's session store with the sink and attaches the sink to the cluster", () => {
    const guarded: unknown[] = [];
    const attached: unknown[] = [];
    const sink: ClusterSink = {
      guard: (store) => (guarded.push(store), store),
      attach: (source) => void attached.push(source),
    };
    const cluster = new ShardCluster({ ...base, sink });
    expect(guarded).toEqual([cluster.sessionStore]);
    expect(attached).toEqual([cluster]);
  });
});
