/**
 * Many shards in one process: a `ShardManager` creates `shards` shards (timed alone: the cost of
 * `createShards`), then starts them all against a fake gateway with `maxConcurrency` buckets and a
 * short identify interval, and reports the time until every shard is ready against the identify
 * floor `ceil(shards / maxConcurrency) × interval`. Plain JSON (no transport compression): with
 * zlib-stream the gateway process alone would hold a deflate context per connection (2.3 GB at 10,000).
 */
import { GatewayIntentBits } from 'discord-api-types/v10';
import { ShardManager } from '../../src/index.js';
import { childArgs, toParent } from '../lib/child.js';
import type { ManyShardsArgs, ManyShardsResult } from '../lib/protocol.js';

const args = childArgs<ManyShardsArgs>();
const manager = new ShardManager({
  token: args.token,
  intents: GatewayIntentBits.Guilds,
  restUrl: args.restUrl,
  gatewayUrl: args.url,
  identifyIntervalMs: args.identifyIntervalMs,
  maxShards: args.shards,
  compress: 'none',
});
let ready = 0;
manager.on('shardReady', (event) => {
  ready = event.ready;
});
let lastReady = -1;
setInterval(() => {
  process.stderr.write(`[many] ${ready}/${args.shards} ready\n`);
  // No progress for an interval with shards left: say where they are (a stall is a bug to find).
  if (ready === lastReady && ready < args.shards) {
    const stuck = manager.shards.filter((shard) => shard.state !== 'ready').slice(0, 5);
    for (const shard of stuck)
      process.stderr.write(`[many] shard ${shard.id}: ${JSON.stringify(shard.stateValue)}\n`);
  }
  lastReady = ready;
}, 10_000).unref();
manager.on('warning', ({ error, context }) =>
  process.stderr.write(`warning: ${context}: ${error.message}\n`),
);

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
let started = performance.now();
let cpu = process.cpuUsage();
manager.createShards(args.shards);
const createMs = performance.now() - started;
// CPU time too: on a VM shared with other work, wall time says more about the neighbours.
const createCpu = process.cpuUsage(cpu);
gc?.();
const heapPerShardCreated = (process.memoryUsage().heapUsed - heapBefore) / args.shards;

started = performance.now();
cpu = process.cpuUsage();
await Promise.all(manager.startShards());
const allReadyMs = performance.now() - started;
const startCpu = process.cpuUsage(cpu);
gc?.();
const memory = process.memoryUsage();
await toParent({
  type: 'result',
  shards: args.shards,
  createMs,
  createCpuMs: (createCpu.user + createCpu.system) / 1000,
  allReadyMs,
  startCpuMs: (startCpu.user + startCpu.system) / 1000,
  heapPerShardCreatedBytes: heapPerShardCreated,
  heapPerShardReadyBytes: (memory.heapUsed - heapBefore) / args.shards,
  rssMiB: memory.rss / 2 ** 20,
} satisfies ManyShardsResult);
await manager.stopShards();
process.exit(0);
