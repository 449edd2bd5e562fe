/**
 * The Discord side of the pacing benchmark, in its own process: a `FakeGateway` with `connections`
 * guilds (one stage channel each, spread evenly over `shards` shards) and a linked `FakeVoiceServer`
 * that offers only the mode under test (XChaCha20 is always offered, as Discord does; the client
 * prefers AES-256-GCM when offered). The fake does every handshake: op 4 answers, voice Identify,
 * Ready, IP discovery, Select Protocol, Session Description, heartbeats.
 *
 * Once every connection is ready the orchestrator arms the sink: the fake's own UDP handler (which
 * decrypts every packet: with XChaCha20 in pure JS, ≈ 1 core at 1000 connections, which would starve
 * the client of the second core and delay the time stamps) is replaced on the fake's media socket by a
 * light one that stamps each datagram with the monotonic clock first (`performance.now()`, converted to
 * `process.hrtime` nanoseconds, the clock the client gives its window in), keeps (connection,
 * sequence, time), and decrypts one packet in `verifyEvery` per connection with the fake's own AEAD
 * code (`openRtpPacket`) to check key, nonce and length. The receive buffer is raised (default 4 MiB)
 * so that a busy moment of this process is not counted as loss.
 *
 * The media socket is the fake's private `state.udp.socket`: `FakeVoiceServer` has no public hook for
 * raw datagrams or their arrival time (its `arrivedAt` is `Date.now()`, 1 ms resolution).
 */
import type { Socket } from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FakeGateway, FakeVoiceServer } from '../../src/testing/index.js';
import { openRtpPacket } from '../../src/testing/fake-voice/transport-crypto.js';
import { childArgs, toParent } from '../lib/child.js';
import { kernelDrops as udpDrops } from './proc-udp.js';
import { percentiles } from './send-clock.js';
import type { PacingGuild, PacingServerArgs, PacingServerMessage, PacingStats } from './protocol.js';

const args = childArgs<PacingServerArgs>();
const FRAME_MS = 20;

/** Guild ids whose shard `(id >> 22) % shards` is `index % shards`: an even spread. */
function guilds(count: number, shards: number): PacingGuild[] {
  const base = 100_000_000_000n - (100_000_000_000n % BigInt(shards));
  return Array.from({ length: count }, (_, index) => {
    const id = (base + BigInt(index)) << 22n;
    return { guildId: id.toString(), channelId: (id + 1n).toString() };
  });
}

const list = guilds(args.connections, args.shards);
const voice = await FakeVoiceServer.start({
  defaultChannelKind: 'stage',
  record: false,
  peers: [],
  modes:
    args.mode === 'aead_aes256_gcm_rtpsize'
      ? ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize']
      : ['aead_xchacha20_poly1305_rtpsize'],
});
const gateway = await FakeGateway.start({
  shardCount: args.shards,
  maxConcurrency: args.shards,
  identifyIntervalMs: 0,
  sessionStartLimit: { total: 1_000_000 },
  recordFrames: false,
  guilds: list.map(({ guildId, channelId }) => ({
    id: guildId,
    name: `voice bench ${guildId}`,
    channels: [{ id: channelId, type: 13, name: 'stage' }],
  })),
  voice: { servers: voice },
});

const socket = (voice as unknown as { state: { udp: { socket?: Socket } | null } }).state.udp?.socket;
if (socket === undefined) throw new Error('the FakeVoiceServer has no media socket (state.udp.socket)');
try {
  socket.setRecvBufferSize(args.recvBufferBytes);
} catch {
  // Capped by net.core.rmem_max; the size in effect is reported.
}
const recvBufferBytes = socket.getRecvBufferSize();
const udpPort = socket.address().port;

// ── The light sink ───────────────────────────────────────────────────────────────────────────
interface Keyed {
  readonly index: number;
  readonly mode: string;
  readonly key: Buffer;
}
const bySsrc = new Map<number, Keyed>();
let capacity = 1 << 16;
let conn = new Uint32Array(capacity);
let seqs = new Uint16Array(capacity);
let times = new Float64Array(capacity);
let length = 0;
let unknown = 0;
const verified = { ok: 0, failed: 0, wrongLength: 0 };

function grow(): void {
  capacity *= 2;
  const c = new Uint32Array(capacity);
  c.set(conn);
  conn = c;
  const s = new Uint16Array(capacity);
  s.set(seqs);
  seqs = s;
  const t = new Float64Array(capacity);
  t.set(times);
  times = t;
}

/**
 * `process.hrtime` nanoseconds at `performance.now()` 0: both read the same monotonic clock, and
 * `performance.now()` costs no BigInt per datagram.
 */
const hrtimeOffsetNs = Number(process.hrtime.bigint()) - performance.now() * 1e6;

