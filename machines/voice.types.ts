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
  /** Why the connection is disconnected. */
  readonly reason: VoiceDisconnectReason;
  /** null;|For `CloseCode`: the voice server's close code; null otherwise. */
  readonly closeCode: number | null;
  /** null;|For `CloseCode`: what the close code means; null otherwise. */
  readonly failure: VoiceFailureReason | null;
}

/** What the voice machine knows of one voice connection (no token, no key material). */
export interface VoiceContext {
  /** The guild of the connection (one voice connection per guild). */
  readonly guildId: string;
  /** The channel the user asked for (op 4 `channel_id`). */
  readonly channelId: string;
  /** Whether the bot asked to be self-muted (op 4 `self_mute`). */
  readonly selfMute: boolean;
  /** Whether the bot asked to be self-deafened (op 4 `self_deaf`). */
  readonly selfDeaf: boolean;
  /** `session_id` of our VOICE_STATE_UPDATE; null until it came. */
  readonly sessionId: string | null;
  /** The channel Discord says we are in (VOICE_STATE_UPDATE). */
  readonly joinedChannelId: string | null;
  /** `endpoint` of the last VOICE_SERVER_UPDATE (the token stays in the adapter); null until one with an endpoint. */
  readonly endpoint: string | null;
  /** Whether this voice session was established (SESSION_DESCRIPTION or RESUMED): it can be resumed. */
  readonly identified: boolean;
  /** null;|HELLO's `heartbeat_interval` on the current socket; null before HELLO. */
  readonly heartbeatIntervalMs: number | null;
  /** The last heartbeat was acknowledged (op 6); a heartbeat due while false means a zombie connection. */
  readonly heartbeatAcked: boolean;
  /** Reconnects in a row since the connection was last `ready` (drives the back-off). */
  readonly reconnectAttempts: number;
  /** Fresh connections to the current voice server in a row (see `maxConnectAttempts`). */
  readonly connectAttempts: number;
  /** Resumes in a row that did not reach RESUMED (see `maxResumeAttempts`). */
  readonly resumeAttempts: number;
  /** op 4 rejoins in a row that did not reach `ready` (see `maxRejoinAttempts`). */
  readonly rejoinAttempts: number;
  /** null;|Why the connection is `disconnected`; null while it is not. */
  readonly disconnection: VoiceDisconnection | null;
  /** The tunables in effect (defaults merged with the input's). */
  readonly config: VoiceTimingConfig;
}

/** Input of the voice machine. */
export interface VoiceInput {
  /** The guild to join voice in. */
  readonly guildId: string;
  /** The voice channel to join. */
  readonly channelId: string;
  /** Join self-muted. Default false. */
  readonly selfMute?: boolean;
  /** Join self-deafened. Default false. */
  readonly selfDeaf?: boolean;
  /** Overrides of the default timing tunables. */
  readonly config?: Partial<VoiceTimingConfig>;
}

/** Events the voice machine accepts. */
export type VoiceEvent =
  // From the user.
  /** Join `channelId`: send op 4 and wait for both voice dispatches. */
  | {
      /** Discriminant. */
      type: 'voice.join';
    }
  /** Move to another channel of the guild (op 4 with the new channel). */
  | {
      /** Discriminant. */
      type: 'voice.move';
      /** The channel to move to. */
      channelId: string;
    }
  /** Change self-mute/self-deaf (op 4 with the same channel). */
  | {
      /** Discriminant. */
      type: 'voice.setSelf';
      /** Whether the bot is self-muted. */
      selfMute: boolean;
      /** Whether the bot is self-deafened. */
      selfDeaf: boolean;
    }
  /** Leave: op 4 with no channel, then the connection is destroyed. */
  | {
      /** Discriminant. */
      type: 'voice.leave';
    }
  /** Rejoin after `disconnected`: op 4 again, with fresh attempt budgets. */
  | {
      /** Discriminant. */
      type: 'voice.rejoin';
    }
  /** The audio player starts or stops sending. */
  | {
      /** Discriminant. */
      type: 'voice.speak';
      /** True when sending starts, false when it stops (op 5 Speaking follows). */
      speaking: boolean;
    }
  // From the owning shard (main gateway).
  /** The bot's VOICE_STATE_UPDATE for this guild. */
  | {
      /** Discriminant. */
      type: 'gateway.voiceState';
      /** Its `session_id` (what Identify and Resume send). */
      sessionId: string;
      /** Its `channel_id`; null when the bot was disconnected. */
      channelId: string | null;
    }
  /** VOICE_SERVER_UPDATE for this guild (the token stays in the adapter). */
  | {
      /** Discriminant. */
      type: 'gateway.voiceServer';
      /** Its `endpoint`; null while the voice server is reallocated. */
      endpoint: string | null;
    }
  /** The shard re-identified: its old session, and the voice sessions tied to it, are gone. */
  | {
      /** Discriminant. */
      type: 'shard.sessionReplaced';
    }
  /** The shard stopped or failed for good. */
  | {
      /** Discriminant. */
      type: 'shard.unavailable';
    }
  // From the voice WebSocket.
  /** The voice WebSocket opened. */
  | {
      /** Discriminant. */
      type: 'socket.opened';
    }
  /** The voice WebSocket closed without us closing it. */
  | {
      /** Discriminant. */
      type: 'socket.closed';
      /** The close code (1006 for a TCP loss). */
      code: number;
      /** `server`: a close frame from the voice server; `transport`: the connection was lost. */
      initiator: 'server' | 'transport';
    }
  /** op 8 HELLO. */
  | {
      /** Discriminant. */
      type: 'voice.hello';
      /** Its `heartbeat_interval`, in ms. */
      heartbeatIntervalMs: number;
    }
  /** op 2 READY; `modeSupported`: the adapter found an encryption mode it can use among `modes`. */
  | {
      /** Discriminant. */
      type: 'voice.ready';
      /** Our SSRC for this voice session. */
      ssrc: number;
      /** Whether an encryption mode we implement is among READY's `modes`. */
      modeSupported: boolean;
    }
  /** op 4 SESSION_DESCRIPTION (the secret key stays in the adapter). */
  | {
      /** Discriminant. */
      type: 'voice.sessionDescription';
      /** Its `dave_protocol_version`: 0 = no E2EE, 1 = DAVE. */
      daveProtocolVersion: number;
    }
  /** op 9 RESUMED. */
  | {
      /** Discriminant. */
      type: 'voice.resumed';
    }
  /** op 6 HEARTBEAT_ACK. */
  | {
      /** Discriminant. */
      type: 'voice.heartbeatAck';
    }
  // From the UDP socket.
  /** IP discovery answered: our external address as the voice server sees it. */
  | {
      /** Discriminant. */
      type: 'udp.discovered';
      /** Our IP address as the server saw it. */
      address: string;
      /** Our UDP port as the server saw it. */
      port: number;
    }
  /** DAVE ops (21, 22, 24, 25, 27, 29, 30) and the media's decrypt-failure report: forwarded to the `dave` region. */
  | Exclude<
      VoiceDaveEvent,
      | {
          /** The MLS adapter's results, which come from the adapter, not the wire. */
          type: `mls.${string}`;
        }
      | {
          /** The protocol version, which the machine forwards itself from `voice.sessionDescription`. */
          type: 'dave.protocol';
        }
    >;

