/**
 * `npm run cluster:sim -- --processes 8 --shards 512 --max-concurrency 16 --interval-ms 100`
 *
 * A `ShardCluster` at scale on this machine: real child processes (dynamic mode), one `redis-server`
 * (started here on a free loopback port), one FakeGateway with a scaled identify window. Prints:
 * - identify violations at the gateway (must be 0) and the smallest gap within a bucket;
 * - the cold start: first IDENTIFY → every shard ready, against the floor ⌈shards / mc⌉ × interval;
 * - after SIGKILLing one process mid-stream: the time until its shards are ready elsewhere, whether
 *   they RESUMEd, and the dispatches lost / duplicated after deduplicating by `(sessionId, seq)`.
 *
 * Needs `redis-server` on the PATH (apt-get install redis-server).
 */
import { parseArgs } from 'node:util';
import { GatewayOpcodes } from 'discord-api-types/v10';
import { FakeGateway } from '../src/testing/index.js';
import { ClusterBot, Consumer, Dispatcher } from '../test/redis/cluster-harness.js';
import { until } from '../test/redis/helpers.js';
import { MISSING_REDIS, RedisServer, redisServerAvailable } from '../test/redis/redis-server.js';

const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '8' },
    shards: { type: 'string', default: '512' },
    'max-concurrency': { type: 'string', default: '16' },
    'interval-ms': { type: 'string', default: '100' },
    'lease-ms': { type: 'string', default: '3000' },
    'renew-ms': { type: 'string', default: '500' },
    'dispatch-every-ms': { type: 'string', default: '500' },
  },
});
const PROCESSES = Number(values.processes);
const SHARDS = Number(values.shards);
const MC = Number(values['max-concurrency']);
const INTERVAL_MS = Number(values['interval-ms']);
const LEASE_MS = Number(values['lease-ms']);
const RENEW_MS = Number(values['renew-ms']);
const DISPATCH_EVERY_MS = Number(values['dispatch-every-ms']);

function minBucketGap(gateway: FakeGateway): number {
  const byBucket = new Map<number, number[]>();
  for (const entry of gateway.identifyLog) {
    const list = byBucket.get(entry.bucket) ?? [];
    list.push(entry.at);
    byBucket.set(entry.bucket, list);
  }
  let min = Infinity;
  for (const list of byBucket.values()) {
    list.sort((a, b) => a - b);
    for (let i = 1; i < list.length; i += 1) min = Math.min(min, list[i]! - list[i - 1]!);
  }
  return min;
}

