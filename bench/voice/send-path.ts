/**
 * CPU per voice frame of the send path alone (encrypt + packetize + send), in one process, to a UDP
 * sink in another process on loopback:
 * - statecord: `VoicePacketWriter.packet(opus)` (RTP header, transport AEAD) + `socket.send(packet,
 *   port, ip)` on a `dgram` socket, which is what `VoiceMedia` does per frame;
 * - @discordjs/voice 0.19.2: `Networking.prepareAudioPacket(opus)` + `dispatchAudio()`, which is what
 *   its `AudioPlayer` calls per frame (`createAudioPacket` → `encryptOpusPacket`, then
 *   `VoiceUDPSocket.send`), DAVE off. The `Networking` is made without its WebSocket
 *   (`Object.create(Networking.prototype)`) and given the Ready state its `SessionDescription` handler
 *   would build (`connectionData` with the mode, key, counters, `speaking: true`).
 * Runs alternate (statecord, discord.js, then the other way round) for each mode, `gc()` before each;
 * CPU is `process.cpuUsage()` over the run. Frames go out in batches of `batch`, each followed by a
 * `setImmediate` turn, as a scheduler wake sends a few frames then yields (dgram's per-send address
 * lookup completes on `process.nextTick`, so each batch is fully sent before the next).
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { Networking, VoiceUDPSocket } from '@discordjs/voice';
import {
  createTransportCipher,
  RtpPacketizer,
  VoicePacketWriter,
  type TransportCipher,
} from '../../src/voice/media/index.js';
import { openRtpPacket } from '../../src/testing/fake-voice/transport-crypto.js';
import { childArgs, toParent } from '../lib/child.js';
import type { SendPathArgs, SendPathImpl, SendPathResult, SendPathRun, VoiceMode } from './protocol.js';

const args = childArgs<SendPathArgs>();
const SINK = '127.0.0.1';
const SSRC = 0x1234_5678;

/** One Opus-sized frame: a CELT TOC byte, then noise (never the `F8 FF FE` silence frame). */
const frame = randomBytes(args.frameBytes);
frame[0] = 0xfc;

interface SendPath {
  /** Sends one frame. */
  send(): void;
  /** One packet without sending it, for the correctness check. */
  packet(): Buffer;
  close(): void;
}

async function statecordPath(
  mode: VoiceMode,
  key: Buffer,
  connected: boolean,
): Promise<SendPath & { cipher: TransportCipher }> {
  const cipher = createTransportCipher(mode, key);
  const writer = new VoicePacketWriter({ packetizer: new RtpPacketizer(SSRC), cipher });
  const socket: Socket = createSocket('udp4');
  socket.on('error', () => undefined);
  if (connected) await new Promise<void>((resolve) => socket.connect(args.sinkPort, SINK, resolve));
  return {
    cipher,
    send: connected
      ? () => {
          const packet = writer.packet(frame);
          if (packet !== null) socket.send(packet);
        }
      : () => {
          const packet = writer.packet(frame);
          if (packet !== null) socket.send(packet, args.sinkPort, SINK);
        },
    packet: () => writer.packet(frame) as Buffer,
    close: () => socket.close(),
  };
}

/** What `Networking` keeps in its Ready state (index.d.ts `ConnectionData`, `NetworkingReadyState`). */
interface DiscordJsNetworking {
  _state: unknown;
  prepareAudioPacket(opus: Buffer): Buffer | undefined;
  dispatchAudio(): boolean;
}

function discordJsPath(mode: VoiceMode, key: Buffer): SendPath {
  const udp = new VoiceUDPSocket({ ip: SINK, port: args.sinkPort });
  udp.on('error', () => undefined);
  const networking = Object.create(Networking.prototype) as DiscordJsNetworking;
  // As Networking.onWsPacket builds it on SESSION_DESCRIPTION (dist/index.js), DAVE off (dave undefined).
  networking._state = {
    code: 4, // NetworkingStatusCode.Ready
    udp,
    connectionData: {
      ssrc: SSRC,
      connectedClients: new Set<string>(),
      encryptionMode: mode,
      secretKey: new Uint8Array(key),
      sequence: 1000,
      timestamp: 123_456,
      nonce: 0,
      nonceBuffer: mode === 'aead_aes256_gcm_rtpsize' ? Buffer.alloc(12) : Buffer.alloc(24),
      speaking: true,
      packetsPlayed: 0,
    },
    dave: undefined,
  };
  return {
    send: () => {
      networking.prepareAudioPacket(frame);
      networking.dispatchAudio();
    },
    packet: () => networking.prepareAudioPacket(frame) as Buffer,
    close: () => udp.destroy(),
  };
}

