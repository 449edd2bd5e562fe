/**
 * The pacing floor: what a bare sender in one Node process achieves on this machine, measured by the
 * same sink as statecord's connections. Per connection a UDP socket and a `VoicePacketWriter` (the
 * same RTP header and AEAD as statecord, so the same crypto cost per frame), and nothing else: no
 * gateway, no voice WebSocket or machine, no player, track, source or per-connection pacer. One
 * drift-free loop serves every connection from a single `setTimeout`: connection i's frame k is due at
 * `t0 + phase_i + 20·k` (phases uniformly random in [0, 20) ms, as independent starts give), a wake sends
 * every frame due within 1 ms (the `FrameScheduler`'s `earlyMs`), in due order, then re-arms for the
 * next. Anything statecord's pacing shows beyond this floor is statecord's; what the floor shows is
 * the machine's (timer resolution, other processes on the two cores, GC).
 */
import { createSocket, type Socket } from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { createTransportCipher, RtpPacketizer, VoicePacketWriter } from '../../src/voice/media/index.js';
import { childArgs, toParent } from '../lib/child.js';
import { installSendClock } from './send-clock.js';
import type { PacingClientMessage, PacingFloorArgs } from './protocol.js';

const args = childArgs<PacingFloorArgs>();
const sendClock = installSendClock();
const frame = randomBytes(args.frameBytes);
frame[0] = 0xfc;
const key = Buffer.from(args.keyHex, 'hex');
const n = args.connections;

interface Sender {
  readonly writer: VoicePacketWriter;
  readonly socket: Socket;
}
const senders: Sender[] = [];
for (let i = 0; i < n; i++) {
  const socket = createSocket('udp4');
  socket.on('error', () => undefined);
  senders.push({
    writer: new VoicePacketWriter({
      packetizer: new RtpPacketizer(args.firstSsrc + i),
      cipher: createTransportCipher(args.mode, key),
    }),
    socket,
  });
}
// Connections in order of their phase, so the frames due next are always at the cursor.
const phases = Array.from({ length: n }, () => Math.random() * 20).sort((a, b) => a - b);
let framesSent = 0;
let framesSkipped = 0;
let cursor = 0;
let t0 = 0;
const dueAt = (index: number) => t0 + 20 * Math.floor(index / n) + phases[index % n]!;

/**
 * Sends what is due by the wake's start (+1 ms) and yields: frames that fall due while it sends wait
 * for the next wake, as the FrameScheduler's one-run-per-slot-per-wake rule does. Frames more than
 * 100 ms (5 frames, the pacers' `maxBurst`) late are skipped, as a pacer re-anchors.
 */
function wake(): void {
  const now = performance.now();
  while (dueAt(cursor) < now - 100) {
    cursor++;
    framesSkipped++;
  }
  while (dueAt(cursor) <= now + 1) {
    const sender = senders[cursor % n]!;
    const packet = sender.writer.packet(frame);
    if (packet !== null) sender.socket.send(packet, args.udpPort, '127.0.0.1');
    framesSent++;
    cursor++;
  }
  setTimeout(wake, Math.max(0, Math.floor(dueAt(cursor) - performance.now()))).unref();
}

await toParent({ type: 'connected', connections: n, setupMs: 0 } satisfies PacingClientMessage);
await new Promise<void>((resolve) => {
  process.on('message', (raw) => {
    if ((raw as { type: string }).type === 'play') resolve();
  });
});
// Keeps the process alive (the loop's timers are unref'ed, as the FrameScheduler's are).
const alive = setInterval(() => undefined, 1000);
t0 = performance.now();
wake();
await sleep(args.warmupMs);

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
sendClock.start();
loopDelay.enable();
const framesBefore = framesSent;
const skippedBefore = framesSkipped;
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
const usageAfter = process.resourceUsage();
loopDelay.disable();
clearInterval(alive);
const memory = process.memoryUsage();
await toParent({
  type: 'result',
  connections: n,
  setupMs: 0,
  windowStartNs: Number(startNs),
  windowEndNs: Number(endNs),
  windowStartUs: Number(startNs / 1000n),
  windowEndUs: Number(endNs / 1000n),
  cpuUserMs: used.user / 1000,
  cpuSystemMs: used.system / 1000,
  wallMs,
  framesSent: framesSent - framesBefore,
  // Frames skipped because they were over 100 ms late.
  underruns: framesSkipped - skippedBefore,
  eventLoopDelayMs: {
    p50: loopDelay.percentile(50) / 1e6,
    p99: loopDelay.percentile(99) / 1e6,
    max: loopDelay.max / 1e6,
  },
  sendDeviationMs: sendClock.deviation(),
  involuntaryContextSwitches: usageAfter.involuntaryContextSwitches - usageBefore.involuntaryContextSwitches,
  rssMiB: memory.rss / 2 ** 20,
  heapMiB: memory.heapUsed / 2 ** 20,
  states: { floor: n },
  warnings: 0,
  firstWarning: null,
} satisfies PacingClientMessage);
process.exit(0);
