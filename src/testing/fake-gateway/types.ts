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
  /** The connection it concerns ({@link FakeGatewayConnection.id}). */
  readonly connectionId: number;
  /** Shard of the session the connection had when the frame arrived (null before Identify/Resume). */
  readonly shardId: number | null;
  /** The opcode as sent; an opcode that does not exist is recorded as is (and closed with 4001). */
  readonly op: GatewayOpcodes;
  /** `d` of the payload as sent (parsed JSON or ETF). */
  readonly d: unknown;
  /** `Date.now()` when it arrived. */
  readonly at: number;
}

/** One closed gateway connection. */
export interface CloseRecord {
  /** The connection it concerns ({@link FakeGatewayConnection.id}). */
  readonly connectionId: number;
  /** Shard of the session the connection carried; null if it had none. */
  readonly shardId: number | null;
  /** Id of the session the connection carried; null if it had none. */
  readonly sessionId: string | null;
  /** The code of the close frame (the server's own code when it closed; 1006 for a TCP loss). */
  readonly code: number;
  /** The close frame's reason text ('' for none or a TCP loss). */
  readonly reason: string;
  /** Who closed it. */
  readonly initiator: CloseInitiator;
  /** Whether the session the connection carried can still be resumed. */
  readonly sessionResumable: boolean;
  /** When it closed, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** An accepted Identify, for checking bucket spacing: one entry per session start. */
export interface IdentifyLogEntry {
  /** The shard that identified. */
  readonly shardId: number;
  /** Its identify bucket: `shardId % maxConcurrency`. */
  readonly bucket: number;
  /** When the Identify was accepted, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** Every Identify received (on a socket not yet authenticated), with what the gateway did about it. */
export interface IdentifyAttempt {
  /** The connection it concerns ({@link FakeGatewayConnection.id}). */
  readonly connectionId: number;
  /** The shard it asked for, once the shard array passed its check. */
  readonly shardId: number | null;
  /**
   * `ready`: accepted, a session starts (READY goes out now, or on `releaseHandshake()` with `holdHandshake`).
   * `invalid-session`: op 9 false (bucket busy or no session starts left). `closed`: see `closeCode`.
   */
  readonly outcome: 'ready' | 'invalid-session' | 'closed';
  /** Why the Identify was answered op 9; null unless `outcome` is `invalid-session`. */
  readonly reason: 'identify-rate-limit' | 'session-start-limit' | null;
  /** The close code when `outcome` is `closed`; null otherwise. */
  readonly closeCode: number | null;
  /** Id of the session started; null unless `outcome` is `ready`. */
  readonly sessionId: string | null;
  /** When it arrived, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** Every Resume received, with what the gateway did about it. */
export interface ResumeAttempt {
  /** The connection it concerns ({@link FakeGatewayConnection.id}). */
  readonly connectionId: number;
  /** The session id the client sent. */
  readonly sessionId: string;
  /** The `seq` the client sent: the last dispatch it saw. */
  readonly seq: number;
  /** `resumed`: replayed then RESUMED. `invalid-session`: op 9 false. `closed`: see `closeCode` (4004, 4007). */
  readonly outcome: 'resumed' | 'invalid-session' | 'closed';
  /** The close code when `outcome` is `closed`; null otherwise. */
  readonly closeCode: number | null;
  /** How many buffered dispatches were re-sent before RESUMED. */
  readonly replayed: number;
  /** When it arrived, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** A READY sent: a session started on a connection. */
export interface ReadyRecord {
  /** The connection it concerns ({@link FakeGatewayConnection.id}). */
  readonly connectionId: number;
  /** The new session's id. */
  readonly sessionId: string;
  /** The session's shard id. */
  readonly shardId: number;
  /** The shard count the client identified with. */
  readonly shardCount: number;
}

/** A RESUMED sent: a session resumed on a connection. */
export interface ResumedRecord {
  /** The connection it concerns ({@link FakeGatewayConnection.id}). */
  readonly connectionId: number;
  /** The resumed session's id. */
  readonly sessionId: string;
  /** The session's shard id. */
  readonly shardId: number;
  /** How many dispatches were replayed before RESUMED. */
  readonly replayed: number;
  /** The `s` RESUMED carried. */
  readonly s: number;
}

/** Every heartbeat (op 1) a client sent. */
export interface HeartbeatRecord {
  /** The connection it concerns ({@link FakeGatewayConnection.id}). */
  readonly connectionId: number;
  /** Shard of the connection's session; null before Identify/Resume. */
  readonly shardId: number | null;
  /** The sequence the client sent. */
  readonly d: number | null;
  /** False while `stopHeartbeatAcks()` is in effect. */
  readonly acked: boolean;
  /** When it arrived, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** One dispatch given to one session. */
export interface DispatchRecord {
  /** The session it went to (or was buffered for). */
  readonly sessionId: string;
  /** The session's shard id. */
  readonly shardId: number;
  /** The dispatch event name (`t`). */
  readonly t: string;
  /** The sequence number (`s`) it carried. */
  readonly s: number;
  /** True when a connection was attached; false when buffered for a later Resume. */
  readonly delivered: boolean;
}

/** A gateway session as tests see it. */
export interface SessionInfo {
  /** The session id READY gave. */
  readonly id: string;
  /** The session's shard id. */
  readonly shardId: number;
  /** The shard count it identified with. */
  readonly shardCount: number;
  /** Last `s` sent on the session. */
  readonly seq: number;
  /** Whether a connection is attached (false while it waits for a Resume). */
  readonly connected: boolean;
  /** The intents bitfield of its Identify. */
  readonly intents: number;
  /** The attached connection's id; null while none is. */
  readonly connectionId: number | null;
}

/** Counters of a fake gateway, as a snapshot. */
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
    /** Close code → count, for closes the fake initiated. */
    readonly server: Readonly<Record<number, number>>;
    /** Close code → count, for closes the client initiated (or TCP losses, as 1006). */
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
  Extract<
    GatewayDispatchPayload,
    {
      /** The dispatch's event name. */
      t: T;
    }
  > extends {
    /** The dispatch's data. */
    d: infer D;
  }
    ? LoosePayload<D>
    : never;

/** Options of `gateway.dispatch`. */
export interface DispatchOptions {
  /** Deliver to sessions of this shard, whatever `guild_id` says. */
  readonly shardId?: number;
}

/** A server payload to send verbatim: `op` from discord-api-types, the rest optional (`d`, `s`, `t` default to null). */
export type ServerPayload = Pick<GatewayReceivePayload, 'op'> & {
  /** `d` of the payload; omitted sends null. */
  readonly d?: unknown;
  /** `s` of the payload; omitted or null sends null (no sequence). */
  readonly s?: number | null;
  /** `t` of the payload; omitted or null sends null. */
  readonly t?: string | null;
};

/** Options of `connection.sendRaw`. */
export interface SendRawOptions {
  /** Send the bytes as they are, skipping the connection's transport compression. Default false. */
  readonly bypassCompression?: boolean;
}

/** A live connection, as tests see it. Every method is a fault or scenario to inject. */
export interface FakeGatewayConnection {
  /** The connection's id, unique per gateway (in records as `connectionId`). */
  readonly id: number;
  /** The query string of the WebSocket URL as the client sent it, parsed. */
  readonly query: ConnectionQuery;
  /** Shard of the attached session, null before Identify/Resume (or after op 9). */
  readonly shardId: number | null;
  /** Id of the attached session; null before Identify/Resume. */
  readonly sessionId: string | null;
  /** False once the socket closed. */
  readonly open: boolean;
  /** Closes with `code` (1000 or 3000–4999) and a reason (default: Discord's wording for 40xx). */
  close(code: number, reason?: string): void;
  /** Drops the TCP connection without a close frame; the session stays resumable. */
  terminate(): void;
  /** Sends op 7; closes with 4000 after `closeAfterMs` (default `reconnectCloseAfterMs`, null = never) unless the client closed. */
  sendReconnect(options?: {
    /** Ms to wait for the client to close before closing with 4000; null never closes. */
    closeAfterMs?: number | null;
  }): void;
  /** Sends op 9. With `false` the session is destroyed; with `true` it stays resumable (on this socket too). */
  invalidateSession(resumable: boolean): void;
  /** Sends op 1: the client must heartbeat at once. */
  requestHeartbeat(): void;
  /** Stop answering heartbeats with op 11 (zombie connection), until `resumeHeartbeatAcks()`. */
  stopHeartbeatAcks(): void;
  /** Answers heartbeats with op 11 again after {@link FakeGatewayConnection.stopHeartbeatAcks}. */
  resumeHeartbeatAcks(): void;
  /** Sends arbitrary bytes: through the connection's compression unless `bypassCompression`. */
  sendRaw(data: string | Buffer, options?: SendRawOptions): void;
  /**
   * Sends payload texts through the connection's compression, in order, but writes them to the socket
   * together once all are encoded: a backlog arriving at once, so a client's throughput can be measured
   * without the server's compression pacing it (the bench's zstd-stream runs). Holds every frame until then.
   */
  sendRawBurst(texts: readonly string[]): void;
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
  /** A WebSocket connection was accepted. */
  connection: [FakeGatewayConnection];
  /** A frame arrived from a client, decoded (before it is handled). */
  frame: [ReceivedFrame];
  /** A client sent Identify (accepted or not). */
  identify: [IdentifyAttempt];
  /** A client sent Resume (accepted or not). */
  resume: [ResumeAttempt];
  /** The gateway sent READY. */
  ready: [ReadyRecord];
  /** The gateway sent RESUMED. */
  resumed: [ResumedRecord];
  /** A connection closed. */
  close: [CloseRecord];
  /** A client sent a heartbeat. */
  heartbeat: [HeartbeatRecord];
  /** A dispatch was sent to (or buffered for) a session. */
  dispatch: [DispatchRecord];
}
