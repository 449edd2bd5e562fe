import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type {
  CloseRecord,
  DispatchRecord,
  FakeGateway,
  FakeGatewayEvents,
  IdentifyAttempt,
  ReceivedFrame,
  ResumeAttempt,
} from '../fake-gateway/index.js';
import type { ClientEventEntry, ProtocolTraceEntry, UserEntry } from './protocol-trace.js';

/** Node's channel for outgoing HTTP requests: `ws` opens every WebSocket with one (the upgrade request). */
const HTTP_REQUEST_CHANNEL = 'http.client.request.start';

/**
 * Records what one model path makes observable, as a {@link ProtocolTraceEntry} list for the protocol
 * oracles: frames both ways and closes as the {@link FakeGateway} saw them, the URL the client dialled
 * for each connection (its HTTP upgrade request), the path's clock, user calls, and the client's
 * events and deliveries (reported by the runner). One path at a time per gateway: connections are
 * matched to dials in order.
 */
export class ShardPathTrace {
  readonly entries: ProtocolTraceEntry[] = [];
  readonly #connections = new Set<number>();
  readonly #closed = new Set<number>();
  readonly #dials: string[] = [];
  /** `t` of each `s` the gateway sent, per session: to name replayed dispatches. */
  readonly #names = new Map<string, Map<number, string>>();
  readonly #stop: Array<() => void> = [];

