/**
 * One worker-sharding run, in its own process: a `ShardManager` with `workers` threads (0: none, every
 * shard in the main thread) runs `shards` shards against the bench gateway, which replays its stream
 * to each after READY. It measures the whole process's CPU time (`process.cpuUsage()` counts every
 * thread) and wall time from the warm-up mark to the last dispatch of every shard.
 * `listen: 'all'` listens to the manager's `dispatch` (every dispatch crosses and is parsed);
 * `listen: 'typical'` only to MESSAGE_CREATE (the workers drop the rest unparsed).
 */
import { GatewayDispatchEvents, GatewayIntentBits } from 'discord-api-types/v10';
import { ShardManager } from '../../src/index.js';
import { childArgs, toParent } from '../lib/child.js';
import type { WorkersArgs, WorkersResult } from './workers-protocol.js';

const args = childArgs<WorkersArgs>();
const manager = new ShardManager({
  token: args.token,
  intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.GuildMessageTyping,
  restUrl: args.restUrl,
  gatewayUrl: args.url,
  identifyIntervalMs: 0,
  maxConcurrency: args.shards,
  compress: 'zlib-stream',
  ...(args.workers === 0 ? {} : { workers: args.workers }),
});
manager.on('warning', ({ error, context }) =>
  process.stderr.write(`warning: ${context}: ${error.message}\n`),
);
manager.createShards(args.shards);

const total = args.perShard * args.shards;
const warmupMark = args.warmupPerShard * args.shards;
let received = 0;
let startCpu: NodeJS.CpuUsage | undefined;
let startWall = 0;
const finished = new Promise<void>((resolve) => {
  const onDispatch = (): void => {
    received++;
    if (received === warmupMark) {
      startCpu = process.cpuUsage();
      startWall = performance.now();
    } else if (received === total) resolve();
  };
  if (args.listen === 'all') {
    manager.on('dispatch', ({ payload }) => {
      if (payload.t !== GatewayDispatchEvents.Ready) onDispatch();
    });
  } else {
    for (const shard of manager.shards) shard.gateway.on('MESSAGE_CREATE', onDispatch);
  }
});
setInterval(
  () => process.stderr.write(`[workers ${args.workers}] ${received}/${total} dispatches\n`),
  30_000,
).unref();
void Promise.all(manager.startShards());
await finished;
const cpu = process.cpuUsage(startCpu);
const wallMs = performance.now() - startWall;
await toParent({
  type: 'result',
  workers: args.workers,
  listen: args.listen,
  cpuMs: (cpu.user + cpu.system) / 1000,
  wallMs,
  dispatchesInWindow: args.dispatchesInWindow,
} satisfies WorkersResult);
await manager.stopShards();
process.exit(0);
