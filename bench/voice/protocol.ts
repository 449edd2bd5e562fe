/** Messages and arguments of the voice benchmark's children (`bench/voice/`). */
import type { VoiceEncryptionMode } from '../../src/voice/media/index.js';

export type VoiceMode = VoiceEncryptionMode;

/** Both AEAD modes Discord accepts (docs/protocol/voice.md §3.3), the preferred one first. */
export const VOICE_MODES: readonly VoiceMode[] = [
  'aead_aes256_gcm_rtpsize',
  'aead_xchacha20_poly1305_rtpsize',
];

export const MODE_LABEL: Record<VoiceMode, string> = {
  aead_aes256_gcm_rtpsize: 'AES-256-GCM',
  aead_xchacha20_poly1305_rtpsize: 'XChaCha20-Poly1305',
};

/** The send paths compared per frame. */
export type SendPathImpl =
  /** statecord: `VoicePacketWriter.packet()` + `dgram` `send(packet, port, ip)`, as `VoiceMedia` sends. */
  | 'statecord'
  /** @discordjs/voice 0.19.2: `Networking.prepareAudioPacket()` + `dispatchAudio()` (its `VoiceUDPSocket`). */
  | 'discordjs'
  /**
   * A diagnostic, not a client: statecord's writer with the socket `connect()`ed to the server and
   * `send(packet)` without an address, which skips dgram's per-send address lookup (a `dns.lookup` of
   * the IP literal, answered on `process.nextTick`).
   */
  | 'statecord-connected';

export interface SendPathArgs {
  /** The UDP sink (another process) every packet goes to. */
  readonly sinkPort: number;
  /** Frames per measured run. */
  readonly frames: number;
  /** Runs of each (impl, mode); they alternate. */
  readonly repetitions: number;
  /** Opus frame size in bytes. */
  readonly frameBytes: number;
  /** Frames sent back to back before the loop yields (a `setImmediate`), like a scheduler wake. */
  readonly batch: number;
  readonly modes: readonly VoiceMode[];
  readonly impls: readonly SendPathImpl[];
}

/** One measured run of the send path. */
export interface SendPathRun {
  readonly impl: SendPathImpl;
  readonly mode: VoiceMode;
  readonly repetition: number;
  readonly frames: number;
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly wallMs: number;
  /** The run in monotonic microseconds (`process.hrtime`), to cut a CPU profile to it. */
  readonly windowStartUs: number;
  readonly windowEndUs: number;
}

export interface SendPathResult {
  readonly type: 'result';
  readonly runs: readonly SendPathRun[];
  /** Before measuring, one packet of each (impl, mode) was opened by the fake voice server's own AEAD code. */
  readonly checks: ReadonlyArray<{
    readonly impl: SendPathImpl;
    readonly mode: VoiceMode;
    readonly ok: boolean;
  }>;
  /** Which XChaCha20-Poly1305 code @discordjs/voice found (it probes sodium-native, …, @noble/ciphers). */
  readonly discordjsXChaCha: string;
  /** statecord's XChaCha implementation (`native` = HChaCha20 in JS + OpenSSL ChaCha20-Poly1305). */
  readonly statecordXChaCha: string;
}

export type SinkMessage =
  | { readonly type: 'listening'; readonly port: number }
  | {
      readonly type: 'count';
      readonly packets: number;
      readonly bytes: number;
      /** Datagrams the kernel dropped at the sink (its buffer was full), null when unknown. */
      readonly kernelDrops: number | null;
    };

/** A guild of the pacing run and its stage channel. */
export interface PacingGuild {
  readonly guildId: string;
  readonly channelId: string;
}

export interface PacingServerArgs {
  readonly connections: number;
  readonly shards: number;
  /** The only mode the fake voice server offers, so the client must pick it. */
  readonly mode: VoiceMode;
  /** Expected Opus frame size (the sampled decryption checks it). */
  readonly frameBytes: number;
  /** UDP receive buffer to ask for (bytes); the kernel caps it at `net.core.rmem_max`. */
  readonly recvBufferBytes: number;
  /** Decrypt one packet in this many per connection (sequence number divisible by it). */
  readonly verifyEvery: number;
  /** The floor sender (pacing-floor.ts) instead of sessions: SSRCs `firstSsrc…+connections`, one key. */
  readonly floor?: { readonly keyHex: string; readonly firstSsrc: number };
}

