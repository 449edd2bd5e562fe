/**
 * The measured process of the pacing benchmark: a statecord `ShardManager` runs `shards` shards on the
 * fake gateway and joins one stage channel per guild (`manager.voice.join`, `joinConcurrency` at a
 * time), so `guilds.length` real `VoiceConnection`s (voice WebSocket, UDP socket, voice machine) live
 * in this one process. On the orchestrator's `play`, each connection starts playing an endless source
 * of `frameBytes`-byte Opus frames at a random moment within `startSpreadMs` (independent users do not
 * start in the same millisecond); every connection's pacer shares the process-wide `FrameScheduler`.
 * After `warmupMs` it measures `measureMs`: this process's CPU (`process.cpuUsage()`), the frames the
 * tracks sent, and its event-loop delay. The receiver stamps arrivals (pacing-server.ts); the window
 * is given in `process.hrtime` nanoseconds, the same monotonic clock in every process of the host.
 *
 * Shards: Discord (and the fake) allow 120 gateway commands per 60 s per shard, and every join is an
 * op 4, so the orchestrator runs one shard per 100 connections.
 */
import { Readable } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { ShardManager } from '../../src/index.js';
import type { AudioPlayback, VoiceConnection } from '../../src/index.js';
import { childArgs, toParent } from '../lib/child.js';
import { installSendClock } from './send-clock.js';
import type { PacingClientArgs, PacingClientMessage } from './protocol.js';

const args = childArgs<PacingClientArgs>();
const sendClock = installSendClock();
const frame = randomBytes(args.frameBytes);
frame[0] = 0xfc;

function endlessSource(): Readable | AsyncIterable<Uint8Array> {
  if (args.source === 'generator') {
    // What an async source of ready packets looks like (no await needed to produce one).
    // eslint-disable-next-line @typescript-eslint/require-await
    return (async function* () {
      for (;;) yield frame;
    })();
  }
  return new Readable({
    objectMode: true,
    read() {
      // Fills up to the stream's high-water mark; the track buffer pauses it when full.
      while (this.push(frame));
    },
  });
}

const setupStarted = performance.now();
const manager = new ShardManager({
  token: args.token,
  intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildVoiceStates,
  restUrl: args.restUrl,
  gatewayUrl: args.gatewayUrl,
});
manager.createShards(args.shards);
await Promise.all(manager.startShards());

let warnings = 0;
let firstWarning: string | null = null;
const connections: VoiceConnection[] = [];
let next = 0;
async function joinWorker(): Promise<void> {
  for (let index = next++; index < args.guilds.length; index = next++) {
    const { guildId, channelId } = args.guilds[index]!;
    const connection = await manager.voice.join(guildId, channelId);
    connection.on('warning', ({ error, context }) => {
      warnings++;
      firstWarning ??= `${context}: ${error.message}`;
    });
    connections.push(connection);
  }
}
await Promise.all(Array.from({ length: Math.min(args.joinConcurrency, args.guilds.length) }, joinWorker));
const setupMs = performance.now() - setupStarted;
await toParent({ type: 'connected', connections: connections.length, setupMs } satisfies PacingClientMessage);

await new Promise<void>((resolve) => {
  process.on('message', (raw) => {
    if ((raw as { type: string }).type === 'play') resolve();
  });
});

const tracks: AudioPlayback[] = [];
await Promise.all(
  connections.map(async (connection) => {
    await sleep(Math.random() * args.startSpreadMs);
    tracks.push(connection.play(endlessSource()));
  }),
);
await sleep(args.warmupMs);

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
sendClock.start();
const sum = (read: (track: AudioPlayback) => number) =>
  tracks.reduce((total, track) => total + read(track), 0);
loopDelay.enable();
const framesBefore = sum((track) => track.framesSent);
const underrunsBefore = sum((track) => track.underruns);
const usageBefore = process.resourceUsage();
const startNs = process.hrtime.bigint();
const started = performance.now();
const cpu = process.cpuUsage();
await toParent({ type: 'measuring' });
await sleep(args.measureMs);
const used = process.cpuUsage(cpu);
sendClock.stop();
const endNs = process.hrtime.bigint();
const wallMs = performance.now() - started;
const framesSent = sum((track) => track.framesSent) - framesBefore;
const underruns = sum((track) => track.underruns) - underrunsBefore;
const usageAfter = process.resourceUsage();
loopDelay.disable();

const states: Record<string, number> = {};
for (const connection of connections) states[connection.state] = (states[connection.state] ?? 0) + 1;
const memory = process.memoryUsage();
await toParent({
  type: 'result',
  connections: connections.length,
  setupMs,
  windowStartNs: Number(startNs),
  windowEndNs: Number(endNs),
  windowStartUs: Number(startNs / 1000n),
  windowEndUs: Number(endNs / 1000n),
  cpuUserMs: used.user / 1000,
  cpuSystemMs: used.system / 1000,
  wallMs,
  framesSent,
  underruns,
  eventLoopDelayMs: {
    p50: loopDelay.percentile(50) / 1e6,
    p99: loopDelay.percentile(99) / 1e6,
    max: loopDelay.max / 1e6,
  },
  sendDeviationMs: sendClock.deviation(),
  involuntaryContextSwitches: usageAfter.involuntaryContextSwitches - usageBefore.involuntaryContextSwitches,
  rssMiB: memory.rss / 2 ** 20,
  heapMiB: memory.heapUsed / 2 ** 20,
  states,
  warnings,
  firstWarning,
} satisfies PacingClientMessage);
// 1000 leaves would take longer than the whole measurement; the process ends with its sockets.
process.exit(0);
