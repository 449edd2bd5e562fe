import { InvalidArgumentError } from '../../errors.js';
import { AES_GCM_MODE, SUPPORTED_MODES, XCHACHA_MODE, type VoiceTransportMode } from './payloads.js';

/**
 * What kind of channel a call is in. Discord enforces E2EE (DAVE) in every non-stage call since
 * 2026-03-02 (close 4017) but not in stage channels (docs/protocol/voice.md §4.1); the fake accepts a client
 * without DAVE only in `stage` calls.
 */
export type VoiceChannelKind = 'stage' | 'voice';

/** What happens to RTP that arrives before the client's first non-zero Speaking (op 5). */
export type RtpBeforeSpeakingAction = 'drop' | 'accept';

/** A fake call member present on the server from the start (see {@link FakeVoiceServerOptions.peers}). */
export interface FakeVoicePeerInit {
  /** The member's user id (a snowflake). */
  readonly userId: string;
  /** The one channel the member is in; omitted: it is in every call on this server. */
  readonly channelId?: string;
}

/** TLS material for a `wss://` server (clients that insist on `wss://`, such as @discordjs/voice). */
export interface FakeVoiceTlsOptions {
  /** Private key in PEM. */
  readonly key: string | Buffer;
  /** Certificate chain in PEM. */
  readonly cert: string | Buffer;
}

/** Options of {@link FakeVoiceServer.start}. All optional; defaults are Discord's values where known. */
export interface FakeVoiceServerOptions {
  /** TCP port of the voice WebSocket on 127.0.0.1. Default 0 (an ephemeral port). */
  port?: number;
  /** UDP port of the media socket on 127.0.0.1. Default 0 (an ephemeral port). */
  udpPort?: number;
  /** Serve `wss://` with this key and certificate instead of `ws://`. Default none. */
  tls?: FakeVoiceTlsOptions;
  /** `heartbeat_interval` of Hello (op 8). Default 13750, what real voice servers send. */
  heartbeatIntervalMs?: number;
  /** How late past the interval a heartbeat may be before the watchdog closes. Default half the interval, at most 5000. */
  heartbeatGraceMs?: number;
  /** Close code of the heartbeat watchdog. Default 4009 (session timeout). */
  heartbeatTimeoutCloseCode?: number;
  /**
   * `modes` of Ready (op 2), in this order. Default `['aead_aes256_gcm_rtpsize',
   * 'aead_xchacha20_poly1305_rtpsize']`. XChaCha20 must be among them: Discord always offers it (docs/protocol/voice.md §3.3).
   */
  modes?: readonly VoiceTransportMode[];
  /** Kind of channel for calls the gateway did not describe. Default `'stage'` (no E2EE required). */
  defaultChannelKind?: VoiceChannelKind;
  /** Per-channel kinds, overriding what the gateway says and the default. */
  channels?: Readonly<Record<string, VoiceChannelKind>>;
  /** Call members present from the start. Default one member, {@link DEFAULT_PEER_USER_ID}, in every call. */
  peers?: readonly FakeVoicePeerInit[];
  /** Sequenced messages kept per session for Resume. Default 500. */
  replayBufferSize?: number;
  /** `seq` of a session's first sequenced message (0..65535), to exercise the 16-bit wrap. Default 1. */
  initialSeq?: number;
  /** How long a session whose socket went away stays resumable. Default 60_000. */
  sessionTtlMs?: number;
  /**
   * How long RTP may wait for the Speaking (op 5) that must precede it: the client sends op 5 over TCP and
   * audio over UDP, which loopback may deliver out of order. Default 1000.
   */
  speakingGraceMs?: number;
  /** RTP still without a Speaking after the grace: dropped (default) or accepted; a violation is recorded either way. */
  rtpBeforeSpeaking?: RtpBeforeSpeakingAction;
  /** Do not send Hello on connect; each connection waits for `connection.sendHello()`. Default false. */
  holdHello?: boolean;
  /**
   * Hold every WebSocket upgrade request until `server.releaseUpgrade()` accepts it (or
   * `server.refuseUpgrade()` drops its TCP connection): the client's socket stays "connecting" meanwhile.
   * A request whose client gives up while held is forgotten. Default false.
   */
  holdUpgrades?: boolean;
  /**
   * Hold the answer to an accepted Identify (Ready, then Clients Connect) until `connection.releaseReady()`.
   * The checks and their close codes still happen at once. Default false.
   */
  holdReady?: boolean;
  /**
   * Hold the answer to IP discovery until `server.releaseDiscovery()` (or `session.releaseDiscovery()`),
   * which answers the latest request of the session. Default false.
   */
  holdDiscovery?: boolean;
  /**
   * Hold Session Description (op 4) after an accepted Select Protocol until
   * `connection.releaseSessionDescription()`; RTP before it is a violation, as always. Default false.
   */
  holdSessionDescription?: boolean;
  /**
   * Hold Resumed (op 9) and the replay after an accepted Resume until `connection.releaseResumed()`.
   * The checks and their close codes still happen at once. Default false.
   */
  holdResumed?: boolean;
  /** Record WebSocket frames and audio frames (`received`, `frames`). Default true. */
  record?: boolean;
}