async function main(): Promise<void> {
  if (!redisServerAvailable) {
    console.error(MISSING_REDIS);
    process.exitCode = 1;
    return;
  }
  const server = await RedisServer.start();
  const gateway = await FakeGateway.start({
    shardCount: SHARDS,
    maxConcurrency: MC,
    identifyIntervalMs: INTERVAL_MS,
    heartbeatIntervalMs: 40_000,
  });
  const consumer = new Consumer();
  const bots: ClusterBot[] = [];
  try {
    const setup = {
      redisUrl: server.url,
      keyPrefix: 'sim',
      token: gateway.options.token,
      gatewayUrl: gateway.url,
      restUrl: gateway.restUrl,
      leaseMs: LEASE_MS,
      renewMs: RENEW_MS,
      intervalMs: INTERVAL_MS,
      sessionSaveIntervalMs: 1_000,
      waitForGo: true,
    };
    for (let i = 0; i < PROCESSES; i += 1) bots.push(new ClusterBot(setup, `p${i}`, consumer));
    // Processes boot at their own pace on a loaded machine; they join together, as a fleet would.
    await until('every process loaded', () => bots.every((bot) => bot.has('loaded')), 300_000);
    const spawnedAt = Date.now();
    for (const bot of bots) bot.go();
    const readyShards = (list: readonly ClusterBot[], since = 0) =>
      new Set(list.flatMap((bot) => bot.events('ready', since).map((event) => event.id)));
    await until(
      'every shard ready',
      () => {
        const failed = bots.find((bot) => bot.error !== null);
        if (failed !== undefined) throw new Error(`a process failed: ${failed.error}`);
        return readyShards(bots).size === SHARDS;
      },
      600_000,
    );
    const allReadyAt = Math.max(...bots.flatMap((bot) => bot.events('ready').map((event) => event.at)));
    const firstIdentifyAt = Math.min(...gateway.identifyLog.map((entry) => entry.at));
    const floorMs = Math.ceil(SHARDS / MC) * INTERVAL_MS;
    const firstAcquired = Math.min(...bots.flatMap((bot) => bot.events('acquired').map((e) => e.at)));
    const lastFirstAcquired = Math.max(
      ...bots.map((bot) => Math.min(...bot.events('acquired').map((e) => e.at))),
    );
    const perProcess = bots.map((bot) => bot.owned.size);

    const dispatcher = new Dispatcher(gateway, SHARDS);
    dispatcher.start(DISPATCH_EVERY_MS);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const victim = bots[0]!;
    const victimShards = [...victim.owned];
    const identifiesBefore = gateway.identifyLog.length;
    const killedAt = Date.now();
    victim.kill();
    const survivors = bots.slice(1);
    await until(
      "the killed process's shards ready elsewhere",
      () => victimShards.every((id) => readyShards(survivors, killedAt).has(id)),
      120_000,
    );
    const takenOverAt = Math.max(
      ...survivors.flatMap((bot) =>
        bot
          .events('ready', killedAt)
          .filter((event) => victimShards.includes(event.id))
          .map((e) => e.at),
      ),
    );
    const firstAcquiredAt = Math.min(
      ...survivors.flatMap((bot) =>
        bot
          .events('acquired', killedAt)
          .filter((event) => victimShards.includes(event.id))
          .map((e) => e.at),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    dispatcher.stop();
    await until('every dispatch seen', () => dispatcher.lost(consumer) === 0, 30_000).catch(() => undefined);
    const identifiesAfter = gateway.identifyLog.length - identifiesBefore;
    const resumes = gateway.received.filter(
      (frame) => frame.op === GatewayOpcodes.Resume && frame.at >= killedAt,
    ).length;

    const rows: [string, string][] = [
      ['processes × shards, max_concurrency, window', `${PROCESSES} × ${SHARDS}, ${MC}, ${INTERVAL_MS} ms`],
      ['identify violations at the gateway', String(gateway.stats.identifyRateViolations)],
      ['smallest gap within a bucket', `${minBucketGap(gateway)} ms`],
      ['shards per process', `${Math.min(...perProcess)}–${Math.max(...perProcess)}`],
      [
        'cold start: first IDENTIFY → all ready',
        `${((allReadyAt - firstIdentifyAt) / 1000).toFixed(2)} s (floor ${(floorMs / 1000).toFixed(2)} s, ×${((allReadyAt - firstIdentifyAt) / floorMs).toFixed(2)})`,
      ],
      [
        'cold start: join → first claim / every process claimed / first IDENTIFY',
        [firstAcquired, lastFirstAcquired, firstIdentifyAt]
          .map((t) => `${((t - spawnedAt) / 1000).toFixed(2)} s`)
          .join(' / '),
      ],
      ['identifies in all (one per shard = no second session)', String(gateway.identifyLog.length)],
      [
        'cold start: processes join → all ready (claim grace 2 × renew)',
        `${((allReadyAt - spawnedAt) / 1000).toFixed(2)} s`,
      ],
      ['SIGKILL: shards of the killed process', String(victimShards.length)],
      [
        'SIGKILL → first lease claimed elsewhere',
        `${((firstAcquiredAt - killedAt) / 1000).toFixed(2)} s (lease ${LEASE_MS} ms, renew ${RENEW_MS} ms)`,
      ],
      ['SIGKILL → all its shards ready elsewhere', `${((takenOverAt - killedAt) / 1000).toFixed(2)} s`],
      ['takeover: RESUMEs / IDENTIFYs', `${resumes} / ${identifiesAfter}`],
      ['dispatches sent', String(dispatcher.sent.size)],
      ['lost after dedupe by (sessionId, seq)', String(dispatcher.lost(consumer))],
      [
        'copies to sessions nobody held (a second session of a shard)',
        String(dispatcher.unseenCopies(consumer)),
      ],
      ['duplicated after dedupe (seen but never sent)', String(dispatcher.unknown(consumer))],
      ['replayed duplicates dropped by the dedupe', String(consumer.duplicatesDropped)],
    ];
    if (process.env['SIM_DEBUG'] === '1') {
      const bySession = new Map<string, number[]>();
      for (const key of dispatcher.sent) {
        if (consumer.seen.has(key)) continue;
        const [sid, s] = key.split(':');
        bySession.set(sid!, [...(bySession.get(sid!) ?? []), Number(s)]);
      }
      for (const [sid, list] of [...bySession].slice(0, 5)) {
        const info = gateway.sessions.find((session) => session.id === sid);
        console.error(
          `lost ${sid.slice(0, 6)} shard ${info?.shardId} victim ${victimShards.includes(info?.shardId ?? -1)}: ${list.length} s ${Math.min(...list)}..${Math.max(...list)} (session seq ${info?.seq})`,
        );
      }
      const resumeFrames = gateway.received.filter(
        (frame) => frame.op === GatewayOpcodes.Resume && frame.at >= killedAt,
      );
      console.error(
        `resume seqs: ${resumeFrames
          .slice(0, 5)
          .map((frame) => JSON.stringify(frame.d).slice(0, 120))
          .join(' ')}`,
      );
    }
    console.log('| measure | value |\n|---|---|');
    for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
    if (gateway.stats.identifyRateViolations !== 0 || dispatcher.lost(consumer) !== 0) process.exitCode = 1;
  } finally {
    for (const bot of bots) bot.kill();
    await gateway.close();
    await server.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
