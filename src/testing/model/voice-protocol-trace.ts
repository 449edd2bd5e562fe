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
  readonly kind: 'op4';
  readonly guildId: string;
  readonly channelId: string | null;
  readonly selfMute: boolean;
  readonly selfDeaf: boolean;
}

/** The main gateway dispatched the bot's VOICE_STATE_UPDATE or a VOICE_SERVER_UPDATE (§1.2). */
export type VoiceDispatchEntry =
  | (Stamped & { readonly kind: 'voiceState'; readonly sessionId: string; readonly channelId: string | null })
  | (Stamped & { readonly kind: 'voiceServer'; readonly token: string; readonly endpoint: string | null });

/** The main gateway started a session for the shard (READY after IDENTIFY, not RESUMED). */
export interface GatewaySessionEntry extends Stamped {
  readonly kind: 'gatewaySession';
  readonly sessionId: string;
}

/** A call of the user (or the user's shard) that the protocol rules take into account. */
export interface VoiceUserEntry extends Stamped {
  readonly kind: 'user';
  readonly action:
    'join' | 'leave' | 'rejoin' | 'move' | 'setSelf' | 'play' | 'endPlay' | 'stopShard' | 'startShard';
}

/** The voice server received a WebSocket upgrade request (a dial). */
export interface VoiceUpgradeEntry extends Stamped {
  readonly kind: 'upgrade';
  readonly url: string;
  /** The server dropped it unanswered (the runner refused it): no connection followed. */
  readonly refused?: boolean;
}

/** The voice server accepted connection `conn`. */
export interface VoiceOpenEntry extends Stamped {
  readonly kind: 'open';
  readonly conn: number;
}

/** A voice WebSocket message: `received` from the client, or `sent` by the server. */
export interface VoiceFrameEntry extends Stamped {
  readonly kind: 'received' | 'sent';
  readonly conn: number;
  readonly op: number;
  readonly d: unknown;
  /** `seq` of a server message (null when it carries none). */
  readonly seq?: number | null;
}

/** Connection `conn` ended: a close frame from the server or the client, or a TCP loss (1006). */
export interface VoiceClosedEntry extends Stamped {
  readonly kind: 'closed';
  readonly conn: number;
  readonly code: number;
  readonly by: 'server' | 'client' | 'transport';
  /** The server closed (or dropped) it because the run told it to: a fault, not a verdict on the client. */
  readonly injected: boolean;
}

/**
 * The run is about to make the server close (or drop) connection `conn`: from now on the server treats
 * its session as over or detached, while the client cannot know yet.
 */
export interface VoiceInjectEntry extends Stamped {
  readonly kind: 'inject';
  readonly conn: number;
  readonly code: number;
}

/** A datagram reached the voice server's media socket. */
export interface VoiceDatagramEntry extends Stamped {
  readonly kind: 'datagram';
  readonly type: 'discovery' | 'rtp' | 'keepalive' | 'other';
  readonly ssrc: number | null;
}

/** The voice server recorded a rule the client broke (`server.violations`). */
export interface VoiceViolationEntry extends Stamped {
  readonly kind: 'violation';
  readonly violation: string;
  /** The SSRC it concerns, when it concerns one. */
  readonly ssrc: number | null;
  readonly detail: string;
}

/** A timer of `ms` came due: `ms` of the run's time passed since it was armed. */
export interface VoiceTimeEntry extends Stamped {
  readonly kind: 'time';
  readonly ms: number;
}

/**
 * A UDP fence: the run's own datagram reached the voice server, sent at the end of a step (`step`) or
 * once the connection was destroyed (`destroyed`). Datagrams the client sent before it arrived before
 * it: what arrives later was sent after the fence was.
 */
export interface VoiceFenceEntry extends Stamped {
  readonly kind: 'fence';
  readonly after: 'step' | 'destroyed';
}

/** What the client process holds once the connection is destroyed and the dust settled. */
export interface VoiceResourcesEntry extends Stamped {
  readonly kind: 'resources';
  /** UDP sockets beyond those open before the connection was created. */
  readonly extraUdpSockets: number;
  /** Delays of timers still pending on the run's clock that only the voice connection arms. */
  readonly voiceTimers: readonly number[];
}