/** The options after defaults, as `server.options` returns them. */
export interface ResolvedFakeVoiceServerOptions {
  /** {@link FakeVoiceServerOptions.port} after defaults. */
  readonly port: number;
  /** {@link FakeVoiceServerOptions.udpPort} after defaults. */
  readonly udpPort: number;
  /** {@link FakeVoiceServerOptions.tls} after defaults (null: plain `ws://`). */
  readonly tls: FakeVoiceTlsOptions | null;
  /** {@link FakeVoiceServerOptions.heartbeatIntervalMs} after defaults. */
  readonly heartbeatIntervalMs: number;
  /** {@link FakeVoiceServerOptions.heartbeatGraceMs} after defaults. */
  readonly heartbeatGraceMs: number;
  /** {@link FakeVoiceServerOptions.heartbeatTimeoutCloseCode} after defaults. */
  readonly heartbeatTimeoutCloseCode: number;
  /** {@link FakeVoiceServerOptions.modes} after defaults. */
  readonly modes: readonly string[];
  /** {@link FakeVoiceServerOptions.defaultChannelKind} after defaults. */
  readonly defaultChannelKind: VoiceChannelKind;
  /** {@link FakeVoiceServerOptions.channels} after defaults. */
  readonly channels: Readonly<Record<string, VoiceChannelKind>>;
  /** {@link FakeVoiceServerOptions.peers} after defaults. */
  readonly peers: readonly FakeVoicePeerInit[];
  /** {@link FakeVoiceServerOptions.replayBufferSize} after defaults. */
  readonly replayBufferSize: number;
  /** {@link FakeVoiceServerOptions.initialSeq} after defaults. */
  readonly initialSeq: number;
  /** {@link FakeVoiceServerOptions.sessionTtlMs} after defaults. */
  readonly sessionTtlMs: number;
  /** {@link FakeVoiceServerOptions.speakingGraceMs} after defaults. */
  readonly speakingGraceMs: number;
  /** {@link FakeVoiceServerOptions.rtpBeforeSpeaking} after defaults. */
  readonly rtpBeforeSpeaking: RtpBeforeSpeakingAction;
  /** {@link FakeVoiceServerOptions.holdHello} after defaults. */
  readonly holdHello: boolean;
  /** {@link FakeVoiceServerOptions.holdUpgrades} after defaults. */
  readonly holdUpgrades: boolean;
  /** {@link FakeVoiceServerOptions.holdReady} after defaults. */
  readonly holdReady: boolean;
  /** {@link FakeVoiceServerOptions.holdDiscovery} after defaults. */
  readonly holdDiscovery: boolean;
  /** {@link FakeVoiceServerOptions.holdSessionDescription} after defaults. */
  readonly holdSessionDescription: boolean;
  /** {@link FakeVoiceServerOptions.holdResumed} after defaults. */
  readonly holdResumed: boolean;
  /** {@link FakeVoiceServerOptions.record} after defaults. */
  readonly record: boolean;
}

/** The user id of the call member every fake voice server has unless `peers` says otherwise. */
export const DEFAULT_PEER_USER_ID = '1190000000000000101';

const SNOWFLAKE = /^\d{1,20}$/;

function integer(name: string, value: number | undefined, fallback: number, min: number, max = 2 ** 31 - 1) {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      `FakeVoiceServer option "${name}" must be an integer in [${min}, ${max}], got ${value}`,
      { option: name },
    );
  }
  return value;
}

function kind(name: string, value: unknown): VoiceChannelKind {
  if (value !== 'stage' && value !== 'voice') {
    throw new InvalidArgumentError(`FakeVoiceServer option "${name}" must be 'stage' or 'voice'`, {
      option: name,
    });
  }
  return value;
}

