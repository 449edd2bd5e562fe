import { GatewayCloseCodes } from 'discord-api-types/v10';
import { WebSocket } from 'ws';
import { InvalidArgumentError } from '../../errors.js';
import { handleClientFrame } from './client-frames.js';
import { createOutboundCodec } from './codec.js';
import type { GatewayState } from './gateway-state.js';
import { Outbox } from './outbox.js';
import {
  CLOSE_REASONS,
  HEARTBEAT_ACK_FRAME,
  HEARTBEAT_REQUEST_FRAME,
  RECONNECT_FRAME,
  SESSION_ENDING_SERVER_CLOSE_CODES,
  clientCloseEndsSession,
  helloFrame,
  invalidSessionFrame,
  serializeFrame,
} from './payloads.js';
import type { ConnectionQuery } from './query.js';
import { SlidingWindow } from './rate-window.js';
import type { Session, SessionOwner } from './session.js';
import type {
  DispatchData,
  DispatchEventName,
  DispatchRecord,
  FakeGatewayConnection,
  SendRawOptions,
  ServerPayload,
} from './types.js';

/**
 * One client socket. State per docs/protocol/gateway.md §11.2: awaiting auth → (Identify | Resume) → authenticated.
 * Inbound frames are handled by {@link handleClientFrame}; everything outbound goes through the
 * {@link Outbox}, in order.
 */
export class GatewayConnection implements FakeGatewayConnection, SessionOwner {
  readonly id: number;
  private session: Session | null = null;
  /** True after an accepted Identify/Resume, until op 9 puts the socket back to awaiting auth. */
  private authenticated = false;
  private acksStopped = false;
  private closing = false;
  private serverClose: { code: number; reason: string } | null = null;
  private lastShardId: number | null = null;
  private lastSessionId: string | null = null;
  private readonly outbox: Outbox;
  private readonly window: SlidingWindow;
  private watchdog: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pendingHandshake: (() => void) | null = null;

  constructor(
    private readonly state: GatewayState,
    private readonly socket: WebSocket,
    readonly query: ConnectionQuery,
  ) {
    this.id = state.allocateConnectionId();
    this.outbox = new Outbox(socket, createOutboundCodec(query.compression, state.options.splitZlibFrames));
    this.window = new SlidingWindow(
      state.options.commandRateLimit.limit,
      state.options.commandRateLimit.windowMs,
    );
    // A socket error must never crash the server; the 'close' event that follows does the bookkeeping.
    socket.on('error', () => {});
    socket.on('message', (data) => handleClientFrame(state, this, data));
    socket.on('close', (code, reason) => this.onClose(code, reason.toString()));
  }

  get shardId(): number | null {
    return this.session?.shardId ?? null;
  }

  get sessionId(): string | null {
    return this.session?.id ?? null;
  }

  get open(): boolean {
    return !this.closing && this.socket.readyState === WebSocket.OPEN;
  }

  get isAuthenticated(): boolean {
    return this.authenticated;
  }

  get attachedSession(): Session | null {
    return this.session;
  }

  /** Sends Hello, after op 7 when the `sendReconnectBeforeHello` knob asks, unless `holdHello` defers it. */
  start(): void {
    if (this.state.reconnectsBeforeHello > 0) {
      this.state.reconnectsBeforeHello -= 1;
      this.sendFrame(RECONNECT_FRAME);
    }
    if (!this.state.options.holdHello) this.sendHello();
  }

  // ── Public fault injection (FakeGatewayConnection) ────────────────────────────────────────────

  sendHello(): void {
    this.sendFrame(helloFrame(this.state.options.heartbeatIntervalMs));
    // The heartbeat window starts with Hello: the client learns the interval from it.
    this.armWatchdog();
  }

  releaseHandshake(): void {
    const pending = this.pendingHandshake;
    if (pending === null)
      throw new InvalidArgumentError(`connection ${this.id} holds no Identify/Resume answer`);
    this.pendingHandshake = null;
    pending();
  }

  close(code: number, reason?: string): void {
    if (code !== 1000 && (code < 3000 || code > 4999)) {
      throw new InvalidArgumentError(`close code must be 1000 or 3000–4999, got ${code}`);
    }
    this.closeWith(code, reason);
  }

  terminate(): void {
    if (this.closing || this.socket.readyState !== WebSocket.OPEN) return;
    this.closing = true;
    this.serverClose = { code: 1006, reason: '' };
    this.releaseSession(false);
    this.socket.terminate();
  }

  sendReconnect(options: { closeAfterMs?: number | null } = {}): void {
    this.sendFrame(RECONNECT_FRAME);
    const after =
      options.closeAfterMs === undefined ? this.state.options.reconnectCloseAfterMs : options.closeAfterMs;
    if (after === null || this.reconnectTimer !== null) return;
    // Discord closes the socket itself a few seconds after op 7 if the client did not (docs/protocol/gateway.md §3.4).
    this.reconnectTimer = setTimeout(() => this.closeWith(GatewayCloseCodes.UnknownError), after);
    this.reconnectTimer.unref();
  }

  invalidateSession(resumable: boolean): void {
    this.pendingHandshake = null;
    this.sendFrame(invalidSessionFrame(resumable));
    if (this.session !== null) {
      if (resumable) this.state.detachSession(this.session, this);
      else this.state.destroySession(this.session);
      this.session = null;
    }
    // The socket stays open and accepts a new Identify (or, with true, a Resume) on it ([ISS] #1805).
    this.authenticated = false;
  }

  requestHeartbeat(): void {
    this.sendFrame(HEARTBEAT_REQUEST_FRAME);
  }

  stopHeartbeatAcks(): void {
    this.acksStopped = true;
  }

