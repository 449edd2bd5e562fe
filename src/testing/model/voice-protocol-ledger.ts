import type { VoiceTraceEntry } from './voice-protocol-trace.js';

/**
 * What the wire says about a voice client at each point of a trace: the voice sessions the server
 * started and how far each got, what each connection carried, what the client may resume, what it was
 * told by the main gateway, and what it must not do. Derived from the observations only, as
 * docs/protocol/voice.md states the rules, never from the voice machine or its close-code table; the
 * rules of `voice-protocol-oracles.ts` read it.
 */

/** The outcome docs/protocol/voice.md §2.5 gives a close code (written here from the docs, on purpose). */
export type VoiceCloseClass = 'resume' | 'rejoin' | 'fail';

/** §2.5: "fail" rows (client bugs a retry would repeat, and the codes Discord says not to reconnect after). */
const FAIL_CODES: ReadonlySet<number> = new Set([4002, 4005, 4012, 4014, 4016, 4017, 4020, 4021, 4022]);

/** §2.5: resume after 4015 and every transport-level code below 4000; rejoin after any other 4xxx. */
export function classifyVoiceClose(code: number): VoiceCloseClass {
  if (code < 4000 || code === 4015) return 'resume';
  return FAIL_CODES.has(code) ? 'fail' : 'rejoin';
}

/** The transport modes a client can implement (§3.3); every other one is discontinued. */
export const USABLE_VOICE_MODES: ReadonlySet<string> = new Set([
  'aead_aes256_gcm_rtpsize',
  'aead_xchacha20_poly1305_rtpsize',
]);

/** statecord's settings the rules depend on. */
export interface VoiceOracleConfig {
  /** §2.4: RESUMEs in a row that may fail before the session must be given up. */
  readonly maxResumeAttempts: number;
  /** §2.5: op 4 joins in a row that may go unanswered (no session established) before giving up. */
  readonly maxRejoinAttempts: number;
}

/** A voice session the server started (Ready sent), known by its SSRC. */
export interface LedgerVoiceSession {
  /** The SSRC Ready assigned: the session's key in the ledger. */
  readonly ssrc: number;
  /** The session id the client identified with. */
  readonly sessionId: string;
  /** The token the client identified with. */
  readonly token: string;
  /** `seq` of the last sequenced message the server sent the client in this session (-1 for none). */
  lastSeq: number;
  /** Session Description was sent: the key is known, media may flow (§2.3 step 4). */
  described: boolean;
  /** The connection it is on (the last that got Ready or Resumed for it). */
  conn: number | null;
  /**
   * Its connection closed and a UDP fence has passed since: every datagram the client sent while it
   * could not know yet has arrived, so media for it from now on was sent after the client knew.
   */
  settledAfterClose: boolean;
}

/** What one voice connection carried, as the wire showed it. */
export interface LedgerVoiceConnection {
  /** The server's id of the connection. */
  readonly id: number;
  /** IDENTIFY or RESUME, whichever the client sent first. */
  first: {
    /** 0 for IDENTIFY, 7 for RESUME. */
    readonly op: 0 | 7;
    /** `session_id` as sent (unchecked). */
    readonly sessionId: unknown;
    /** `token` as sent (unchecked). */
    readonly token: unknown;
    /** `seq_ack` of a RESUME as sent (unchecked). */
    readonly seqAck: unknown;
  } | null;
  /** The session the connection carries: from Ready sent on it, or the one its RESUME named. */
  session: LedgerVoiceSession | null;
  /** RESUME received, Resumed not sent yet. */
  resumePending: boolean;
  /** Session Description or Resumed went out on it: the session is established on this connection. */
  established: boolean;
  /** Hello on it: when it was sent and its `heartbeat_interval` (ms); null before Hello. */
  hello: {
    /** When Hello was sent (virtual ms). */
    readonly at: number;
    /** Its `heartbeat_interval` in ms. */
    readonly interval: number;
  } | null;
  /** When the last heartbeat (op 3) arrived on it (virtual ms); null before any. */
  lastBeatAt: number | null;
  /** The last heartbeat on it got no op 6 yet. */
  beatUnanswered: boolean;
  /** A non-zero Speaking (op 5) arrived on it. */
  spoke: boolean;
  /** RTP of its session arrived after it was established and before any Speaking on it. */
  rtpBeforeSpeaking: number;
  /** Ready on it offered no mode a client can implement (§3.3). */
  noUsableMode: boolean;
  /** A dispatch after it opened ended its voice session: the client must close it (§1.2). */
  mustClose: string | null;
  /** The server began to close it (the run injected the close): its session is over or detached. */
  closing: boolean;
  /** How it ended (close code, who closed, whether the run injected it); null while open. */
  closed: {
    /** The close code (1006 for a TCP loss). */
    readonly code: number;
    /** Who ended it. */
    readonly by: 'server' | 'client' | 'transport';
    /** The run made the server close it (a fault, not a verdict on the client). */
    readonly injected: boolean;
  } | null;
}