export interface PacingFloorArgs {
  readonly udpPort: number;
  readonly connections: number;
  readonly mode: VoiceMode;
  readonly keyHex: string;
  readonly firstSsrc: number;
  readonly frameBytes: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

export interface PacingStats {
  readonly connections: number;
  /** Connections with at least one packet in the window. */
  readonly connectionsSeen: number;
  readonly packets: number;
  /** Inter-packet gaps between consecutive sequence numbers, both inside the window (ms). */
  readonly gapMs: Percentiles;
  /** |gap − 20 ms|. */
  readonly deviationMs: Percentiles;
  /** Share of gaps deviating by more than 2 ms / 5 ms. */
  readonly over2ms: number;
  readonly over5ms: number;
  /** Worst connection by its own p99 deviation, and the median connection's. */
  readonly perConnectionP99DeviationMs: { readonly median: number; readonly max: number };
  /** Missing sequence numbers inside the window (lost or late beyond it). */
  readonly lost: number;
  /** Packets whose sequence went backwards. */
  readonly reordered: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly count: number;
}

export type PacingServerMessage =
  | {
      readonly type: 'listening';
      readonly gatewayUrl: string;
      readonly restUrl: string;
      readonly token: string;
      readonly guilds: readonly PacingGuild[];
      readonly recvBufferBytes: number;
      /** The fake voice server's media port. */
      readonly udpPort: number;
    }
  | { readonly type: 'armed'; readonly sessions: number }
  | {
      readonly type: 'stats';
      readonly pacing: PacingStats;
      /** Sampled decryption by the fake's own AEAD code: opened, failed, wrong length. */
      readonly verified: { readonly ok: number; readonly failed: number; readonly wrongLength: number };
      /** RTP datagrams with an SSRC no session has. */
      readonly unknownPackets: number;
      /** What the fake's full receive path counted before the sink was armed (handshakes, first frames). */
      readonly fakeStats: {
        readonly framesReceived: number;
        readonly decryptFailures: number;
        readonly nonceViolations: number;
        readonly violations: number;
      };
      /** Datagrams the kernel dropped on the sink's socket (`/proc/net/udp`), null when unreadable. */
      readonly kernelDrops: number | null;
      readonly eventLoopDelayMs: { readonly p99: number; readonly max: number };
      readonly cpuMs: number;
      /** Times the sink process was preempted in the window (`resourceUsage()`). */
      readonly involuntaryContextSwitches: number;
    };

export interface PacingClientArgs {
  readonly gatewayUrl: string;
  readonly restUrl: string;
  readonly token: string;
  readonly guilds: readonly PacingGuild[];
  readonly shards: number;
  readonly frameBytes: number;
  /** Joins in flight at once. */
  readonly joinConcurrency: number;
  /** Spread the starts of playback over this long (uniformly random), as independent users would. */
  readonly startSpreadMs: number;
  /** Playing before the measured window. */
  readonly warmupMs: number;
  readonly measureMs: number;
  /** `readable`: an endless object-mode `Readable`; `generator`: an endless async generator. */
  readonly source: 'readable' | 'generator';
}

export type PacingClientMessage =
  | { readonly type: 'connected'; readonly connections: number; readonly setupMs: number }
  | { readonly type: 'measuring' }
  | {
      readonly type: 'result';
      readonly connections: number;
      readonly setupMs: number;
      /** The measured window in `process.hrtime` nanoseconds (one clock for every process of the host). */
      readonly windowStartNs: number;
      readonly windowEndNs: number;
      readonly windowStartUs: number;
      readonly windowEndUs: number;
      readonly cpuUserMs: number;
      readonly cpuSystemMs: number;
      readonly wallMs: number;
      /** Frames the tracks sent in the window (`AudioTrack.framesSent`). */
      readonly framesSent: number;
      readonly underruns: number;
      readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
      /** |gap − 20 ms| between consecutive `Socket.send` calls of each connection (send-clock.ts). */
      readonly sendDeviationMs: Percentiles;
      /** Times the OS preempted this process in the window (`resourceUsage()`): other work on the cores. */
      readonly involuntaryContextSwitches: number;
      readonly rssMiB: number;
      readonly heapMiB: number;
      readonly states: Record<string, number>;
      /** `warning` events of the connections (socket errors, garbage packets, …) and the first one. */
      readonly warnings: number;
      readonly firstWarning: string | null;
    };

/** The send paths compared per frame with DAVE on (`dave-path.ts`). */
export type DavePathImpl =
  /** statecord: `VoicePacketWriter` with the connection's `VoiceDaveSession` as transform, then `send()`. */
  | 'statecord-dave'
  /** @discordjs/voice 0.19.2: `prepareAudioPacket()` + `dispatchAudio()` with its `DAVESession`. */
  | 'discordjs-dave'
  /** statecord without DAVE (transport AEAD only): what the DAVE layer adds. */
  | 'statecord'
  /** @discordjs/voice without DAVE (its `dave` undefined): what the DAVE layer adds there. */
  | 'discordjs';

/** Arguments of `dave-path.ts`. */
export interface DavePathArgs {
  /** The UDP sink (another process) every packet goes to. */
  readonly sinkPort: number;
  /** Frames per measured run (round-robin over the run's connections). */
  readonly frames: number;
  /** Runs of each (impl, connections); they alternate. */
  readonly repetitions: number;
  /** Opus frame size in bytes. */
  readonly frameBytes: number;
  /** Frames sent back to back before the loop yields (a `setImmediate`). */
  readonly batch: number;
  /** Connection counts measured (each an MLS group of two). */
  readonly connections: readonly number[];
  /** The paths measured, in the order of even repetitions. */
  readonly impls: readonly DavePathImpl[];
}

/** One measured run of a DAVE send path. */
export interface DavePathRun {
  /** The path measured. */
  readonly impl: DavePathImpl;
  /** Connections the frames rotated over. */
  readonly connections: number;
  /** Which repetition (even: `impls` order, odd: reversed). */
  readonly repetition: number;
  /** Frames sent in the run. */
  readonly frames: number;
  /** `process.cpuUsage()` user time over the run, ms. */
  readonly cpuUserMs: number;
  /** `process.cpuUsage()` system time over the run, ms. */
  readonly cpuSystemMs: number;
  /** Wall time of the run, ms. */
  readonly wallMs: number;
}

/** What `dave-path.ts` reports. */
export interface DavePathResult {
  /** The message kind. */
  readonly type: 'result';
  /** Every measured run. */
  readonly runs: readonly DavePathRun[];
  /** One packet of the first and last connection of each impl, opened at both layers. */
  readonly checks: ReadonlyArray<{ readonly impl: DavePathImpl; readonly ok: boolean }>;
  /** Time to create every MLS group (ts-mls external Add, davey commit and welcome). */
  readonly setupMs: number;
  /** MLS groups created (the most connections measured). */
  readonly groups: number;
}
