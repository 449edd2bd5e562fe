import type {
  GatewayDispatchEvents,
  GatewayDispatchPayload,
  GatewayOpcodes,
  GatewayReceivePayload,
} from 'discord-api-types/v10';
import type { ConnectionQuery } from './query.js';

/** Who ended a connection: the fake gateway, the client (close frame), or neither (TCP loss, code 1006). */
export type CloseInitiator = 'server' | 'client' | 'transport';

/** One frame a client sent, decoded. */
export interface ReceivedFrame {
  readonly connectionId: number;
  /** Shard of the session the connection had when the frame arrived (null before Identify/Resume). */
  readonly shardId: number | null;
  /** The opcode as sent; an opcode that does not exist is recorded as is (and closed with 4001). */
  readonly op: GatewayOpcodes;
  readonly d: unknown;
  /** `Date.now()` when it arrived. */
  readonly at: number;
}

export interface CloseRecord {
  readonly connectionId: number;
  readonly shardId: number | null;
  readonly sessionId: string | null;
  /** The code of the close frame (the server's own code when it closed; 1006 for a TCP loss). */
  readonly code: number;
  readonly reason: string;
  readonly initiator: CloseInitiator;
  /** Whether the session the connection carried can still be resumed. */
  readonly sessionResumable: boolean;
  readonly at: number;
}

/** An accepted Identify, for checking bucket spacing: one entry per session start. */
export interface IdentifyLogEntry {
  readonly shardId: number;
  readonly bucket: number;
  readonly at: number;
}

/** Every Identify received (on a socket not yet authenticated), with what the gateway did about it. */
export interface IdentifyAttempt {
  readonly connectionId: number;
  /** The shard it asked for, once the shard array passed its check. */
  readonly shardId: number | null;
  /**
   * `ready`: accepted, a session starts (READY goes out now, or on `releaseHandshake()` with `holdHandshake`).
   * `invalid-session`: op 9 false (bucket busy or no session starts left). `closed`: see `closeCode`.
   */
  readonly outcome: 'ready' | 'invalid-session' | 'closed';
  readonly reason: 'identify-rate-limit' | 'session-start-limit' | null;
  readonly closeCode: number | null;
  readonly sessionId: string | null;
  readonly at: number;
}

export interface ResumeAttempt {
  readonly connectionId: number;
  /** The session id the client sent. */
  readonly sessionId: string;
  readonly seq: number;
  /** `resumed`: replayed then RESUMED. `invalid-session`: op 9 false. `closed`: see `closeCode` (4004, 4007). */
  readonly outcome: 'resumed' | 'invalid-session' | 'closed';
  readonly closeCode: number | null;
  readonly replayed: number;
  readonly at: number;
}

export interface ReadyRecord {
  readonly connectionId: number;
  readonly sessionId: string;
  readonly shardId: number;
  readonly shardCount: number;
}

export interface ResumedRecord {
  readonly connectionId: number;
  readonly sessionId: string;
  readonly shardId: number;
  /** How many dispatches were replayed before RESUMED. */
  readonly replayed: number;
  /** The `s` RESUMED carried. */
  readonly s: number;
}

export interface HeartbeatRecord {
  readonly connectionId: number;
  readonly shardId: number | null;
  /** The sequence the client sent. */
  readonly d: number | null;
  /** False while `stopHeartbeatAcks()` is in effect. */
  readonly acked: boolean;
  readonly at: number;
}

/** One dispatch given to one session. */
export interface DispatchRecord {
  readonly sessionId: string;
  readonly shardId: number;
  readonly t: string;
  readonly s: number;
  /** True when a connection was attached; false when buffered for a later Resume. */
  readonly delivered: boolean;
}

export interface SessionInfo {
  readonly id: string;
  readonly shardId: number;
  readonly shardCount: number;
  /** Last `s` sent on the session. */
  readonly seq: number;
  readonly connected: boolean;
  readonly intents: number;
  readonly connectionId: number | null;
}

export interface FakeGatewayStats {
  /** Accepted Identifies (sessions started). */
  readonly identifies: number;
  /** Successful Resumes. */
  readonly resumes: number;
  /** Identifies answered op 9 because their bucket was used within `identifyIntervalMs`. */
  readonly identifyRateViolations: number;
  /** Identifies refused because `session_start_limit.remaining` was 0. */
  readonly sessionStartLimitExceeded: number;
  /** WebSocket connections accepted, in total. */
  readonly connections: number;
  /** Close codes counted by the side that closed: `server` (the fake), `client` (close frame or TCP loss as 1006). */
  readonly closesByCode: {
    readonly server: Readonly<Record<number, number>>;
    readonly client: Readonly<Record<number, number>>;
  };
}