function onDatagram(packet: Buffer): void {
  const at = performance.now() * 1e6 + hrtimeOffsetNs;
  if (packet.length < 32 || (packet[1]! & 0x7f) !== 0x78) return;
  const keyed = bySsrc.get(packet.readUInt32BE(8));
  if (keyed === undefined) {
    unknown++;
    return;
  }
  if (length === capacity) grow();
  const sequence = packet.readUInt16BE(2);
  conn[length] = keyed.index;
  seqs[length] = sequence;
  times[length] = at;
  length++;
  if (sequence % args.verifyEvery === 0) {
    const headerLength = 12 + 4 * (packet[0]! & 0x0f) + ((packet[0]! & 0x10) !== 0 ? 4 : 0);
    const opened = openRtpPacket(keyed.mode, keyed.key, packet, headerLength);
    if (opened === null) verified.failed++;
    else if (opened.plaintext.length !== args.frameBytes) verified.wrongLength++;
    else verified.ok++;
  }
}

// ── Statistics ──────────────────────────────────────────────────────────────────────────────
function pacing(startNs: number, endNs: number): PacingStats {
  const n = args.connections;
  const lastSeq = new Int32Array(n).fill(-1);
  const lastAt = new Float64Array(n);
  const perConnection: number[][] = Array.from({ length: n }, () => []);
  const gaps: number[] = [];
  let packets = 0;
  let lost = 0;
  let reordered = 0;
  for (let i = 0; i < length; i++) {
    const at = times[i]!;
    if (at < startNs || at > endNs) continue;
    packets++;
    const c = conn[i]!;
    const sequence = seqs[i]!;
    const previous = lastSeq[c]!;
    if (previous >= 0) {
      const step = (sequence - previous) & 0xffff;
      if (step === 0 || step > 0x8000) {
        reordered++;
        continue;
      }
      if (step === 1) {
        const gap = (at - lastAt[c]!) / 1e6;
        gaps.push(gap);
        perConnection[c]!.push(Math.abs(gap - FRAME_MS));
      } else lost += step - 1;
    }
    lastSeq[c] = sequence;
    lastAt[c] = at;
  }
  const gapArray = Float64Array.from(gaps);
  const deviations = gapArray.map((gap) => Math.abs(gap - FRAME_MS));
  const connectionP99 = Float64Array.from(
    perConnection.filter((list) => list.length > 0).map((list) => percentiles(Float64Array.from(list)).p99),
  );
  const byConnection = percentiles(connectionP99);
  return {
    connections: n,
    connectionsSeen: perConnection.filter((list) => list.length > 0).length,
    packets,
    gapMs: percentiles(gapArray),
    deviationMs: percentiles(deviations),
    over2ms: deviations.length === 0 ? 0 : deviations.filter((d) => d > 2).length / deviations.length,
    over5ms: deviations.length === 0 ? 0 : deviations.filter((d) => d > 5).length / deviations.length,
    perConnectionP99DeviationMs: { median: byConnection.p50, max: byConnection.max },
    lost,
    reordered,
  };
}

const kernelDrops = () => udpDrops(udpPort);

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let cpuAtReset = process.cpuUsage();
let dropsAtReset = kernelDrops();
let switchesAtReset = process.resourceUsage().involuntaryContextSwitches;

process.on('message', (raw) => {
  const message = raw as { type: string; startNs?: number; endNs?: number };
  if (message.type === 'arm') {
    const floor = args.floor;
    if (floor === undefined) {
      const sessions = voice.sessions.filter((session) => session.mode !== null);
      sessions.forEach((session, index) => {
        bySsrc.set(session.ssrc, { index, mode: session.mode!, key: session.secretKey });
      });
    } else {
      const key = Buffer.from(floor.keyHex, 'hex');
      for (let index = 0; index < args.connections; index++) {
        bySsrc.set(floor.firstSsrc + index, { index, mode: args.mode, key });
      }
    }
    socket.removeAllListeners('message');
    socket.on('message', onDatagram);
    void toParent({ type: 'armed', sessions: bySsrc.size } satisfies PacingServerMessage);
  } else if (message.type === 'reset') {
    loopDelay.reset();
    cpuAtReset = process.cpuUsage();
    dropsAtReset = kernelDrops();
    switchesAtReset = process.resourceUsage().involuntaryContextSwitches;
  } else if (message.type === 'stats') {
    const cpu = process.cpuUsage(cpuAtReset);
    const drops = kernelDrops();
    const stats = voice.stats;
    void toParent({
      type: 'stats',
      pacing: pacing(message.startNs ?? 0, message.endNs ?? Number.POSITIVE_INFINITY),
      verified: { ...verified },
      unknownPackets: unknown,
      fakeStats: {
        framesReceived: stats.framesReceived,
        decryptFailures: stats.decryptFailures,
        nonceViolations: stats.nonceViolations,
        violations: voice.violations.length,
      },
      kernelDrops: drops === null || dropsAtReset === null ? null : drops - dropsAtReset,
      eventLoopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
      cpuMs: (cpu.user + cpu.system) / 1000,
      involuntaryContextSwitches: process.resourceUsage().involuntaryContextSwitches - switchesAtReset,
    } satisfies PacingServerMessage);
  } else if (message.type === 'close') {
    // The client process is gone: its sockets are closed by the kernel; do not wait for 1000 closes.
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

await toParent({
  type: 'listening',
  gatewayUrl: gateway.url,
  restUrl: gateway.restUrl,
  token: gateway.options.token,
  guilds: list,
  recvBufferBytes,
  udpPort,
} satisfies PacingServerMessage);
