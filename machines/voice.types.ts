import type { VoiceDaveEvent } from './voice-dave.types.js';
import type { VoiceFailureReason } from './voice-close-codes.js';

/** Tunables of a voice connection's lifecycle. All times in ms. */
export interface VoiceTimingConfig {
  /** How long to wait for VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE after op 4. */
  readonly signallingTimeoutMs: number;
  /** How long each handshake step may take: socket open, READY, IP discovery, SESSION_DESCRIPTION, RESUMED. */
  readonly handshakeTimeoutMs: number;
  /** Ceiling of the first reconnect delay (full jitter below it). */
  readonly backoffBaseMs: number;
  /** No reconnect delay is longer than this. */
  readonly backoffMaxMs: number;
  /** Fresh connections to one voice server (no session yet, or a handshake step timed out) before rejoining. */
  readonly maxConnectAttempts: number;
  /**
   * Connections in a row that tried to resume an established session without reaching RESUMED (a
   * close, a dial that never opened, a timeout) before the session is given up and rejoined.
   */
  readonly maxResumeAttempts: number;
  /** op 4 rejoins in a row that did not reach `ready` before the connection is `disconnected` (TimedOut). */
  readonly maxRejoinAttempts: number;
}

/** Why a voice connection is `disconnected` (or, for `Left`, destroyed). */
export type VoiceDisconnectReason =
  /** The voice server closed with a code after which retrying cannot help (see `closeCode`, `failure`). */
  | 'CloseCode'
  /** VOICE_SERVER_UPDATE with a null endpoint: the voice server is being reallocated. */
  | 'EndpointRemoved'
  /** VOICE_STATE_UPDATE with a null channel: the bot was disconnected or moved out by someone else. */
  | 'RemovedFromChannel'
  /** The owning shard stopped or failed: voice cannot be signalled. */
  | 'ShardSessionLost'
  /** Signalling or the handshake kept timing out, or rejoining never reached `ready`. */
  | 'TimedOut'
  /** The voice server offered no encryption mode this client supports. */
  | 'NoSupportedEncryptionMode'
  /** The user left (`leave()`): the connection is destroyed. */
  | 'Left';

/** A disconnection, as the machine keeps it. */
export interface VoiceDisconnection {
  readonly reason: VoiceDisconnectReason;
  readonly closeCode: number | null;
  readonly failure: VoiceFailureReason | null;
}

export interface VoiceContext {
  readonly guildId: string;
  /** The channel the user asked for (op 4 `channel_id`). */
  readonly channelId: string;
  readonly selfMute: boolean;
  readonly selfDeaf: boolean;
  /** `session_id` of our VOICE_STATE_UPDATE; null until it came. */
  readonly sessionId: string | null;
  /** The channel Discord says we are in (VOICE_STATE_UPDATE). */
  readonly joinedChannelId: string | null;
  /** `endpoint` of the last VOICE_SERVER_UPDATE (the token stays in the adapter); null until one with an endpoint. */
  readonly endpoint: string | null;
  /** Whether this voice session was established (SESSION_DESCRIPTION or RESUMED): it can be resumed. */
  readonly identified: boolean;
  readonly heartbeatIntervalMs: number | null;
  /** The last heartbeat was acknowledged (op 6); a heartbeat due while false means a zombie connection. */
  readonly heartbeatAcked: boolean;
  readonly reconnectAttempts: number;
  readonly connectAttempts: number;
  readonly resumeAttempts: number;
  readonly rejoinAttempts: number;
  readonly disconnection: VoiceDisconnection | null;
  readonly config: VoiceTimingConfig;
}

export interface VoiceInput {
  readonly guildId: string;
  readonly channelId: string;
  readonly selfMute?: boolean;
  readonly selfDeaf?: boolean;
  readonly config?: Partial<VoiceTimingConfig>;
}

/** Events the voice machine accepts. */
export type VoiceEvent =
  // From the user.
  | { type: 'voice.join' }
  | { type: 'voice.move'; channelId: string }
  | { type: 'voice.setSelf'; selfMute: boolean; selfDeaf: boolean }
  | { type: 'voice.leave' }
  | { type: 'voice.rejoin' }
  /** The audio player starts or stops sending. */
  | { type: 'voice.speak'; speaking: boolean }
  // From the owning shard (main gateway).
  | { type: 'gateway.voiceState'; sessionId: string; channelId: string | null }
  | { type: 'gateway.voiceServer'; endpoint: string | null }
  /** The shard re-identified: its old session, and the voice sessions tied to it, are gone. */
  | { type: 'shard.sessionReplaced' }
  /** The shard stopped or failed for good. */
  | { type: 'shard.unavailable' }
  // From the voice WebSocket.
  | { type: 'socket.opened' }
  | { type: 'socket.closed'; code: number; initiator: 'server' | 'transport' }
  | { type: 'voice.hello'; heartbeatIntervalMs: number }
  /** op 2 READY; `modeSupported`: the adapter found an encryption mode it can use among `modes`. */
  | { type: 'voice.ready'; ssrc: number; modeSupported: boolean }
  /** op 4 SESSION_DESCRIPTION (the secret key stays in the adapter). */
  | { type: 'voice.sessionDescription'; daveProtocolVersion: number }
  | { type: 'voice.resumed' }
  | { type: 'voice.heartbeatAck' }
  // From the UDP socket.
  | { type: 'udp.discovered'; address: string; port: number }
  /** DAVE ops (21, 22, 24, 25, 27, 29, 30) and the media's decrypt-failure report: forwarded to the `dave` region. */
  | Exclude<VoiceDaveEvent, { type: `mls.${string}` } | { type: 'dave.protocol' }>;

/** Commands to the voice WebSocket actor. */
export type VoiceSocketCommand =
  | { type: 'identify'; sessionId: string }
  | { type: 'resume'; sessionId: string }
  | { type: 'selectProtocol'; address: string; port: number }
  | { type: 'heartbeat' }
  | { type: 'speaking'; speaking: boolean }
  | { type: 'close'; code: number }
  | { type: 'terminate' };

export interface VoiceSocketInput {
  readonly endpoint: string;
  readonly guildId: string;
}

/** Commands to the UDP actor (one UDP socket per voice session; it survives resumes). */
export type VoiceUdpCommand =
  /** READY told the server's address and our SSRC: (re)target the socket and run IP discovery. */
  | { type: 'udp.discover' }
  /** SESSION_DESCRIPTION came: media may flow (the adapter holds the key). */
  | { type: 'media.open' }
  /** Not ready (resuming, reconnecting): hold media. */
  | { type: 'media.hold' };

export interface VoiceUdpInput {
  readonly guildId: string;
}

/** Commands the machine sends to the main gateway through the owning shard. */
export interface VoiceGatewayInput {
  readonly guildId: string;
}

/** Events the voice machine emits to its owner. */
export type VoiceEmitted =
  /** op 4 to send on the main gateway: join/move (`channelId`) or leave (null). */
  | { type: 'gateway.updateVoiceState'; channelId: string | null; selfMute: boolean; selfDeaf: boolean }
  | { type: 'voice.ready'; resumed: boolean }
  | { type: 'voice.disconnected'; disconnection: VoiceDisconnection }
  | { type: 'voice.timedOut'; awaited: 'signalling' | 'handshake' | 'resumed' };
