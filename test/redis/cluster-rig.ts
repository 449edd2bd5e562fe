/** One `ShardCluster` test run: a FakeGateway, bot processes on a shared Redis, a dispatch stream. */
import type { GatewayOpcodes } from 'discord-api-types/v10';
import { FakeGateway } from '../../src/testing/index.js';
import { ClusterBot, Consumer, Dispatcher, OverlapSampler } from './cluster-harness.js';
import type { ClusterSetup } from './cluster-harness.js';
import { uniquePrefix, until } from './helpers.js';
import type { RedisServer } from './redis-server.js';

export const SHARDS = 12;
export const LEASE_MS = 2_000;
export const RENEW_MS = 400;
export const INTERVAL_MS = 100;

/** Starts a FakeGateway and bots with the given clock skews; resolves once every shard is ready once. */
export async function startCluster(server: RedisServer, skews: readonly number[]) {
  const gateway = await FakeGateway.start({
    shardCount: SHARDS,
    maxConcurrency: 4,
    identifyIntervalMs: INTERVAL_MS,
    heartbeatIntervalMs: 10_000,
  });
  const setup: ClusterSetup = {
    redisUrl: server.url,
    keyPrefix: uniquePrefix(),
    token: gateway.options.token,
    gatewayUrl: gateway.url,
    restUrl: gateway.restUrl,
    leaseMs: LEASE_MS,
    renewMs: RENEW_MS,
    intervalMs: INTERVAL_MS,
    sessionSaveIntervalMs: 200,
    waitForGo: true,
  };
  const consumer = new Consumer();
  const bots = skews.map((skew, index) => new ClusterBot(setup, `bot${index}`, consumer, skew));
  // Processes boot at their own pace on a loaded machine; they join together, as a fleet would.
  await until(
    'every process loaded',
    () => bots.every((bot) => bot.has('loaded') || bot.error !== null),
    60_000,
  );
  for (const bot of bots) bot.go();
  const sampler = new OverlapSampler(gateway);
  sampler.start();
  const dispatcher = new Dispatcher(gateway, SHARDS);
  await until(
    'every shard ready, each process holding its fair share',
    () => {
      const failed = bots.find((bot) => bot.error !== null);
      if (failed !== undefined) throw new Error(`a bot failed: ${failed.error}`);
      const ready = new Set(bots.flatMap((bot) => bot.events('ready').map((event) => event.id)));
      const share = Math.ceil(SHARDS / bots.length);
      return ready.size === SHARDS && bots.every((bot) => bot.owned.size === share && bot.allOwnedReady);
    },
    60_000,
  );
  return { gateway, bots, consumer, sampler, dispatcher };
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

/** Stops dispatching and waits until the consumer saw everything sent (or the timeout: then lost > 0). */
export async function drain(cluster: Cluster): Promise<void> {
  cluster.dispatcher.stop();
  await until('every dispatch seen', () => cluster.dispatcher.lost(cluster.consumer) === 0, 20_000).catch(
    () => undefined,
  );
  cluster.sampler.stop();
}

export async function dispose(cluster: Cluster | undefined): Promise<void> {
  if (cluster === undefined) return;
  cluster.dispatcher.stop();
  cluster.sampler.stop();
  for (const bot of cluster.bots) bot.signal('SIGCONT');
  for (const bot of cluster.bots) bot.kill();
  await cluster.gateway.close();
}

export const frames = (gateway: FakeGateway, op: GatewayOpcodes, since: number) =>
  gateway.received.filter((frame) => frame.op === op && frame.at >= since);
