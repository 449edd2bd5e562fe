/**
 * CPU per voice frame with DAVE on (docs/protocol/voice.md §4.7): Opus → DAVE encrypt → RTP + transport
 * AEAD → `send()`, for 1, 100 and 1000 connections in one process, to a UDP sink in another process:
 * - `statecord-dave`: per connection a `VoiceDaveSession` (the connection's `@snazzah/davey` session and
 *   frame transform) as the `VoicePacketWriter`'s transform, then `socket.send(packet, port, ip)`, which is
 *   what `VoiceMedia` does per frame;
 * - `discordjs-dave`: per connection @discordjs/voice 0.19.2's own `DAVESession` in its `Networking`'s Ready
 *   state, `prepareAudioPacket(opus)` (`createAudioPacket` → `daveSession.encrypt` → transport AEAD) +
 *   `dispatchAudio()`;
 * - `statecord` / `discordjs`: each library's path without DAVE (transport layer only), to show what the
 *   DAVE layer adds to each.
 * Each connection is a real two-member MLS group: statecord's session and discord.js's session of the
 * same index, created through the fake voice server's external sender (ts-mls) as the fake does it —
 * statecord's session commits the external Add, discord.js's joins by the welcome. Before measuring, one
 * packet of each DAVE path is opened by the fake's AEAD code and its DAVE layer decrypted by the *other*
 * library's session. Frames go round-robin over the N connections (each has its own sender key, RTP
 * state and transport key), in batches of `batch` with a `setImmediate` turn between, as in
 * `send-path.ts`. One UDP socket per implementation (2000 sockets would measure nothing more per frame).
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DAVESession as DiscordJsDaveSession, Networking, VoiceUDPSocket } from '@discordjs/voice';
import { createTransportCipher, RtpPacketizer, VoicePacketWriter } from '../../src/voice/media/index.js';
import { VoiceDaveSession } from '../../src/voice/dave/dave-session.js';
import { openRtpPacket } from '../../src/testing/fake-voice/transport-crypto.js';
import {
  appendProposalsPayload,
  DaveExternalSender,
} from '../../src/testing/fake-voice/dave/external-sender.js';
import { childArgs, toParent } from '../lib/child.js';
import type { DavePathArgs, DavePathImpl, DavePathResult, DavePathRun } from './protocol.js';

const args = childArgs<DavePathArgs>();
const SINK = '127.0.0.1';
const MODE = 'aead_aes256_gcm_rtpsize' as const;
const STATECORD_USER = '111111111111111111';
const DISCORDJS_USER = '222222222222222222';

/** One Opus-sized frame: a CELT TOC byte, then noise (never the `F8 FF FE` silence frame). */
const frame = randomBytes(args.frameBytes);
frame[0] = 0xfc;

/** One connection of one implementation: `send()` sends a frame, `packet()` only builds one. */
interface Connection {
  send(): void;
  packet(): Buffer;
}

/** Both libraries' sessions of connection `index`, in one established MLS group (epoch 1). */
interface GroupPair {
  readonly channelId: string;
  readonly statecord: VoiceDaveSession;
  readonly discordjs: DiscordJsDaveSession;
}

const sender = new DaveExternalSender();

async function groupPair(index: number): Promise<GroupPair> {
  const channelId = String(1_300_000_000_000_000_000n + BigInt(index));
  const statecord = new VoiceDaveSession({
    userId: () => STATECORD_USER,
    channelId: () => channelId,
    warn: (error) => {
      throw error;
    },
    changed: () => undefined,
    decryptFailing: () => undefined,
    sendable: () => undefined,
  });
  statecord.setExternalSender(Buffer.from(sender.encoded));
  statecord.start(1);
  const discordjs = new DiscordJsDaveSession(1, DISCORDJS_USER, channelId, {});
  let keyPackage: Buffer | null = null;
  discordjs.on('keyPackage', (payload: Buffer) => (keyPackage = payload));
  discordjs.reinit();
  discordjs.setExternalSender(Buffer.from(sender.encoded));
  if (keyPackage === null) throw new Error('discord.js DAVESession gave no key package');
  // As the fake's proposeCreation: an external Add of the other member at epoch 0; the committer creates
  // the group, the other joins by the welcome (transition id 0: applied at once).
  const proposals = appendProposalsPayload([await sender.proposeAdd(channelId, 0n, keyPackage)]);
  const davey = statecord.session!;
  const { commit, welcome } = davey.processProposals(0, proposals.subarray(1), [DISCORDJS_USER]);
  if (commit === undefined || welcome === undefined) throw new Error('no commit/welcome for the Add');
  davey.processCommit(commit);
  const transitionZero = Buffer.alloc(2);
  if (!discordjs.processWelcome(Buffer.concat([transitionZero, welcome])).success) {
    throw new Error('discord.js DAVESession refused the welcome');
  }
  statecord.changed({ protocolVersion: 1, epoch: 1, members: [STATECORD_USER, DISCORDJS_USER] });
  return { channelId, statecord, discordjs };
}

const statecordSocket = createSocket('udp4');
statecordSocket.on('error', () => undefined);
const discordjsSocket = new VoiceUDPSocket({ ip: SINK, port: args.sinkPort });
discordjsSocket.on('error', () => undefined);

