/**
 * What a protocol oracle sees of one gateway client's run: only observations, in the order they were
 * made, each stamped with the run's clock (`at`, virtual milliseconds). Nothing here comes from the
 * client's state machine: frames are as the gateway sent and received them, URLs as the client dialled
 * them, events as the client emitted them.
 */
export type ProtocolTraceEntry =
  | DialEntry
  | OpenEntry
  | SentEntry
  | ReceivedEntry
  | ClosedEntry
  | TimeEntry
  | UserEntry
  | ClientEventEntry
  | DeliveredEntry;

/** What every trace entry carries: when it was recorded. */
export interface Stamped {
  /** The run's clock when the observation was made (virtual ms). */
  readonly at: number;
}

/** The client opened a WebSocket: the URL of its HTTP upgrade request. */
export interface DialEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'dial';
  /** The URL the client dialled (with its query string). */
  readonly url: string;
}

/** The gateway accepted connection `conn`; `url` is the dial it came from. */
export interface OpenEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'open';
  /** The gateway's id of the new connection. */
  readonly conn: number;
  /** The dialled URL the connection came from. */
  readonly url: string;
}

/**
 * The gateway sent a payload on `conn`. `op` null: bytes that are no payload at all (garbage).
 * Dispatches (op 0) carry `t`, `s` and the session they belong to; READY also its `resume_gateway_url`.
 */
export interface SentEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'sent';
  /** The connection it was sent on. */
  readonly conn: number;
  /** The opcode; null for bytes that are no payload (garbage). */
  readonly op: number | null;
  /** `d` of the payload, when it has one. */
  readonly d?: unknown;
  /** `t` of a dispatch. */
  readonly t?: string;
  /** `s` of a dispatch. */
  readonly s?: number;
  /** The session a dispatch belongs to. */
  readonly sessionId?: string;
  /** `resume_gateway_url` of a READY. */
  readonly resumeUrl?: string;
}

/** The gateway received a payload from the client on `conn`. */
export interface ReceivedEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'received';
  /** The connection it arrived on. */
  readonly conn: number;
  /** The opcode as sent. */
  readonly op: number;
  /** `d` of the payload as sent. */
  readonly d: unknown;
}

/** Connection `conn` ended: a close frame from the gateway or the client, or a TCP loss (1006). */
export interface ClosedEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'closed';
  /** The connection that ended. */
  readonly conn: number;
  /** The close code (1006 for a TCP loss). */
  readonly code: number;
  /** Who ended it: a close frame from the gateway or the client, or the transport. */
  readonly by: 'gateway' | 'client' | 'transport';
}

/** A timer of `ms` came due: `ms` of the run's time passed since it was armed. `at` is the time after. */
export interface TimeEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'time';
  /** The timer's delay in virtual ms. */
  readonly ms: number;
}

/** The user started or stopped the client, or dropped the session it held (adopting none). */
export interface UserEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'user';
  /** What the user did. */
  readonly action: 'start' | 'stop' | 'dropSession';
  /** For `stop`: whether the session is to be kept. */
  readonly resumable?: boolean;
}

/** An event the client emitted to its owner. */
export interface ClientEventEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'event';
  /** Which client event it was. */
  readonly type: 'connected' | 'reconnected' | 'sessionLost' | 'failure';
  /** The session the event names (`connected`, `reconnected`, `sessionLost`). */
  readonly sessionId?: string;
  /** `sessionLost`: the last sequence the client says it delivered. */
  readonly lastSequence?: number | null;
}

/** The client delivered a dispatch to the application. READY names its session. */
export interface DeliveredEntry extends Stamped {
  /** Discriminant. */
  readonly kind: 'delivered';
  /** The dispatch's event name. */
  readonly t: string;
  /** The dispatch's sequence number, as the client delivered it (null when it had none). */
  readonly s: number | null;
  /** For READY: the session it started. */
  readonly sessionId?: string;
}
