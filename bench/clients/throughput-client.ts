/**
 * One throughput run, in its own process: connect one shard with the chosen client, let the server
 * replay its stream, and measure this process's CPU time (`process.cpuUsage()`) and wall time over
 * the measured window (after `warmup` dispatches, READY included, for `dispatches` dispatches).
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { childArgs, toParent } from '../lib/child.js';
import type { ThroughputArgs, ThroughputResult } from '../lib/protocol.js';
import { connectClient, wire } from './connect.js';

const args = childArgs<ThroughputArgs>();

// Allocation sampling over the measured window, counting objects that were already collected too
// (`--heap-prof` keeps only what is still alive at exit, which hides per-dispatch garbage).
const inspector = args.allocationProfile === undefined ? null : new Session();
function startAllocationSampling(): void {
  if (inspector === null) return;
  inspector.connect();
  inspector.post('HeapProfiler.enable');
  inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
function writeAllocationProfile(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    inspector?.post('HeapProfiler.stopSampling', (error, result) => {
      if (error) reject(error);
      else resolve(writeFile(path, JSON.stringify(result.profile)));
    });
  });
}
if (args.warmup < 1) throw new Error('warmup must be ≥ 1 (READY counts as the first dispatch)');
// A typical bot sees only the types it listens to: its window runs from the last of them in the
// warm-up to the last of them in the stream (off by the one or two dispatches after each edge).
const warmupMark = args.typicalListened?.warmup ?? args.warmup;
const total = args.typicalListened?.total ?? args.warmup + args.dispatches;
let received = 0;
let startCpu: NodeJS.CpuUsage | undefined;
let startWall = 0;
let startUs = 0n;
let startBytes = 0;

const finished = new Promise<void>((resolve) => {
  // The listener every client gets: count, and mark the window's edges.
  const onDispatch = (): void => {
    received++;
    if (received === warmupMark) {
      if (args.allocationProfile !== undefined) startAllocationSampling();
      startCpu = process.cpuUsage();
      startWall = performance.now();
      startUs = process.hrtime.bigint() / 1000n;
      startBytes = wire.bytes;
    } else if (received === total) resolve();
  };
  void connectClient({
    ...args,
    shards: 1,
    intents:
      GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.GuildMessageTyping,
    onDispatch,
  });
});

// A stuck run (a client that lost the stream) is killed by the orchestrator; say how far it got.
setInterval(
  () => process.stderr.write(`[throughput ${args.client}] ${received}/${total} dispatches\n`),
  30_000,
).unref();

await finished;
const cpu = process.cpuUsage(startCpu);
const wallMs = performance.now() - startWall;
const endUs = process.hrtime.bigint() / 1000n;
if (args.allocationProfile !== undefined) await writeAllocationProfile(args.allocationProfile);
await toParent({
  type: 'result',
  client: args.client,
  compression: args.compression,
  dispatches: args.dispatches,
  cpuUserMs: cpu.user / 1000,
  cpuSystemMs: cpu.system / 1000,
  wallMs,
  maxRssKiB: process.resourceUsage().maxRSS,
  wireBytes: args.client.startsWith('floor') ? wire.bytes - startBytes : null,
  windowStartUs: Number(startUs),
  windowEndUs: Number(endUs),
} satisfies ThroughputResult);
process.exit(0);
