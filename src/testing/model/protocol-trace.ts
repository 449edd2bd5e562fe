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
  readonly kind: 'dial';
  readonly url: string;
}

/** The gateway accepted connection `conn`; `url` is the dial it came from. */
export interface OpenEntry extends Stamped {
  readonly kind: 'open';
  readonly conn: number;
  readonly url: string;
}

/**
 * The gateway sent a payload on `conn`. `op` null: bytes that are no payload at all (garbage).
 * Dispatches (op 0) carry `t`, `s` and the session they belong to; READY also its `resume_gateway_url`.
 */
export interface SentEntry extends Stamped {
  readonly kind: 'sent';
  readonly conn: number;
  readonly op: number | null;
  readonly d?: unknown;
  readonly t?: string;
  readonly s?: number;
  readonly sessionId?: string;
  readonly resumeUrl?: string;
}

/** The gateway received a payload from the client on `conn`. */
export interface ReceivedEntry extends Stamped {
  readonly kind: 'received';
  readonly conn: number;
  readonly op: number;
  readonly d: unknown;
}

/** Connection `conn` ended: a close frame from the gateway or the client, or a TCP loss (1006). */
export interface ClosedEntry extends Stamped {
  readonly kind: 'closed';
  readonly conn: number;
  readonly code: number;
  readonly by: 'gateway' | 'client' | 'transport';
}

/** A timer of `ms` came due: `ms` of the run's time passed since it was armed. `at` is the time after. */
export interface TimeEntry extends Stamped {
  readonly kind: 'time';
  readonly ms: number;
}

/** The user started or stopped the client, or dropped the session it held (adopting none). */
export interface UserEntry extends Stamped {
  readonly kind: 'user';
  readonly action: 'start' | 'stop' | 'dropSession';
  /** For `stop`: whether the session is to be kept. */
  readonly resumable?: boolean;
}

/** An event the client emitted to its owner. */
export interface ClientEventEntry extends Stamped {
  readonly kind: 'event';
  readonly type: 'connected' | 'reconnected' | 'sessionLost' | 'failure';
  readonly sessionId?: string;
  /** `sessionLost`: the last sequence the client says it delivered. */
  readonly lastSequence?: number | null;
}

/** The client delivered a dispatch to the application. READY names its session. */
export interface DeliveredEntry extends Stamped {
  readonly kind: 'delivered';
  readonly t: string;
  readonly s: number | null;
  readonly sessionId?: string;
}