function statecordConnection(pair: GroupPair, ssrc: number, key: Buffer, dave: boolean): Connection {
  const writer = new VoicePacketWriter({
    packetizer: new RtpPacketizer(ssrc),
    cipher: createTransportCipher(MODE, key),
    ...(dave ? { transform: pair.statecord } : {}),
  });
  return {
    send: () => {
      const packet = writer.packet(frame);
      if (packet !== null) statecordSocket.send(packet, args.sinkPort, SINK);
    },
    packet: () => writer.packet(frame) as Buffer,
  };
}

/** What `Networking` keeps in its Ready state (index.d.ts `ConnectionData`, `NetworkingReadyState`). */
interface DiscordJsNetworking {
  _state: unknown;
  prepareAudioPacket(opus: Buffer): Buffer | undefined;
  dispatchAudio(): boolean;
}

function discordJsConnection(pair: GroupPair, ssrc: number, key: Buffer, dave: boolean): Connection {
  const networking = Object.create(Networking.prototype) as DiscordJsNetworking;
  // As Networking.onWsPacket builds it on SESSION_DESCRIPTION (dist/index.js), with its DAVE session.
  networking._state = {
    code: 4, // NetworkingStatusCode.Ready
    udp: discordjsSocket,
    connectionData: {
      ssrc,
      connectedClients: new Set<string>([STATECORD_USER]),
      encryptionMode: MODE,
      secretKey: new Uint8Array(key),
      sequence: 1000,
      timestamp: 123_456,
      nonce: 0,
      nonceBuffer: Buffer.alloc(12),
      speaking: true,
      packetsPlayed: 0,
    },
    dave: dave ? pair.discordjs : undefined,
  };
  return {
    send: () => {
      networking.prepareAudioPacket(frame);
      networking.dispatchAudio();
    },
    packet: () => networking.prepareAudioPacket(frame) as Buffer,
  };
}

/** Transport layer opened by the fake's AEAD code, DAVE layer by the other library's session. */
function check(impl: DavePathImpl, pair: GroupPair, key: Buffer, packet: Buffer): boolean {
  const opened = openRtpPacket(MODE, key, packet, 12);
  if (opened === null) return false;
  const payload = Buffer.from(opened.plaintext);
  if (impl === 'statecord' || impl === 'discordjs') return payload.equals(frame);
  if (payload.equals(frame)) return false; // DAVE on: the Opus frame must not be visible here
  const opus =
    impl === 'statecord-dave'
      ? pair.discordjs.decrypt(payload, STATECORD_USER)
      : pair.statecord.inbound(payload, 0, DISCORDJS_USER);
  return opus !== null && Buffer.from(opus).equals(frame);
}

async function measure(
  connections: readonly Connection[],
  frames: number,
): Promise<Pick<DavePathRun, 'frames' | 'cpuUserMs' | 'cpuSystemMs' | 'wallMs'>> {
  const batch = Math.max(1, args.batch);
  const started = performance.now();
  const cpu = process.cpuUsage();
  let next = 0;
  for (let sent = 0; sent < frames;) {
    const end = Math.min(frames, sent + batch);
    for (; sent < end; sent++) {
      connections[next]!.send();
      next = next + 1 === connections.length ? 0 : next + 1;
    }
    await nextTurn();
  }
  const used = process.cpuUsage(cpu);
  return {
    frames,
    cpuUserMs: used.user / 1000,
    cpuSystemMs: used.system / 1000,
    wallMs: performance.now() - started,
  };
}

const most = Math.max(...args.connections);
const setupStarted = performance.now();
const pairs: GroupPair[] = [];
for (let index = 0; index < most; index++) pairs.push(await groupPair(index));
const setupMs = performance.now() - setupStarted;

const byImpl = new Map<DavePathImpl, Connection[]>();
const checks: Array<{ impl: DavePathImpl; ok: boolean }> = [];
for (const impl of args.impls) {
  const connections = pairs.map((pair, index) => {
    const key = randomBytes(32);
    const ssrc = 0x1000 + index;
    const connection =
      impl === 'discordjs-dave' || impl === 'discordjs'
        ? discordJsConnection(pair, ssrc, key, impl === 'discordjs-dave')
        : statecordConnection(pair, ssrc, key, impl === 'statecord-dave');
    if (index === 0 || index === pairs.length - 1) {
      checks.push({ impl, ok: check(impl, pair, key, connection.packet()) });
    }
    return connection;
  });
  byImpl.set(impl, connections);
}

const gc = (globalThis as { gc?: () => void }).gc;
const runs: DavePathRun[] = [];
for (const count of args.connections) {
  // Warm-up (JIT, socket, every connection's first frames), not measured.
  for (const impl of args.impls) {
    await measure(byImpl.get(impl)!.slice(0, count), Math.max(count * 2, Math.floor(args.frames / 5)));
  }
  for (let repetition = 0; repetition < args.repetitions; repetition++) {
    const order = repetition % 2 === 0 ? args.impls : [...args.impls].reverse();
    for (const impl of order) {
      gc?.();
      const run = await measure(byImpl.get(impl)!.slice(0, count), args.frames);
      runs.push({ impl, connections: count, repetition, ...run });
    }
  }
}
statecordSocket.close();
discordjsSocket.destroy();
await toParent({ type: 'result', runs, checks, setupMs, groups: pairs.length } satisfies DavePathResult);
process.exit(0);
