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
  /** Upper bound of that wait (see `invalidSessionMinMs`). */
  readonly invalidSessionMaxMs: number;
}

/** What the shard keeps of a gateway session; the sequence number lives in the adapter (hot path). */
export interface ShardSessionRef {
  /** The session id READY gave. */
  readonly sessionId: string;
  /** `resume_gateway_url` from READY; null once a connection to it failed. */
  readonly resumeUrl: string | null;
}

/** Why a shard failed for good. */
export interface ShardFailure {
  /** The reason, from the close code or the token check. */
  readonly reason: ShardFailureReason;
  /** The gateway close code behind it; null when none (a token rejected over HTTP). */
  readonly closeCode: number | null;
}

/** What the shard machine knows of one shard (no token, no sequence number). */
export interface ShardContext {
  /** The shard's id. */
  readonly shardId: number;
  /** The gateway URL to identify on (and to resume on when `resume_gateway_url` is unknown or failed). */
  readonly gatewayUrl: string;
  /** The session the shard holds and may resume; null when it holds none. */
  readonly session: ShardSessionRef | null;
  /** HELLO's `heartbeat_interval` on the current socket; null before HELLO. */
  readonly heartbeatIntervalMs: number | null;
  /** Set when any frame arrived since the last scheduled heartbeat; a heartbeat due while false means a zombie. */
  readonly receivedSinceHeartbeat: boolean;
  /** HELLO arrived on the current socket. */
  readonly helloReceived: boolean;
  /** Reconnects since the last READY/RESUMED (drives the back-off). */
  readonly reconnectAttempts: number;
  /** RESUMEs the gateway answered with a failure (op 9, a close frame) or let time out, since the last READY/RESUMED. */
  readonly resumeAttempts: number;
  /** The code of the last socket close; null before any. */
  readonly lastCloseCode: number | null;
  /** Why the shard failed for good; null while it has not. */
  readonly failure: ShardFailure | null;
  /** The tunables in effect (defaults merged with the input's). */
  readonly config: ShardTimingConfig;
}

/** Input of the shard machine. */
export interface ShardInput {
  /** The shard's id. */
  readonly shardId: number;
  /** The gateway URL to connect to (from `GET /gateway/bot`). */
  readonly gatewayUrl: string;
  /** A session to resume on the first connection (e.g. exported before a restart). */
  readonly session?: ShardSessionRef | null;
  /** Overrides of the default timing tunables. */
  readonly config?: Partial<ShardTimingConfig>;
}

/** Who closed a socket: the gateway (close frame) or the transport (no close frame: 1006). */
export type CloseInitiator = 'gateway' | 'transport';

/** Events the shard machine accepts. `shard.*` come from the user, `socket.*`/`gateway.*` from the adapter. */
export type ShardEvent =
  /** Start (or restart) the shard: connect, then resume a held session or identify. */
  | {
      /** Discriminant. */
      type: 'shard.start';
    }
  /** Hand a stopped (or never started) shard a saved session to resume on its next start. */
  | {
      /** Discriminant. */
      type: 'shard.adoptSession';
      /** The session to resume; null forgets any held one. */
      session: ShardSessionRef | null;
    }
  /** Stop the shard and close its socket. */
  | {
      /** Discriminant. */
      type: 'shard.stop';
      /** Keep the session so a later start can resume it (close 4000); false ends it (close 1000). */
      resumable: boolean;
    }
  /** The socket closed without us closing it. */
  | {
      /** Discriminant. */
      type: 'socket.closed';
      /** The close code (1006 when the transport dropped). */
      code: number;
      /** Who closed it. */
      initiator: CloseInitiator;
    }
  /** The first inbound frame (of any kind) after a scheduled heartbeat. */
  | {
      /** Discriminant. */
      type: 'socket.alive';
    }
  /** An inbound frame could not be decoded: the connection's stream is no longer trustworthy. */
  | {
      /** Discriminant. */
      type: 'socket.corrupt';
    }
  /** op 10 HELLO. */
  | {
      /** Discriminant. */
      type: 'gateway.hello';
      /** Its `heartbeat_interval`, in ms. */
      heartbeatIntervalMs: number;
    }
  /** The READY dispatch: a new session. */
  | {
      /** Discriminant. */
      type: 'gateway.ready';
      /** Its `session_id`. */
      sessionId: string;
      /** Its `resume_gateway_url`. */
      resumeUrl: string;
    }
  /** The RESUMED dispatch: the session resumed. */
  | {
      /** Discriminant. */
      type: 'gateway.resumed';
    }
  /** op 7 */
  | {
      /** Discriminant. */
      type: 'gateway.reconnect';
    }
  /** op 9 */
  | {
      /** Discriminant. */
      type: 'gateway.invalidSession';
      /** op 9 `d`: whether the session may still be resumed. */
      resumable: boolean;
    }
  /** op 1 sent by the server: heartbeat at once. */
  | {
      /** Discriminant. */
      type: 'gateway.heartbeatRequest';
    }
  /**
   * The identify gate lets this shard identify, in answer to the connection's `identify.wait` (only
   * the wait in progress answers: one cancelled or of a replaced socket never does).
   */
  | {
      /** Discriminant. */
      type: 'identify.granted';
    }
  /** The identify gate failed the connection's `identify.wait` (e.g. its shared store was unreachable). */
  | {
      /** Discriminant. */
      type: 'identify.refused';
      /** What the gate failed with (an `HttpUnauthorizedError` when GET /gateway/bot rejected the token). */
      error: unknown;
    }
  /** A voice connection of this shard starts: a child actor of the shard (`voiceActorId`). */
  | {
      /** Discriminant. */
      type: 'shard.openVoice';
      /** The voice machine's input (guild, channel, self-mute/deaf, timing). */
      voice: VoiceInput;
    }
  /** A voice connection of this shard is over: its child actor is stopped. */
  | {
      /** Discriminant. */
      type: 'shard.closeVoice';
      /** The guild whose voice connection is over. */
      guildId: string;
    };

