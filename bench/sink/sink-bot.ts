/**
 * The bot of the sink benchmark (a child process): one shard of a `ShardManager` on the orchestrator's
 * FakeGateway with a MESSAGE_CREATE listener, and in mode `sink` a `RedisStreamSink` attached. On
 * `measure`, it measures its own CPU from then until `count` MESSAGE_CREATEs arrived (and, with the
 * sink, were published).
 */
import { createClient } from 'redis';
import { GatewayIntentBits, ShardManager } from '../../src/index.js';
import { RedisStreamSink } from '../../src/redis/index.js';
import { childArgs, toParent } from '../lib/child.js';
import type { SinkBotArgs, SinkBotMeasure, SinkBotMessage } from './protocol.js';

const args = childArgs<SinkBotArgs>();
const send = (message: SinkBotMessage) => toParent(message);

const redis = createClient({ url: args.redisUrl });
redis.on('error', () => undefined);
await redis.connect();
const manager = new ShardManager({
  token: args.token,
  intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages,
  gatewayUrl: args.gatewayUrl,
  restUrl: args.restUrl,
});
const sink =
  args.mode === 'sink'
    ? // The orchestrator sends in bursts: a buffer that holds a whole run, so that nothing is dropped.
      new RedisStreamSink({
        redis,
        stream: args.stream,
        maxLen: 100_000,
        maxBuffered: 100_000,
        maxBufferedBytes: 1 << 30,
      })
    : null;
if (sink !== null) sink.attach(manager);
const [shard] = manager.createShards(1);

let received = 0;
let target = Infinity;
let started: { cpu: NodeJS.CpuUsage; wall: number } | null = null;
// The bot's handler only counts: what is measured is the path to it, and the sink beside it.
shard!.gateway.on('MESSAGE_CREATE', () => {
  received += 1;
  if (received === target) void finish();
});

async function finish(): Promise<void> {
  if (sink !== null) await sink.flush();
  const cpu = process.cpuUsage(started!.cpu);
  await send({
    type: 'measured',
    cpuUs: cpu.user + cpu.system,
    wallMs: performance.now() - started!.wall,
    published: sink?.stats.published ?? 0,
    batches: sink?.stats.batches ?? 0,
    dropped: sink?.stats.dropped ?? 0,
  });
}

process.on('message', (message: SinkBotMeasure | { type: 'close' }) => {
  if (message.type === 'close') {
    void manager.stopShards().finally(() => process.exit(0));
    return;
  }
  received = 0;
  target = message.count;
  started = { cpu: process.cpuUsage(), wall: performance.now() };
  void send({ type: 'measuring' });
});

await Promise.all(manager.startShards());
await send({ type: 'ready' });