/** The session the client may resume (§2.4), and how its RESUMEs went. */
export interface HeldVoiceSession {
  /** The session that may be resumed. */
  readonly session: LedgerVoiceSession;
  /** RESUMEs in a row that did not reach Resumed. */
  failures: number;
  /** Why it can no longer be resumed, or null. */
  ended: string | null;
}

/** The ledger of one voice connection's trace: feed it entries with {@link VoiceProtocolLedger.apply} and read its state between them. */
export class VoiceProtocolLedger {
  /** Voice sessions the server started, by SSRC. */
  readonly sessions = new Map<number, LedgerVoiceSession>();
  /** Connections the server accepted, by connection id. */
  readonly connections = new Map<number, LedgerVoiceConnection>();
  /** The latest voice session the client holds (§2.4), once one was established. */
  held: HeldVoiceSession | null = null;
  /** A resumable close of connection `conn`: the next connection must RESUME `held` (§2.4). */
  mustResume: {
    /** The connection that closed. */
    readonly conn: number;
    /** Its close code. */
    readonly code: number;
  } | null = null;
  /**
   * A close that ended the session (§2.5 "rejoin"): before its next connection the client must ask the
   * gateway again (op 4, while its rejoin budget lasts) and get a fresh VOICE_SERVER_UPDATE.
   */
  rejoin: {
    /** The close that ended the session, in words. */
    readonly why: string;
    /** Whether the rejoin budget (`maxRejoinAttempts`) still allows asking again. */
    readonly mayAsk: boolean;
    /** An op 4 went out since. */
    asked: boolean;
    /** A VOICE_SERVER_UPDATE with an endpoint arrived since. */
    freshServer: boolean;
  } | null = null;
  /** Why the client must not connect or ask to join (§1.2, §2.5), and what lifts it. */
  suspended: {
    /** What suspended it, in words. */
    readonly why: string;
    /** A new gateway session of the shard lifts it (after close 4014); otherwise a fresh VOICE_SERVER_UPDATE does. */
    readonly byShardSession: boolean;
  } | null = null;
  /** op 4 joins since a session was last established (or the user joined or rejoined, or the gateway session was new). */
  joinsInARow = 0;
  /** op 4 joins still to come from the user's own calls (move, mute), which do not count as asking again. */
  userOp4Expected = 0;
  /** The latest VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE the client got (§1.2). */
  voiceState: {
    /** Its `session_id`. */
    readonly sessionId: string;
    /** Its `channel_id`; null when the bot left. */
    readonly channelId: string | null;
  } | null = null;
  /** The latest VOICE_SERVER_UPDATE the client got (§1.2); null before one. */
  voiceServer: {
    /** Its `token`. */
    readonly token: string;
    /** Its `endpoint`; null while the server is reallocated. */
    readonly endpoint: string | null;
  } | null = null;
  /** The user's leave: nothing but one op 4 with no channel may follow (§2.5 "to leave"). */
  left: {
    /** op 4s with no channel since the leave. */
    op4: number;
  } | null = null;
  /** The UDP fence after `destroyed` was seen: every datagram from here on was sent after it. */
  fenced = false;

  /** Whether the client could still have been unaware that the session with `ssrc` lost its connection. */
  inFlightFor(ssrc: number): boolean {
    const session = this.sessions.get(ssrc);
    if (session === undefined || session.conn === null) return false;
    const conn = this.connections.get(session.conn);
    return conn !== undefined && (conn.closing || conn.closed !== null) && !session.settledAfterClose;
  }
  /** The current voice connection (the last one opened). */
  current: number | null = null;
  /** The trace's clock: the latest `at` applied (virtual ms). */
  /** The last dial reached the server and has not become a connection yet. */
  dialPending = false;
  /** The trace's clock: the latest `at` applied (virtual ms). */
  now = 0;

  constructor(
    /** The rule settings the ledger checks against. */
    readonly config: VoiceOracleConfig,
  ) {}