/** Commands the machine sends to the socket actor; the adapter turns them into frames. */
export type SocketCommand =
  /** Send op 2 IDENTIFY. */
  | {
      /** Discriminant. */
      type: 'identify';
    }
  /**
   * Wait at the identify gate; answer with `identify.granted` or `identify.refused`. A new wait
   * replaces one in progress, and a stopped socket's wait is cancelled with it.
   */
  | {
      /** Discriminant. */
      type: 'identify.wait';
    }
  /** The machine no longer waits: cancel the wait in progress (its answer never comes). */
  | {
      /** Discriminant. */
      type: 'identify.cancel';
    }
  /** Send op 6 RESUME. */
  | {
      /** Discriminant. */
      type: 'resume';
      /** The session to resume (the adapter adds the token and sequence). */
      sessionId: string;
    }
  /** Send op 1 HEARTBEAT with the last sequence. */
  | {
      /** Discriminant. */
      type: 'heartbeat';
    }
  /** The session is usable: user commands may flow. */
  | {
      /** Discriminant. */
      type: 'outbound.open';
    }
  /** The session is not usable (yet): hold user commands. */
  | {
      /** Discriminant. */
      type: 'outbound.hold';
    }
  /** Close the socket with `code`. */
  | {
      /** Discriminant. */
      type: 'close';
      /** The close code to send (1000 ends the session; 4000 keeps it resumable). */
      code: number;
    }
  /** Drop the TCP connection without a close handshake (zombie). */
  | {
      /** Discriminant. */
      type: 'terminate';
    };

/** Input of the socket actor. */
export interface SocketInput {
  /** The gateway URL to dial (query string added by the adapter). */
  readonly url: string;
  /** Which shard the socket belongs to (one socket logic may serve many shards of a manager). */
  readonly shardId: number;
}

/** Events the shard machine emits to its owner. */
export type ShardEmitted =
  /** A new session started (READY). */
  | {
      /** Discriminant. */
      type: 'session.identified';
      /** Its id. */
      sessionId: string;
    }
  /** The session resumed (RESUMED). */
  | {
      /** Discriminant. */
      type: 'session.resumed';
      /** Its id. */
      sessionId: string;
    }
  /** The held session can no longer be resumed. */
  | {
      /** Discriminant. */
      type: 'session.lost';
      /** The lost session's id. */
      sessionId: string;
    }
  /** The shard failed for good (it will not reconnect by itself). */
  | {
      /** Discriminant. */
      type: 'shard.failed';
      /** Why. */
      reason: ShardFailureReason;
      /** The gateway close code behind it; null when none (e.g. a token rejected over HTTP). */
      closeCode: number | null;
    }
  /** The gateway did not answer in time (the machine reconnects; the adapter reports it). */
  | {
      /** Discriminant. */
      type: 'connection.timedOut';
      /** What was awaited: HELLO, READY or RESUMED. */
      awaited: 'hello' | 'ready' | 'resumed';
    };
