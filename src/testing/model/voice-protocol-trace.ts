/**
 * What a voice protocol oracle sees of one voice connection's run: only observations, in the order they
 * were made, each stamped with the run's clock (`at`, virtual milliseconds). Nothing here comes from the
 * voice machine: main-gateway frames and dispatches as the FakeGateway saw and sent them, voice frames,
 * closes, datagrams and answers as the FakeVoiceServer saw and sent them, and the user's calls.
 */
export type VoiceTraceEntry =
  | VoiceOp4Entry
  | VoiceDispatchEntry
  | GatewaySessionEntry
  | VoiceUserEntry
  | VoiceUpgradeEntry
  | VoiceOpenEntry
  | VoiceFrameEntry
  | VoiceClosedEntry
  | VoiceInjectEntry
  | VoiceDatagramEntry
  | VoiceViolationEntry
  | VoiceTimeEntry
  | VoiceFenceEntry
  | VoiceResourcesEntry;

/** What every trace entry carries: when it was recorded. */
export interface Stamped {
  /** The run's clock when the observation was made (virtual ms). */
  readonly at: number;
}

/** The client sent op 4 Update Voice State on the main gateway (docs/protocol/voice.md §1.1). */
export interface VoiceOp4Entry extends Stamped {
  /** Discriminant. */
  readonly kind: 'op4';
  /** `guild_id` of the op 4. */
  readonly guildId: string;
  /** `channel_id` of the op 4; null asks to leave. */
  readonly channelId: string | null;
  /** `self_mute` of the op 4. */
  readonly selfMute: boolean;
  /** `self_deaf` of the op 4. */
  readonly selfDeaf: boolean;
}

/** The main gateway dispatched the bot's VOICE_STATE_UPDATE or a VOICE_SERVER_UPDATE (§1.2). */
export type VoiceDispatchEntry =
  | (Stamped & {
      /** Discriminant: the bot's VOICE_STATE_UPDATE. */
      readonly kind: 'voiceState';
      /** Its `session_id` (what the voice Identify must send). */
      readonly sessionId: string;
      /** Its `channel_id`; null when the bot left the channel. */
      readonly channelId: string | null;
    })
  | (Stamped & {
      /** Discriminant: a VOICE_SERVER_UPDATE. */
      readonly kind: 'voiceServer';
      /** Its `token` (what the voice Identify must send). */
      readonly token: string;
      /** Its `endpoint`; null while the voice server is being reallocated. */
      readonly endpoint: string | null;
    });

/** The main gateway started a session for the shard (READY after IDENTIFY, not RESUMED). */
export interface GatewaySessionEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'gatewaySession';
  /** The new main-gateway session's id. */
  readonly sessionId: string;
}

/** A call of the user (or the user's shard) that the protocol rules take into account. */
export interface VoiceUserEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'user';
  /** Which user call it was (`stopShard`/`startShard` act on the shard that carries the connection). */
  readonly action:
    'join' | 'leave' | 'rejoin' | 'move' | 'setSelf' | 'play' | 'endPlay' | 'stopShard' | 'startShard';
}

/** The voice server received a WebSocket upgrade request (a dial). */
export interface VoiceUpgradeEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'upgrade';
  /** Path and query of the request (carries `?v=8`). */
  readonly url: string;
  /** The server dropped it unanswered (the runner refused it): no connection followed. */
  readonly refused?: boolean;
}

/** The voice server accepted connection `conn`. */
export interface VoiceOpenEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'open';
  /** The server's id of the new connection. */
  readonly conn: number;
}

/** A voice WebSocket message: `received` from the client, or `sent` by the server. */
export interface VoiceFrameEntry extends Stamped {
  /** Discriminant: which direction. */
  readonly kind: 'received' | 'sent';
  /** The connection it travelled on. */
  readonly conn: number;
  /** The voice opcode. */
  readonly op: number;
  /** `d` of a JSON message; null for a binary one. */
  readonly d: unknown;
  /** `seq` of a server message (null when it carries none). */
  readonly seq?: number | null;
}

/** Connection `conn` ended: a close frame from the server or the client, or a TCP loss (1006). */
export interface VoiceClosedEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'closed';
  /** The connection that ended. */
  readonly conn: number;
  /** The close code (1006 for a TCP loss). */
  readonly code: number;
  /** Who ended it: a close frame from the server or the client, or the transport. */
  readonly by: 'server' | 'client' | 'transport';
  /** The server closed (or dropped) it because the run told it to: a fault, not a verdict on the client. */
  readonly injected: boolean;
}

/**
 * The run is about to make the server close (or drop) connection `conn`: from now on the server treats
 * its session as over or detached, while the client cannot know yet.
 */
export interface VoiceInjectEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'inject';
  /** The connection the server is about to close. */
  readonly conn: number;
  /** The close code it will use. */
  readonly code: number;
}

/** A datagram reached the voice server's media socket. */
export interface VoiceDatagramEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'datagram';
  /** How the server classified the datagram. */
  readonly type: 'discovery' | 'rtp' | 'keepalive' | 'other';
  /** The SSRC it named; null for keep-alives and unrecognised datagrams. */
  readonly ssrc: number | null;
}

/** The voice server recorded a rule the client broke (`server.violations`). */
export interface VoiceViolationEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'violation';
  /** The violation kind (a `VoiceViolationKind`). */
  readonly violation: string;
  /** The SSRC it concerns, when it concerns one. */
  readonly ssrc: number | null;
  /** The server's explanation, in words. */
  readonly detail: string;
}

/** A timer of `ms` came due: `ms` of the run's time passed since it was armed. */
export interface VoiceTimeEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'time';
  /** The timer's delay in virtual ms. */
  readonly ms: number;
}

/**
 * A UDP fence: the run's own datagram reached the voice server, sent at the end of a step (`step`) or
 * once the connection was destroyed (`destroyed`). Datagrams the client sent before it arrived before
 * it: what arrives later was sent after the fence was.
 */
export interface VoiceFenceEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'fence';
  /** When the fence was sent: at the end of a step, or once the connection was destroyed. */
  readonly after: 'step' | 'destroyed';
}

/** What the client process holds once the connection is destroyed and the dust settled. */
export interface VoiceResourcesEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'resources';
  /** UDP sockets beyond those open before the connection was created. */
  readonly extraUdpSockets: number;
  /** Delays of timers still pending on the run's clock that only the voice connection arms. */
  readonly voiceTimers: readonly number[];
}