  /** Takes one observation in. */
  apply(entry: VoiceTraceEntry): void {
    this.now = Math.max(this.now, entry.at);
    switch (entry.kind) {
      case 'op4':
        if (this.left !== null) this.left.op4 += 1;
        if (entry.channelId === null) return;
        if (this.userOp4Expected > 0) {
          this.userOp4Expected -= 1;
          return;
        }
        this.joinsInARow += 1;
        if (this.rejoin !== null) this.rejoin.asked = true;
        return;
      case 'voiceState':
        if (entry.channelId === null) this.mustClose('VOICE_STATE_UPDATE with channel_id null');
        else if (this.voiceState !== null && this.voiceState.sessionId !== entry.sessionId)
          this.mustClose('VOICE_STATE_UPDATE with a new session_id');
        this.voiceState = { sessionId: entry.sessionId, channelId: entry.channelId };
        if (entry.channelId === null) {
          this.endHeld('VOICE_STATE_UPDATE with no channel');
          this.suspended = { why: 'VOICE_STATE_UPDATE with channel_id null (§1.2)', byShardSession: false };
        } else if (this.held !== null && entry.sessionId !== this.held.session.sessionId) {
          this.endHeld('VOICE_STATE_UPDATE with another session_id');
        }
        return;
      case 'voiceServer':
        this.mustClose(
          entry.endpoint === null ? 'VOICE_SERVER_UPDATE with a null endpoint' : 'a new VOICE_SERVER_UPDATE',
        );
        this.voiceServer = { token: entry.token, endpoint: entry.endpoint };
        this.endHeld(
          entry.endpoint === null ? 'VOICE_SERVER_UPDATE with a null endpoint' : 'a new VOICE_SERVER_UPDATE',
        );
        this.mustResume = null;
        if (entry.endpoint === null) {
          this.suspended = { why: 'VOICE_SERVER_UPDATE with a null endpoint (§1.2)', byShardSession: false };
          return;
        }
        this.suspended = null;
        if (this.rejoin !== null) this.rejoin.freshServer = true;
        return;
      case 'gatewaySession':
        this.endHeld('the shard started a new gateway session');
        this.mustResume = null;
        this.joinsInARow = 0;
        if (this.suspended?.byShardSession) this.suspended = null;
        return;
      case 'user':
        this.applyUser(entry.action);
        return;
      case 'upgrade':
        // A dial that never became a connection, while a session waits to be resumed, is a resume
        // attempt that did not reach Resumed (§2.4): refused, or given up by the client.
        if (entry.refused === true || this.dialPending) {
          if (this.mustResume !== null && this.held !== null && this.held.ended === null)
            this.held.failures += 1;
        }
        this.dialPending = entry.refused !== true;
        return;
      case 'open':
        this.dialPending = false;
        this.connections.set(entry.conn, {
          id: entry.conn,
          first: null,
          session: null,
          resumePending: false,
          established: false,
          hello: null,
          lastBeatAt: null,
          beatUnanswered: false,
          spoke: false,
          rtpBeforeSpeaking: 0,
          noUsableMode: false,
          mustClose: null,
          closing: false,
          closed: null,
        });
        this.current = entry.conn;
        return;
      case 'received':
        this.applyReceived(entry.conn, entry.op, entry.d);
        return;
      case 'sent':
        this.applySent(entry.conn, entry.op, entry.d, entry.seq ?? null);
        return;
      case 'closed':
        this.applyClosed(entry.conn, entry.code, entry.by, entry.injected);
        return;
      case 'inject': {
        const conn = this.connections.get(entry.conn);
        if (conn !== undefined) conn.closing = true;
        return;
      }
      case 'datagram': {
        if (entry.type !== 'rtp' || entry.ssrc === null) return;
        const session = this.sessions.get(entry.ssrc);
        const conn = session?.conn == null ? undefined : this.connections.get(session.conn);
        if (conn !== undefined && conn.closed === null && conn.established && !conn.spoke)
          conn.rtpBeforeSpeaking += 1;
        return;
      }
      case 'fence':
        if (entry.after === 'destroyed') this.fenced = true;
        for (const session of this.sessions.values()) {
          const conn = session.conn === null ? undefined : this.connections.get(session.conn);
          if (conn !== undefined && (conn.closing || conn.closed !== null)) session.settledAfterClose = true;
        }
        return;
      case 'violation':
      case 'time':
      case 'resources':
        return;
    }
  }

  /** Whether `held` may still be resumed (§2.4). */
  get resumable(): boolean {
    const held = this.held;
    return held !== null && held.ended === null && held.failures < this.config.maxResumeAttempts;
  }

  /** {@link resumable}, counting a dial still pending as failed (the client may have given it up). */
  get resumableBeyondPendingDial(): boolean {
    const held = this.held;
    if (held === null || held.ended !== null) return false;
    return held.failures + (this.dialPending ? 1 : 0) < this.config.maxResumeAttempts;
  }

  /** The session with this `session_id` and token, the latest the server started. */
  findSession(sessionId: unknown, token: unknown): LedgerVoiceSession | null {
    let found: LedgerVoiceSession | null = null;
    for (const session of this.sessions.values()) {
      if (session.sessionId === sessionId && session.token === token) found = session;
    }
    return found;
  }

  /** Every open connection must be closed by the client: `why` ended its voice session (§1.2). */
  mustClose(why: string): void {
    for (const conn of this.connections.values()) if (conn.closed === null) conn.mustClose ??= why;
  }