/** Commands to the voice WebSocket actor. */
export type VoiceSocketCommand =
  /** Send op 0 IDENTIFY. */
  | {
      /** Discriminant. */
      type: 'identify';
      /** The `session_id` of our VOICE_STATE_UPDATE. */
      sessionId: string;
    }
  /** Send op 7 RESUME. */
  | {
      /** Discriminant. */
      type: 'resume';
      /** The voice session to resume. */
      sessionId: string;
    }
  /** Send op 1 SELECT_PROTOCOL with our discovered address. */
  | {
      /** Discriminant. */
      type: 'selectProtocol';
      /** Our IP address from IP discovery. */
      address: string;
      /** Our UDP port from IP discovery. */
      port: number;
    }
  /** Send op 3 HEARTBEAT. */
  | {
      /** Discriminant. */
      type: 'heartbeat';
    }
  /** Send op 5 SPEAKING. */
  | {
      /** Discriminant. */
      type: 'speaking';
      /** Whether we are sending audio now. */
      speaking: boolean;
    }
  /** Close the socket with `code`. */
  | {
      /** Discriminant. */
      type: 'close';
      /** The close code to send. */
      code: number;
    }
  /** Drop the socket without a close frame. */
  | {
      /** Discriminant. */
      type: 'terminate';
    };

/** Input of the voice WebSocket actor. */
export interface VoiceSocketInput {
  /** The voice server's `endpoint` (`host:port` from VOICE_SERVER_UPDATE) to dial. */
  readonly endpoint: string;
  /** The guild of the connection. */
  readonly guildId: string;
}

/** Commands to the UDP actor (one UDP socket per voice session; it survives resumes). */
export type VoiceUdpCommand =
  /** READY told the server's address and our SSRC: (re)target the socket and run IP discovery. */
  | {
      /** Discriminant. */
      type: 'udp.discover';
    }
  /** SESSION_DESCRIPTION came: media may flow (the adapter holds the key). */
  | {
      /** Discriminant. */
      type: 'media.open';
    }
  /** Not ready (resuming, reconnecting): hold media. */
  | {
      /** Discriminant. */
      type: 'media.hold';
    };

/** Input of the UDP actor. */
export interface VoiceUdpInput {
  /** The guild of the connection. */
  readonly guildId: string;
}

/** Commands the machine sends to the main gateway through the owning shard. */
export interface VoiceGatewayInput {
  /** The guild whose op 4s it sends. */
  readonly guildId: string;
}

/** Events the voice machine emits to its owner. */
export type VoiceEmitted =
  /** op 4 to send on the main gateway: join/move (`channelId`) or leave (null). */
  | {
      /** Discriminant. */
      type: 'gateway.updateVoiceState';
      /** The channel to join or move to; null to leave. */
      channelId: string | null;
      /** `self_mute` of the op 4. */
      selfMute: boolean;
      /** `self_deaf` of the op 4. */
      selfDeaf: boolean;
    }
  /** The connection is `ready`: media may flow. */
  | {
      /** Discriminant. */
      type: 'voice.ready';
      /** True when the session was resumed (RESUMED), false when newly established. */
      resumed: boolean;
    }
  /** The connection became `disconnected` (or was destroyed, for `Left`). */
  | {
      /** Discriminant. */
      type: 'voice.disconnected';
      /** Why. */
      disconnection: VoiceDisconnection;
    }
  /** A wait timed out (the machine retries or gives up on its own). */
  | {
      /** Discriminant. */
      type: 'voice.timedOut';
      /** What was awaited: the voice dispatches, a handshake step, or RESUMED. */
      awaited: 'signalling' | 'handshake' | 'resumed';
    };
