import type { ProtocolTraceEntry } from './protocol-trace.js';

/**
 * What the wire says about a gateway client at each point of a trace: which session it holds, how
 * many of its RESUMEs failed in a row, which URLs it may use, what each connection saw. Derived from
 * the observations only (docs/protocol/gateway.md §2.1, §3, §4 and §7), never from the client's state machine; the
 * rules of `protocol-oracles.ts` read it.
 */

/** Close codes after which no reconnect can succeed (docs/protocol/gateway.md §4). */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([4004, 4010, 4011, 4012, 4013, 4014]);
/** Close codes after which the session is gone and a new one must be identified (docs/protocol/gateway.md §4). */
export const SESSION_ENDING_CLOSE_CODES: ReadonlySet<number> = new Set([4003, 4006, 4007, 4009]);

/** The project's settings the rules depend on. */
export interface ProtocolOracleConfig {
  /** The URL the client was given (what `GET /gateway` answered). */
  readonly gatewayUrl: string;
  /** statecord's rule: after this many failed RESUMEs in a row, identify instead. */
  readonly maxResumeAttempts: number;
  /** After this long without RESUMED, a RESUME counts as failed. */
  readonly resumeTimeoutMs: number;
  /** After this long without HELLO, a connection counts as failed. */
  readonly helloTimeoutMs: number;
}

/** A gateway session the client was given (READY), as the wire showed it. */
export interface LedgerSession {
  /** The session id READY gave. */
  readonly id: string;
  /** `resume_gateway_url` of its READY; null when READY gave none. */
  readonly resumeUrl: string | null;
  /** A connection to `resumeUrl` failed before HELLO: resume on the gateway URL (docs/protocol/gateway.md §3.3). */
  resumeUrlFailed: boolean;
  /** RESUMEs answered with op 9, a resumable close from the gateway, or their timeout, since the last READY/RESUMED or user start. */
  failures: number;
  /** Why the session can no longer be resumed, or null. */
  ended: string | null;
  /** Who ended it: the gateway, the user, a fatal close, or the client itself by identifying anew. */
  endedBy: 'gateway' | 'user' | 'fatal' | 'client' | null;
  /** Distinct `s` the gateway sent for the session, in order. */
  readonly sent: number[];
  /** `s` of the dispatches the client delivered for the session, in order. */
  readonly delivered: number[];
  /** The `sessionLost` the client emitted for it. */
  lost: {
    /** The last sequence the client said it delivered; null when it named none. */
    readonly lastSequence: number | null;
  } | null;
}

/** What one gateway connection carried, as the wire showed it. */
export interface LedgerConnection {
  /** The gateway's id of the connection. */
  readonly id: number;
  /** The URL the client dialled for it. */
  readonly url: string;
  /** HELLO's `heartbeat_interval`, once HELLO was sent. */
  interval: number | null;
  /** Payloads the gateway sent on it (HELLO included). */
  frames: number;
  /** When the gateway last sent a payload on it (virtual ms; the open time before any). */
  lastFrameAt: number;
  /** The gateway asked for a heartbeat (op 1) and the client has not answered yet. */
  heartbeatRequested: boolean;
  /** Heartbeats since the last gateway payload, answers to op 1 included / excluded. */
  beatsSinceFrame: number;
  /** Heartbeats since the last gateway payload, answers to op 1 excluded. */
  intervalBeatsSinceFrame: number;
  /** A RESUME went out on it and neither RESUMED nor op 9 nor a close answered it yet. */
  resumePending: boolean;
  /** The run's clock passed `helloTimeoutMs` on it without a HELLO. */
  helloTimedOut: boolean;
  /** The user stopped the client while it was open. */
  userStopped: boolean;
  /** How it ended; null while open. */
  closed: {
    /** The close code (1006 for a TCP loss). */
    readonly code: number;
    /** Who ended it. */
    readonly by: 'gateway' | 'client' | 'transport';
  } | null;
}

/** The ledger of one gateway client's trace: feed it entries with {@link ProtocolLedger.apply} and read its state between them. */
export class ProtocolLedger {
  /** The session of the client's latest READY (null before any, and once the client identifies anew). */
  session: LedgerSession | null = null;
  /** Every session the client was given, by session id. */
  readonly sessions = new Map<string, LedgerSession>();
  /** Every connection the gateway accepted, by connection id. */
  readonly connections = new Map<number, LedgerConnection>();
  /** Set by a fatal close or a `failure` event: nothing may follow. */
  fatal: string | null = null;
  /** A fatal close from the gateway, and whether the client reported `failure` after it. */
  fatalClose: {
    /** The fatal close code. */
    readonly code: number;
  } | null = null;
  /** The client emitted `failure` after the fatal close. */
  failureReported = false;
  /** The user asked for a stop that ends the session (the one case a 1000 close is right). */
  sessionEndingStop = false;
  /** The session the client's deliveries belong to (from the READY it delivered). */
  deliveringSession: LedgerSession | null = null;
  /** The trace's clock: the `at` of the entry last applied (virtual ms). */
  now = 0;