  /** Marks the held session as no longer resumable, with why (the first reason wins). */
  endHeld(why: string): void {
    if (this.held !== null && this.held.ended === null) this.held.ended = why;
  }

  private applyUser(action: string): void {
    switch (action) {
      case 'join':
      case 'rejoin':
        this.joinsInARow = 0;
        this.suspended = null;
        this.mustResume = null;
        return;
      case 'stopShard':
        // The shard's stop takes its voice connections down: they rejoin when it is back (§1.2).
        this.mustResume = null;
        return;
      case 'move':
      case 'setSelf':
        this.userOp4Expected += 1;
        return;
      case 'leave':
        this.left = { op4: 0 };
        this.endHeld('the user left');
        return;
      default:
        return;
    }
  }

  private applyReceived(connId: number, op: number, d: unknown): void {
    const conn = this.connections.get(connId);
    if (conn === undefined) return;
    const data = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    if ((op === 0 || op === 7) && conn.first === null) {
      conn.first = { op, sessionId: data['session_id'], token: data['token'], seqAck: data['seq_ack'] };
      this.mustResume = null;
      if (op === 0) {
        this.rejoin = null;
        // A new session: the one held before is given up (it may not be resumed later).
        this.endHeld('the client identified anew');
      } else {
        const session = this.findSession(data['session_id'], data['token']);
        conn.session = session;
        conn.resumePending = true;
      }
      return;
    }
    if (op === 3) {
      conn.lastBeatAt = this.now;
      conn.beatUnanswered = true;
      return;
    }
    if (op === 5 && typeof data['speaking'] === 'number' && data['speaking'] !== 0) conn.spoke = true;
  }

  private applySent(connId: number, op: number, d: unknown, seq: number | null): void {
    const conn = this.connections.get(connId);
    if (conn === undefined) return;
    const data = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    if (
      op === 2 &&
      Array.isArray(data['modes']) &&
      !data['modes'].some((mode) => USABLE_VOICE_MODES.has(String(mode)))
    ) {
      conn.noUsableMode = true;
      this.suspended = {
        why: `Ready on connection #${connId} offered no usable encryption mode (§2.3, §3.3)`,
        byShardSession: false,
      };
    }
    if (op === 2 && typeof data['ssrc'] === 'number' && conn.first !== null) {
      const session: LedgerVoiceSession = {
        ssrc: data['ssrc'],
        sessionId: String(conn.first.sessionId),
        token: String(conn.first.token),
        lastSeq: -1,
        described: false,
        conn: connId,
        settledAfterClose: false,
      };
      this.sessions.set(session.ssrc, session);
      conn.session = session;
    }
    const session = conn.session;
    if (seq !== null && session !== null) session.lastSeq = seq;
    if (op === 8 && typeof data['heartbeat_interval'] === 'number') {
      conn.hello = { at: this.now, interval: data['heartbeat_interval'] };
    }
    if (op === 6) conn.beatUnanswered = false;
    if (op === 4 && session !== null) {
      session.described = true;
      conn.established = true;
      this.established(session);
    }
    if (op === 9 && session !== null) {
      conn.resumePending = false;
      conn.established = true;
      session.conn = connId;
      this.established(session);
    }
  }

  private established(session: LedgerVoiceSession): void {
    this.held = { session, failures: 0, ended: null };
    this.joinsInARow = 0;
    this.rejoin = null;
  }

  private applyClosed(
    connId: number,
    code: number,
    by: 'server' | 'client' | 'transport',
    injected: boolean,
  ): void {
    const conn = this.connections.get(connId);
    if (conn === undefined || conn.closed !== null) return;
    conn.closed = { code, by, injected };
    const held = this.held;
    const carried = conn.session !== null && held !== null && held.session === conn.session;
    if (conn.resumePending && carried && held.ended === null) held.failures += 1;
    const what = `${by === 'client' ? 'the client closed' : by === 'server' ? 'the server closed' : 'TCP dropped'} connection #${connId} (${code})`;
    // A close the client chose: 1000/1001 give the session up (§2.5 "to leave"; the fake applies the gateway rule).
    if (by === 'client' && (code === 1000 || code === 1001)) {
      if (carried) this.endHeld(`${what}: the client gave it up`);
      return;
    }
    const kind = by === 'client' ? 'resume' : classifyVoiceClose(code);
    if (kind === 'resume') {
      if (carried && this.resumable) this.mustResume = { conn: connId, code };
      return;
    }
    this.endHeld(`${what}`);
    this.mustResume = null;
    if (kind === 'rejoin') {
      const mayAsk = this.joinsInARow < this.config.maxRejoinAttempts;
      this.rejoin = { why: what, mayAsk, asked: false, freshServer: false };
    } else
      this.suspended = { why: `${what}, which means not to reconnect (§2.5)`, byShardSession: code === 4014 };
  }
}