/** The event names a dispatch may use: the enum members or their string values. */
export type DispatchEventName = GatewayDispatchEvents | `${GatewayDispatchEvents}`;

/**
 * A deep-partial view of a payload type in which string enums also accept their string values and
 * numeric enums any number, so tests write `{ guild_id: '1', author: { id: '2' }, status: 'online' }`
 * and still get field-name and field-type checks.
 */
export type LoosePayload<T> = T extends string
  ? T | `${T}`
  : T extends number
    ? number
    : T extends readonly (infer U)[]
      ? readonly LoosePayload<U>[]
      : T extends object
        ? { [K in keyof T]?: LoosePayload<T[K]> }
        : T;

/** `d` of a dispatch event as discord-api-types defines it, loosened with {@link LoosePayload}. */
export type DispatchData<T extends DispatchEventName> =
  Extract<GatewayDispatchPayload, { t: T }> extends { d: infer D } ? LoosePayload<D> : never;

export interface DispatchOptions {
  /** Deliver to sessions of this shard, whatever `guild_id` says. */
  readonly shardId?: number;
}

/** A server payload to send verbatim: `op` from discord-api-types, the rest optional (`d`, `s`, `t` default to null). */
export type ServerPayload = Pick<GatewayReceivePayload, 'op'> & {
  readonly d?: unknown;
  readonly s?: number | null;
  readonly t?: string | null;
};

/** Options of `connection.sendRaw`. */
export interface SendRawOptions {
  /** Send the bytes as they are, skipping the connection's transport compression. Default false. */
  readonly bypassCompression?: boolean;
}

/** A live connection, as tests see it. Every method is a fault or scenario to inject. */
export interface FakeGatewayConnection {
  readonly id: number;
  readonly query: ConnectionQuery;
  /** Shard of the attached session, null before Identify/Resume (or after op 9). */
  readonly shardId: number | null;
  readonly sessionId: string | null;
  readonly open: boolean;
  /** Closes with `code` (1000 or 3000–4999) and a reason (default: Discord's wording for 40xx). */
  close(code: number, reason?: string): void;
  /** Drops the TCP connection without a close frame; the session stays resumable. */
  terminate(): void;
  /** Sends op 7; closes with 4000 after `closeAfterMs` (default `reconnectCloseAfterMs`, null = never) unless the client closed. */
  sendReconnect(options?: { closeAfterMs?: number | null }): void;
  /** Sends op 9. With `false` the session is destroyed; with `true` it stays resumable (on this socket too). */
  invalidateSession(resumable: boolean): void;
  /** Sends op 1: the client must heartbeat at once. */
  requestHeartbeat(): void;
  /** Stop answering heartbeats with op 11 (zombie connection), until `resumeHeartbeatAcks()`. */
  stopHeartbeatAcks(): void;
  resumeHeartbeatAcks(): void;
  /** Sends arbitrary bytes: through the connection's compression unless `bypassCompression`. */
  sendRaw(data: string | Buffer, options?: SendRawOptions): void;
  /** Sends any payload as is (through the codec), e.g. a second Hello or an unsolicited op 11. */
  sendPayload(payload: ServerPayload): void;
  /** Sends Hello (again, or for the first time when the gateway was started with `holdHello`). */
  sendHello(): void;
  /** With `holdHandshake`: sends the held READY (+ GUILD_CREATEs) or replay + RESUMED now. Throws if none is held. */
  releaseHandshake(): void;
  /** Dispatches to this connection's session only (intent rules apply); null when filtered out. */
  dispatch<T extends DispatchEventName>(type: T, data: DispatchData<T>): DispatchRecord | null;
}

/** Events of {@link FakeGateway}; wait for them with `gateway.waitFor(name, predicate)`. */
export interface FakeGatewayEvents {
  connection: [FakeGatewayConnection];
  frame: [ReceivedFrame];
  identify: [IdentifyAttempt];
  resume: [ResumeAttempt];
  ready: [ReadyRecord];
  resumed: [ResumedRecord];
  close: [CloseRecord];
  heartbeat: [HeartbeatRecord];
  dispatch: [DispatchRecord];
}