  constructor(
    /** The rule settings the ledger checks against. */
    readonly config: ProtocolOracleConfig,
  ) {}

  /** The client holds a session it may and must still resume. */
  get resumable(): boolean {
    const session = this.session;
    return session !== null && session.ended === null && session.failures < this.config.maxResumeAttempts;
  }

  /**
   * The `d` the client's heartbeats must carry: the last `s` it delivered in the session it holds, or
   * null once that session ended or the client reported it lost (a session it gave up on no longer counts).
   */
  get expectedSequence(): number | null {
    const session = this.session;
    if (session === null || session.ended !== null || session.lost !== null) return null;
    return session.delivered.at(-1) ?? null;
  }

  /** The URL a new connection must go to (docs/protocol/gateway.md §3.3, §3.5). */
  get expectedUrl(): {
    /** The URL a new connection must dial. */
    readonly url: string;
    /** Why that one, in words (for violation messages). */
    readonly why: string;
  } {
    const session = this.session;
    if (session === null) return { url: this.config.gatewayUrl, why: 'the client holds no session' };
    if (session.ended !== null) {
      return { url: this.config.gatewayUrl, why: `session ${session.id} ended: ${session.ended}` };
    }
    if (!this.resumable) {
      return {
        url: this.config.gatewayUrl,
        why: `${session.failures} of ${this.config.maxResumeAttempts} RESUMEs of session ${session.id} failed in a row: the client must identify`,
      };
    }
    if (session.resumeUrl === null) return { url: this.config.gatewayUrl, why: 'READY gave no resume URL' };
    if (session.resumeUrlFailed) {
      return {
        url: this.config.gatewayUrl,
        why: `a connection to resume_gateway_url ${session.resumeUrl} failed before HELLO`,
      };
    }
    return { url: session.resumeUrl, why: `session ${session.id} is resumable` };
  }

  /** Marks `session` as no longer resumable, with why and by whom; the first end wins (null or an ended session: no-op). */
  end(session: LedgerSession | null, why: string, by: NonNullable<LedgerSession['endedBy']>): void {
    if (session === null || session.ended !== null) return;
    session.ended = why;
    session.endedBy = by;
  }

  /** Takes one observation in, in trace order. */
  apply(entry: ProtocolTraceEntry): void {
    this.now = entry.at;
    switch (entry.kind) {
      case 'dial':
        return;
      case 'open':
        this.connections.set(entry.conn, {
          id: entry.conn,
          url: entry.url,
          interval: null,
          frames: 0,
          lastFrameAt: entry.at,
          heartbeatRequested: false,
          beatsSinceFrame: 0,
          intervalBeatsSinceFrame: 0,
          resumePending: false,
          helloTimedOut: false,
          userStopped: false,
          closed: null,
        });
        return;
      case 'sent':
        return this.#sent(entry);
      case 'received':
        return this.#received(entry);
      case 'closed':
        return this.#closed(entry);
      case 'time':
        return this.#time(entry.ms);
      case 'user':
        return this.#user(entry);
      case 'event':
        if (entry.type === 'failure') {
          this.fatal ??= 'the client reported failure';
          this.failureReported = true;
        }
        if (entry.type === 'sessionLost' && entry.sessionId !== undefined) {
          const session = this.sessions.get(entry.sessionId);
          if (session !== undefined) session.lost = { lastSequence: entry.lastSequence ?? null };
        }
        return;
      case 'delivered': {
        if (entry.t === 'READY' && entry.sessionId !== undefined) {
          this.deliveringSession = this.sessions.get(entry.sessionId) ?? null;
        }
        if (entry.s !== null) this.deliveringSession?.delivered.push(entry.s);
        return;
      }
    }
  }