  resumeHeartbeatAcks(): void {
    this.acksStopped = false;
  }

  sendRaw(data: string | Buffer, options: SendRawOptions = {}): void {
    if (options.bypassCompression === true) {
      if (!this.closing) this.outbox.sendBytes(data);
      return;
    }
    const text = typeof data === 'string' ? data : data.toString('utf8');
    this.sendFrame(text);
  }

  sendRawBurst(texts: readonly string[]): void {
    if (!this.closing) this.outbox.sendTexts(texts);
  }

  sendPayload(payload: ServerPayload): void {
    this.sendFrame(serializeFrame(payload.op, payload.d, payload.s ?? null, payload.t ?? null));
  }

  dispatch<T extends DispatchEventName>(type: T, data: DispatchData<T>): DispatchRecord | null {
    if (this.session === null)
      throw new InvalidArgumentError(`connection ${this.id} has no session to dispatch to`);
    return this.state.dispatchToSession(this.session, type, data);
  }

  // ── Used by the session and the handlers ──────────────────────────────────────────────────────

  /** SessionOwner: a dispatch of the attached session. */
  deliver(frame: string): void {
    this.sendFrame(frame);
  }

  /** SessionOwner: another connection resumed our session; we no longer receive its dispatches. */
  release(): void {
    this.session = null;
  }

  /** Identify/Resume accepted: a second one is now 4005, even while the answer is held. */
  markAuthenticated(): void {
    this.authenticated = true;
  }

  /** Runs the READY/RESUMED part of a handshake now, or when the test releases it (`holdHandshake`). */
  answerHandshake(answer: () => void): void {
    if (this.state.options.holdHandshake) this.pendingHandshake = answer;
    else answer();
  }

  /** Back to awaiting Identify/Resume (op 9 on a Resume that could not be honoured). */
  markUnauthenticated(): void {
    this.authenticated = false;
  }

  /** Attaches a session after an accepted Identify/Resume. */
  bindSession(session: Session): void {
    const previous = session.connection;
    if (previous !== null && previous !== this) previous.release();
    session.attach(this);
    this.session = session;
    this.authenticated = true;
    this.lastShardId = session.shardId;
    this.lastSessionId = session.id;
  }

  sendFrame(text: string): void {
    if (!this.closing) this.outbox.sendText(text);
  }

  /** Records an inbound frame for the command limit; false once the limit is exceeded. */
  countInbound(now: number): boolean {
    return this.window.hit(now);
  }

  /** A heartbeat arrived: restart the window and answer op 11 unless ACKs are stopped. Returns whether it was acked. */
  acknowledgeHeartbeat(): boolean {
    this.armWatchdog();
    if (!this.acksStopped) this.sendFrame(HEARTBEAT_ACK_FRAME);
    return !this.acksStopped;
  }

  /** Server-initiated close; decides the session's fate now, sends the close frame after queued frames. */
  closeWith(code: number, reason?: string): void {
    // Nothing to do once closing, or when the client's close frame already arrived (then it closed).
    if (this.closing || this.socket.readyState !== WebSocket.OPEN) return;
    const text = reason ?? CLOSE_REASONS[code] ?? '';
    this.closing = true;
    this.serverClose = { code, reason: text };
    this.releaseSession(SESSION_ENDING_SERVER_CLOSE_CODES.has(code));
    this.outbox.close(code, text);
  }

  /** Gateway shutdown: close with 1001, drop the TCP connection if the client does not answer in time. */
  shutdown(graceMs: number): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.terminate(), graceMs);
      timer.unref();
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.closeWith(1001, 'FakeGateway is shutting down');
    });
  }

  // ── Internals ─────────────────────────────────────────────────────────────────────────────────

  private armWatchdog(): void {
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    const { heartbeatIntervalMs, heartbeatGraceMs, heartbeatTimeoutCloseCode } = this.state.options;
    // No op 1 within interval + grace since Hello or the last heartbeat: disconnect, keep the session resumable.
    this.watchdog = setTimeout(
      () => this.closeWith(heartbeatTimeoutCloseCode, 'Heartbeat timed out.'),
      heartbeatIntervalMs + heartbeatGraceMs,
    );
    this.watchdog.unref();
  }

  /** Detaches (or, for codes that require a new Identify, destroys) the attached session. */
  private releaseSession(destroy: boolean): void {
    const session = this.session;
    this.session = null;
    if (session === null || !session.isOwnedBy(this)) return;
    if (destroy) this.state.destroySession(session);
    else this.state.detachSession(session, this);
  }

  private onClose(code: number, reason: string): void {
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.watchdog = null;
    this.reconnectTimer = null;
    this.closing = true;
    this.pendingHandshake = null;
    this.outbox.dispose();
    this.state.connections.delete(this.id);

    const server = this.serverClose;
    const initiator = server !== null ? 'server' : code === 1006 ? 'transport' : 'client';
    const session = this.session;
    if (session !== null && initiator === 'client' && clientCloseEndsSession(code)) {
      // "Closing with 1000 or 1001 invalidates the session."
      this.session = null;
      if (session.isOwnedBy(this)) this.state.destroySession(session);
    } else {
      this.releaseSession(false);
    }
    const lastSession = this.lastSessionId === null ? undefined : this.state.sessions.get(this.lastSessionId);
    this.state.recordClose({
      connectionId: this.id,
      shardId: this.lastShardId,
      sessionId: this.lastSessionId,
      code: server?.code ?? code,
      reason: server?.reason ?? reason,
      initiator,
      sessionResumable: lastSession !== undefined && lastSession.status !== 'destroyed',
      at: Date.now(),
    });
  }
}
