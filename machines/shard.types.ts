import type { ShardFailureReason } from './close-codes.js';
import type { VoiceInput } from './voice.types.js';

/** Tunables of a shard's lifecycle. All times in ms. */
export interface ShardTimingConfig {
  /** How long to wait for HELLO after the socket starts connecting. */
  readonly helloTimeoutMs: number;
  /** How long to wait for READY after IDENTIFY was sent. */
  readonly readyTimeoutMs: number;
  /** How long to wait for RESUMED after RESUME was sent (the replay comes first). */
  readonly resumeTimeoutMs: number;
  /** Ceiling of the first reconnect delay (full jitter below it). */
  readonly backoffBaseMs: number;
  /** No reconnect delay is longer than this. */
  readonly backoffMaxMs: number;
  /**
   * After this many failed resumes in a row (answered by op 9 or a close frame, or timed out), identify
   * instead. Connections that drop before the gateway answers do not count.
   */
  readonly maxResumeAttempts: number;
  /** After op 9 `d: false`, identify again after a random wait in [min, max] (Discord's advice: 1–5 s). */
  readonly invalidSessionMinMs: number;
  readonly invalidSessionMaxMs: number;
}

/** What the shard keeps of a gateway session; the sequence number lives in the adapter (hot path). */
export interface ShardSessionRef {
  readonly sessionId: string;
  /** `resume_gateway_url` from READY; null once a connection to it failed. */
  readonly resumeUrl: string | null;
}

export interface ShardFailure {
  readonly reason: ShardFailureReason;
  readonly closeCode: number | null;
}

export interface ShardContext {
  readonly shardId: number;
  readonly gatewayUrl: string;
  readonly session: ShardSessionRef | null;
  readonly heartbeatIntervalMs: number | null;
  /** Set when any frame arrived since the last scheduled heartbeat; a heartbeat due while false means a zombie. */
  readonly receivedSinceHeartbeat: boolean;
  readonly helloReceived: boolean;
  /** Reconnects since the last READY/RESUMED (drives the back-off). */
  readonly reconnectAttempts: number;
  /** RESUMEs the gateway answered with a failure (op 9, a close frame) or let time out, since the last READY/RESUMED. */
  readonly resumeAttempts: number;
  readonly lastCloseCode: number | null;
  readonly failure: ShardFailure | null;
  readonly config: ShardTimingConfig;
}

export interface ShardInput {
  readonly shardId: number;
  readonly gatewayUrl: string;
  /** A session to resume on the first connection (e.g. exported before a restart). */
  readonly session?: ShardSessionRef | null;
  readonly config?: Partial<ShardTimingConfig>;
}

/** Who closed a socket: the gateway (close frame) or the transport (no close frame: 1006). */
export type CloseInitiator = 'gateway' | 'transport';

/** Events the shard machine accepts. `shard.*` come from the user, `socket.*`/`gateway.*` from the adapter. */
export type ShardEvent =
  | { type: 'shard.start' }
  /** Hand a stopped (or never started) shard a saved session to resume on its next start. */
  | { type: 'shard.adoptSession'; session: ShardSessionRef | null }
  | { type: 'shard.stop'; resumable: boolean }
  | { type: 'socket.closed'; code: number; initiator: CloseInitiator }
  /** The first inbound frame (of any kind) after a scheduled heartbeat. */
  | { type: 'socket.alive' }
  /** An inbound frame could not be decoded: the connection's stream is no longer trustworthy. */
  | { type: 'socket.corrupt' }
  | { type: 'gateway.hello'; heartbeatIntervalMs: number }
  | { type: 'gateway.ready'; sessionId: string; resumeUrl: string }
  | { type: 'gateway.resumed' }
  /** op 7 */
  | { type: 'gateway.reconnect' }
  /** op 9 */
  | { type: 'gateway.invalidSession'; resumable: boolean }
  /** op 1 sent by the server: heartbeat at once. */
  | { type: 'gateway.heartbeatRequest' }
  /** A voice connection of this shard starts: a child actor of the shard (`voiceActorId`). */
  | { type: 'shard.openVoice'; voice: VoiceInput }
  /** A voice connection of this shard is over: its child actor is stopped. */
  | { type: 'shard.closeVoice'; guildId: string };

/** Commands the machine sends to the socket actor; the adapter turns them into frames. */
export type SocketCommand =
  | { type: 'identify' }
  | { type: 'resume'; sessionId: string }
  | { type: 'heartbeat' }
  /** The session is usable: user commands may flow. */
  | { type: 'outbound.open' }
  /** The session is not usable (yet): hold user commands. */
  | { type: 'outbound.hold' }
  | { type: 'close'; code: number }
  /** Drop the TCP connection without a close handshake (zombie). */
  | { type: 'terminate' };

export interface SocketInput {
  readonly url: string;
  /** Which shard the socket belongs to (one socket logic may serve many shards of a manager). */
  readonly shardId: number;
}

export interface IdentifyGateInput {
  readonly shardId: number;
}

/** Events the shard machine emits to its owner. */
export type ShardEmitted =
  | { type: 'session.identified'; sessionId: string }
  | { type: 'session.resumed'; sessionId: string }
  | { type: 'session.lost'; sessionId: string }
  | { type: 'shard.failed'; reason: ShardFailureReason; closeCode: number | null }
  /** The gateway did not answer in time (the machine reconnects; the adapter reports it). */
  | { type: 'connection.timedOut'; awaited: 'hello' | 'ready' | 'resumed' };