  /**
   * @param clock - the path's clock, stamped on every entry
   * @param onChange - called after every new entry (the runner's waits wake up on it)
   */
  constructor(
    private readonly gateway: FakeGateway,
    private readonly clock: { readonly now: number },
    private readonly onChange: () => void = () => undefined,
  ) {
    const host = new URL(gateway.url).host;
    const onRequest = (message: unknown) => {
      const request = (message as { request?: ClientRequest }).request;
      // Only WebSocket upgrades to this gateway: a bot's own REST calls to it are no connections.
      if (request?.getHeader('host') !== host || request.getHeader('upgrade') !== 'websocket') return;
      const url = `ws://${host}${request.path}`;
      this.#dials.push(url);
      this.#push({ kind: 'dial', url });
    };
    subscribe(HTTP_REQUEST_CHANNEL, onRequest);
    this.#stop.push(() => unsubscribe(HTTP_REQUEST_CHANNEL, onRequest));
    this.#stop.push(
      gateway.onConnection((connection) => {
        this.#connections.add(connection.id);
        const url = this.#dials[this.#connections.size - 1] ?? '(no dial seen)';
        this.#push({ kind: 'open', conn: connection.id, url });
      }),
    );
    this.#listen('frame', (frame: ReceivedFrame) => {
      if (this.#connections.has(frame.connectionId))
        this.#push({ kind: 'received', conn: frame.connectionId, op: frame.op, d: frame.d });
    });
    this.#listen('close', (record: CloseRecord) => {
      const by = record.initiator === 'server' ? 'gateway' : record.initiator;
      this.#recordClose(record.connectionId, record.code, by);
    });
    this.#listen('dispatch', (record: DispatchRecord) => this.#dispatched(record));
    this.#listen('identify', (attempt: IdentifyAttempt) => this.#answered(attempt.connectionId, attempt));
    this.#listen('resume', (attempt: ResumeAttempt) => this.#resumeAnswered(attempt));
  }

  /** The gateway sent this payload on connection `conn` (a step of the path made it). */
  sent(conn: number, op: number | null, d?: unknown): void {
    this.#push({ kind: 'sent', conn, op, ...(d === undefined ? {} : { d }) });
  }

  /** The gateway sent a close frame on connection `conn`. */
  closedByGateway(conn: number, code: number): void {
    this.#recordClose(conn, code, 'gateway');
  }

  /** A timer of `ms` came due. */
  time(ms: number): void {
    this.#push({ kind: 'time', ms });
  }

  user(action: UserEntry['action'], resumable?: boolean): void {
    this.#push({ kind: 'user', action, ...(resumable === undefined ? {} : { resumable }) });
  }

  event(type: ClientEventEntry['type'], payload: { sessionId?: string; lastSequence?: number | null }): void {
    this.#push({ kind: 'event', type, ...payload });
  }

  delivered(payload: GatewayDispatchPayload): void {
    const sessionId =
      payload.t === GatewayDispatchEvents.Ready
        ? (payload.d as { session_id?: unknown }).session_id
        : undefined;
    this.#push({
      kind: 'delivered',
      t: payload.t,
      s: typeof payload.s === 'number' ? payload.s : null,
      ...(typeof sessionId === 'string' ? { sessionId } : {}),
    });
  }

  /** How many connections the client dialled (Node reports a request a tick after it is made). */
  get dials(): number {
    return this.#dials.length;
  }

  /** Whether the gateway saw connection `conn` end. */
  isClosed(conn: number): boolean {
    return this.#closed.has(conn);
  }

  detach(): void {
    for (const stop of this.#stop.splice(0)) stop();
  }

  #push(
    entry: ProtocolTraceEntry extends infer E ? (E extends unknown ? Omit<E, 'at'> : never) : never,
  ): void {
    this.entries.push({ ...entry, at: this.clock.now });
    this.onChange();
  }

  #listen<K extends keyof FakeGatewayEvents>(
    event: K,
    listener: (value: FakeGatewayEvents[K][0]) => void,
  ): void {
    // EventEmitter's listener type for a generic key does not resolve; the key ties the two together.
    const wrapped = listener as never;
    this.gateway.on(event, wrapped);
    this.#stop.push(() => this.gateway.off(event, wrapped));
  }

  #recordClose(conn: number, code: number, by: 'gateway' | 'client' | 'transport'): void {
    if (!this.#connections.has(conn) || this.#closed.has(conn)) return;
    this.#closed.add(conn);
    this.#push({ kind: 'closed', conn, code, by });
  }

  #dispatched(record: DispatchRecord): void {
    const names = this.#names.get(record.sessionId) ?? new Map<number, string>();
    this.#names.set(record.sessionId, names);
    names.set(record.s, record.t);
    if (!record.delivered) return;
    const conn = this.gateway.sessions.find((session) => session.id === record.sessionId)?.connectionId;
    if (conn == null || !this.#connections.has(conn)) return;
    this.#push({
      kind: 'sent',
      conn,
      op: 0,
      t: record.t,
      s: record.s,
      sessionId: record.sessionId,
      // The FakeGateway hands out its own URL as resume_gateway_url (docs/protocol/gateway.md §11.4).
      ...(record.t === 'READY' ? { resumeUrl: this.gateway.url } : {}),
    });
  }

  /** An IDENTIFY or RESUME the gateway refused at once: op 9 false, or a close frame. */
  #answered(conn: number, attempt: { outcome: string; closeCode: number | null }): void {
    if (!this.#connections.has(conn)) return;
    if (attempt.outcome === 'invalid-session') this.sent(conn, 9, false);
    if (attempt.outcome === 'closed' && attempt.closeCode !== null)
      this.closedByGateway(conn, attempt.closeCode);
  }

  /** A RESUME answered: refused as above, or replayed (the replay went out before RESUMED). */
  #resumeAnswered(attempt: ResumeAttempt): void {
    this.#answered(attempt.connectionId, attempt);
    if (attempt.outcome !== 'resumed' || attempt.replayed === 0) return;
    const at = this.entries.findLastIndex(
      (entry) => entry.kind === 'sent' && entry.conn === attempt.connectionId && entry.t === 'RESUMED',
    );
    const names = this.#names.get(attempt.sessionId);
    const replay: ProtocolTraceEntry[] = [];
    for (let s = attempt.seq + 1; s <= attempt.seq + attempt.replayed; s += 1) {
      replay.push({
        kind: 'sent',
        at: this.clock.now,
        conn: attempt.connectionId,
        op: 0,
        t: names?.get(s) ?? 'UNKNOWN',
        s,
        sessionId: attempt.sessionId,
      });
    }
    this.entries.splice(at < 0 ? this.entries.length : at, 0, ...replay);
    this.onChange();
  }
}