  #sent(entry: Extract<ProtocolTraceEntry, { kind: 'sent' }>): void {
    const conn = this.connections.get(entry.conn);
    if (conn !== undefined) {
      conn.frames += 1;
      conn.lastFrameAt = entry.at;
      conn.beatsSinceFrame = 0;
      conn.intervalBeatsSinceFrame = 0;
      if (entry.op === 1) conn.heartbeatRequested = true;
      if (entry.op === 10) conn.interval = heartbeatInterval(entry.d);
    }
    if (entry.op === 0 && entry.sessionId !== undefined) {
      if (entry.t === 'READY') {
        const session: LedgerSession = {
          id: entry.sessionId,
          resumeUrl: entry.resumeUrl ?? null,
          resumeUrlFailed: false,
          failures: 0,
          ended: null,
          endedBy: null,
          sent: [],
          delivered: [],
          lost: null,
        };
        this.sessions.set(session.id, session);
        this.session = session;
      }
      const session = this.sessions.get(entry.sessionId);
      if (session !== undefined && entry.s !== undefined && entry.s > (session.sent.at(-1) ?? 0)) {
        session.sent.push(entry.s);
      }
      if (entry.t === 'RESUMED' && conn?.resumePending === true) {
        conn.resumePending = false;
        if (session !== undefined) session.failures = 0;
      }
    }
    if (entry.op === 9) {
      // op 9 d:true answering a RESUME is a failed attempt; d:false ends the session (docs/protocol/gateway.md §3.5).
      if (entry.d === true) {
        if (conn?.resumePending === true && this.session !== null) this.session.failures += 1;
      } else {
        this.end(this.session, 'the gateway sent op 9 d:false', 'gateway');
      }
      if (conn !== undefined) conn.resumePending = false;
    }
  }

  #received(entry: Extract<ProtocolTraceEntry, { kind: 'received' }>): void {
    const conn = this.connections.get(entry.conn);
    if (entry.op === 1 && conn !== undefined) {
      conn.beatsSinceFrame += 1;
      if (conn.heartbeatRequested) conn.heartbeatRequested = false;
      else conn.intervalBeatsSinceFrame += 1;
    }
    if (entry.op === 2) {
      // A new session replaces whatever the client held.
      this.end(this.session, 'the client identified a new session', 'client');
      this.session = null;
    }
    if (entry.op === 6 && conn !== undefined) conn.resumePending = true;
  }

  #closed(entry: Extract<ProtocolTraceEntry, { kind: 'closed' }>): void {
    const conn = this.connections.get(entry.conn);
    const session = this.session;
    if (entry.by === 'gateway' && FATAL_CLOSE_CODES.has(entry.code)) {
      this.fatal ??= `the gateway closed with ${entry.code}`;
      this.fatalClose ??= { code: entry.code };
      this.end(session, `the gateway closed with ${entry.code}`, 'fatal');
    } else if (entry.by === 'gateway' && SESSION_ENDING_CLOSE_CODES.has(entry.code)) {
      this.end(session, `the gateway closed with ${entry.code}`, 'gateway');
    } else if (entry.by === 'client' && (entry.code === 1000 || entry.code === 1001)) {
      this.end(session, `the client closed with ${entry.code}`, this.sessionEndingStop ? 'user' : 'client');
    } else if (entry.by === 'gateway' && conn?.resumePending === true && session !== null) {
      // A close frame is the gateway's answer to the RESUME in flight; a TCP loss is no answer.
      session.failures += 1;
    }
    if (conn === undefined) return;
    const failedBeforeHello =
      conn.frames === 0 && !conn.userStopped && (entry.by !== 'client' || conn.helloTimedOut);
    if (failedBeforeHello && session?.resumeUrl != null && sameUrl(conn.url, session.resumeUrl)) {
      session.resumeUrlFailed = true;
    }
    conn.resumePending = false;
    conn.closed = { code: entry.code, by: entry.by };
  }

  #time(ms: number): void {
    for (const conn of this.connections.values()) {
      if (conn.closed !== null) continue;
      if (ms === this.config.resumeTimeoutMs && conn.resumePending) {
        conn.resumePending = false;
        if (this.session !== null) this.session.failures += 1;
      }
      if (ms === this.config.helloTimeoutMs && conn.interval === null) conn.helloTimedOut = true;
    }
  }

  #user(entry: Extract<ProtocolTraceEntry, { kind: 'user' }>): void {
    if (entry.action === 'start') {
      // A start is a new run: the resume budget is whole again.
      this.sessionEndingStop = false;
      if (this.session !== null && this.session.ended === null) this.session.failures = 0;
      return;
    }
    if (entry.action === 'dropSession') {
      this.end(this.session, 'the user dropped it', 'user');
      this.session = null;
      return;
    }
    for (const conn of this.connections.values()) if (conn.closed === null) conn.userStopped = true;
    if (entry.resumable !== true) {
      this.sessionEndingStop = true;
      this.end(this.session, 'the user stopped the client for good', 'user');
    }
  }
}

function heartbeatInterval(d: unknown): number | null {
  const interval = (d as { heartbeat_interval?: unknown } | null)?.heartbeat_interval;
  return typeof interval === 'number' ? interval : null;
}

/** Host and path of a WebSocket URL, without query (`v`, `encoding`, `compress` are added to both). */
export function urlBase(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '' ? '/' : parsed.pathname}`;
  } catch {
    return url;
  }
}

export function sameUrl(a: string, b: string): boolean {
  return urlBase(a) === urlBase(b);
}