function resolveModes(modes: readonly string[] | undefined): readonly string[] {
  if (modes === undefined) return [AES_GCM_MODE, XCHACHA_MODE];
  const unique = new Set(modes);
  if (
    modes.length === 0 ||
    unique.size !== modes.length ||
    !modes.every((m) => SUPPORTED_MODES.includes(m))
  ) {
    throw new InvalidArgumentError(
      `FakeVoiceServer option "modes" must list distinct modes out of ${SUPPORTED_MODES.join(', ')}`,
      { option: 'modes' },
    );
  }
  if (!unique.has(XCHACHA_MODE)) {
    throw new InvalidArgumentError(
      `FakeVoiceServer option "modes" must include ${XCHACHA_MODE}: Discord always offers it`,
      { option: 'modes' },
    );
  }
  return [...modes];
}

function resolvePeers(peers: readonly FakeVoicePeerInit[] | undefined): readonly FakeVoicePeerInit[] {
  if (peers === undefined) return [{ userId: DEFAULT_PEER_USER_ID }];
  const seen = new Set<string>();
  for (const peer of peers) {
    if (!SNOWFLAKE.test(peer.userId) || (peer.channelId !== undefined && !SNOWFLAKE.test(peer.channelId))) {
      throw new InvalidArgumentError('FakeVoiceServer peers need snowflake user and channel ids', {
        option: 'peers',
      });
    }
    if (seen.has(peer.userId)) throw new InvalidArgumentError(`peer ${peer.userId} is listed twice`);
    seen.add(peer.userId);
  }
  return peers.map((peer) => ({ ...peer }));
}

/** Applies defaults and rejects impossible values with {@link InvalidArgumentError}. */
export function resolveVoiceOptions(options: FakeVoiceServerOptions = {}): ResolvedFakeVoiceServerOptions {
  const heartbeatIntervalMs = integer('heartbeatIntervalMs', options.heartbeatIntervalMs, 13_750, 1);
  const channels: Record<string, VoiceChannelKind> = {};
  for (const [id, value] of Object.entries(options.channels ?? {})) {
    if (!SNOWFLAKE.test(id)) throw new InvalidArgumentError(`channel id "${id}" is not a snowflake`);
    channels[id] = kind(`channels.${id}`, value);
  }
  const rtpBeforeSpeaking = options.rtpBeforeSpeaking ?? 'drop';
  if (rtpBeforeSpeaking !== 'drop' && rtpBeforeSpeaking !== 'accept') {
    throw new InvalidArgumentError('FakeVoiceServer option "rtpBeforeSpeaking" must be drop or accept');
  }
  return {
    port: integer('port', options.port, 0, 0, 65_535),
    udpPort: integer('udpPort', options.udpPort, 0, 0, 65_535),
    tls: options.tls ?? null,
    heartbeatIntervalMs,
    heartbeatGraceMs: integer(
      'heartbeatGraceMs',
      options.heartbeatGraceMs,
      Math.min(5000, Math.ceil(heartbeatIntervalMs / 2)),
      0,
    ),
    heartbeatTimeoutCloseCode: integer(
      'heartbeatTimeoutCloseCode',
      options.heartbeatTimeoutCloseCode,
      4009,
      1000,
      4999,
    ),
    modes: resolveModes(options.modes),
    defaultChannelKind: kind('defaultChannelKind', options.defaultChannelKind ?? 'stage'),
    channels,
    peers: resolvePeers(options.peers),
    replayBufferSize: integer('replayBufferSize', options.replayBufferSize, 500, 0, 60_000),
    initialSeq: integer('initialSeq', options.initialSeq, 1, 0, 65_535),
    sessionTtlMs: integer('sessionTtlMs', options.sessionTtlMs, 60_000, 0),
    speakingGraceMs: integer('speakingGraceMs', options.speakingGraceMs, 1000, 0, 60_000),
    rtpBeforeSpeaking,
    holdHello: options.holdHello ?? false,
    holdUpgrades: options.holdUpgrades ?? false,
    holdReady: options.holdReady ?? false,
    holdDiscovery: options.holdDiscovery ?? false,
    holdSessionDescription: options.holdSessionDescription ?? false,
    holdResumed: options.holdResumed ?? false,
    record: options.record ?? true,
  };
}

/** True for a user or channel id the fake accepts. */
export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && SNOWFLAKE.test(value);
}