/** The fake voice server's own AEAD code opens the packet, and the frame comes back. */
function check(mode: VoiceMode, key: Buffer, packet: Buffer): boolean {
  const opened = openRtpPacket(mode, key, packet, 12);
  return opened !== null && opened.plaintext.equals(frame);
}

/** @discordjs/voice loads its XChaCha library asynchronously at import; wait until it works. */
async function discordJsReady(path: SendPath): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      path.packet();
      return;
    } catch (error) {
      if (attempt > 200) throw error;
      await sleep(10);
    }
  }
}

/** The library @discordjs/voice found, probing in its own order (dist/index.js `libs`). */
async function discordJsXChaChaLibrary(): Promise<string> {
  for (const name of [
    'sodium-native',
    'sodium',
    'libsodium-wrappers',
    '@stablelib/xchacha20poly1305',
    '@noble/ciphers/chacha.js',
  ]) {
    try {
      await import(name);
      return name;
    } catch {
      // Not installed: @discordjs/voice tries the next one too.
    }
  }
  return 'none';
}

async function measure(
  path: SendPath,
  frames: number,
): Promise<Omit<SendPathRun, 'impl' | 'mode' | 'repetition'>> {
  const batch = Math.max(1, args.batch);
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let sent = 0; sent < frames;) {
    const end = Math.min(frames, sent + batch);
    for (; sent < end; sent++) path.send();
    await nextTurn();
  }
  const used = process.cpuUsage(cpu);
  return {
    frames,
    cpuUserMs: used.user / 1000,
    cpuSystemMs: used.system / 1000,
    wallMs: performance.now() - started,
    windowStartUs: startUs,
    windowEndUs: Number(process.hrtime.bigint() / 1000n),
  };
}

const gc = (globalThis as { gc?: () => void }).gc;
const paths = new Map<string, SendPath>();
const checks: Array<{ impl: SendPathImpl; mode: VoiceMode; ok: boolean }> = [];
let statecordXChaCha = 'n/a';
for (const mode of args.modes) {
  const key = randomBytes(32);
  for (const impl of args.impls) {
    let path: SendPath;
    if (impl === 'statecord' || impl === 'statecord-connected') {
      const own = await statecordPath(mode, key, impl === 'statecord-connected');
      if (mode === 'aead_xchacha20_poly1305_rtpsize') {
        statecordXChaCha = (own.cipher as unknown as { implementation?: string }).implementation ?? 'unknown';
      }
      path = own;
    } else {
      path = discordJsPath(mode, key);
      await discordJsReady(path);
    }
    checks.push({ impl, mode, ok: check(mode, key, path.packet()) });
    paths.set(`${impl}/${mode}`, path);
    // Warm-up (JIT, socket), not measured.
    await measure(path, Math.max(1000, Math.floor(args.frames / 5)));
  }
}

const runs: SendPathRun[] = [];
for (let repetition = 0; repetition < args.repetitions; repetition++) {
  for (const mode of args.modes) {
    const order = repetition % 2 === 0 ? args.impls : [...args.impls].reverse();
    for (const impl of order) {
      gc?.();
      const run = await measure(paths.get(`${impl}/${mode}`) as SendPath, args.frames);
      runs.push({ impl, mode, repetition, ...run });
    }
  }
}
for (const path of paths.values()) path.close();
await toParent({
  type: 'result',
  runs,
  checks,
  discordjsXChaCha: await discordJsXChaChaLibrary(),
  statecordXChaCha,
} satisfies SendPathResult);
process.exit(0);
