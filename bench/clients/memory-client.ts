/**
 * Memory per shard: connect `shards` idle shards (zlib-stream, as every client defaults to), wait
 * until all are ready and settled, collect garbage (`--expose-gc`) and report heap and RSS.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { writeHeapSnapshot } from 'node:v8';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { childArgs, toParent } from '../lib/child.js';
import type { MemoryArgs, MemoryResult } from '../lib/protocol.js';
import { connectClient } from './connect.js';

const args = childArgs<MemoryArgs>();
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('run with --expose-gc');

const started = performance.now();
const client = await connectClient({
  ...args,
  compression: 'zlib-stream',
  intents: GatewayIntentBits.Guilds,
  onDispatch: () => {},
});
const readyMs = performance.now() - started;
// Let the handshakes' leftovers (promises, timers of the connect phase) settle before measuring.
await sleep(1500);
for (let i = 0; i < 4; i++) {
  collect();
  await sleep(20);
}
const usage = process.memoryUsage();
await toParent({
  type: 'result',
  client: args.client,
  shards: args.shards,
  heapUsed: usage.heapUsed,
  heapTotal: usage.heapTotal,
  rss: usage.rss,
  external: usage.external,
  arrayBuffers: usage.arrayBuffers,
  readyMs,
} satisfies MemoryResult);
if (args.heapSnapshot !== undefined) writeHeapSnapshot(args.heapSnapshot);
await Promise.race([client.close(), sleep(5000)]);
process.exit(0);
