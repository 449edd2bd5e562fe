import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import { WebSocket } from 'ws';
import { InvalidArgumentError } from '../../errors.js';
import { handleVoiceClientFrame } from './client-frames.js';
import {
  VOICE_CLOSE_REASONS,
  VOICE_GATEWAY_VERSION,
  clientCloseEndsSession,
  serializeVoiceFrame,
  serverCloseKeepsSession,
} from './payloads.js';
import type { VoiceSession } from './session.js';
import type { FakeVoiceConnection, FakeVoiceSession, VoiceServerPayload } from './types.js';
import type { ClosableOwner, VoiceServerState } from './voice-state.js';

/** The answers a connection can hold back (options `holdReady`, `holdSessionDescription`, `holdResumed`). */
export type HeldAnswer = 'ready' | 'sessionDescription' | 'resumed';

const HOLD_OPTIONS = {
  ready: 'holdReady',
  sessionDescription: 'holdSessionDescription',
  resumed: 'holdResumed',
} as const;

/**
 * One voice WebSocket (docs/protocol/voice.md §2.3): Hello on connect, then awaiting Identify or Resume,
 * then authenticated with a session attached. Inbound frames go to {@link handleVoiceClientFrame}; `ws`
 * sends in call order, so a close goes out after the frames queued before it.
 */
export class VoiceConnection implements FakeVoiceConnection, ClosableOwner {
  readonly id: number;
  private attached: VoiceSession | null = null;
  private authenticated = false;
  private acksStopped = false;
  private closing = false;
  private serverClose: { code: number; reason: string } | null = null;
  private lastSession: VoiceSession | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  /** The answer a `hold*` option holds back (Ready, Session Description, Resumed). */
  private pending: {
    readonly kind: HeldAnswer;
    readonly answer: (modes?: readonly string[]) => void;
  } | null = null;

  constructor(
    private readonly state: VoiceServerState,
    private readonly socket: WebSocket,
    readonly version: string | null,
  ) {
    this.id = state.allocateConnectionId();
    // A socket error must never crash the server; the 'close' that follows does the bookkeeping.
    socket.on('error', () => {});
    socket.on('message', (data, isBinary) => handleVoiceClientFrame(state, this, data, isBinary));
    socket.on('close', (code, reason) => this.onClose(code, reason.toString()));
  }

  get sessionId(): string | null {
    return this.attached?.id ?? null;
  }

  get session(): FakeVoiceSession | null {
    return this.attached;
  }

  get attachedSession(): VoiceSession | null {
    return this.attached;
  }

  get open(): boolean {
    return !this.closing && this.socket.readyState === WebSocket.OPEN;
  }

  get isAuthenticated(): boolean {
    return this.authenticated;
  }

  /** Sends Hello unless `holdHello` defers it. */
  start(): void {
    if (!this.state.options.holdHello) this.sendHello();
  }

  // ── Fault injection (FakeVoiceConnection) ─────────────────────────────────────────────────────

  sendHello(): void {
    const d = { v: VOICE_GATEWAY_VERSION, heartbeat_interval: this.state.options.heartbeatIntervalMs };
    this.deliver(serializeVoiceFrame(VoiceOpcodes.Hello, d));
    // The heartbeat window starts with Hello: the client learns the interval from it.
    this.armWatchdog();
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

  stopHeartbeatAcks(): void {
    this.acksStopped = true;
  }

  resumeHeartbeatAcks(): void {
    this.acksStopped = false;
  }

  sendRaw(data: string | Buffer): void {
    this.deliver(data);
  }

  sendPayload(payload: VoiceServerPayload): void {
    if (payload.sequenced !== true) {
      this.deliver(serializeVoiceFrame(payload.op, payload.d));
      return;
    }
    this.requireSession().sendSequenced(payload.op, payload.d);
  }

  sendBinary(op: number, payload: Uint8Array): void {
    this.requireSession().sendSequencedBinary(op, payload);
  }

  get held(): HeldAnswer | null {
    return this.pending?.kind ?? null;
  }

  releaseReady(options: { readonly modes?: readonly string[] } = {}): boolean {
    return this.releaseHeld('ready', options.modes);
  }

  releaseSessionDescription(): boolean {
    return this.releaseHeld('sessionDescription');
  }

  releaseResumed(): boolean {
    return this.releaseHeld('resumed');
  }

  // ── Used by the handlers and the session ──────────────────────────────────────────────────────

  /**
   * Answers at once, or, when the option for `kind` is set, keeps the answer until its release method
   * is called (dropped if the connection closes first). One answer is held at a time: the protocol
   * never has two outstanding.
   */
  answerOrHold(kind: HeldAnswer, answer: (modes?: readonly string[]) => void): void {
    if (!this.state.options[HOLD_OPTIONS[kind]]) return answer();
    this.pending = { kind, answer };
    this.state.emit('hold', { kind, connectionId: this.id, sessionId: this.sessionId, at: Date.now() });
  }

  /** VoiceSessionOwner: one frame of the attached session, or any connection-level frame. */
  deliver(data: string | Buffer): void {
    if (this.closing || this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(data);
    this.state.recordSent(this.id, this.attached?.id ?? null, data);
  }

  /** VoiceSessionOwner: another connection resumed our session. */
  release(): void {
    this.attached = null;
  }

  markAuthenticated(): void {
    this.authenticated = true;
  }

  bindSession(session: VoiceSession): void {
    session.attach(this);
    this.attached = session;
    this.lastSession = session;
    this.authenticated = true;
  }

  /** A heartbeat arrived: restart the window and answer op 6 `{t}` unless ACKs are stopped. */
  acknowledgeHeartbeat(t: number): boolean {
    this.armWatchdog();
    if (!this.acksStopped) this.deliver(serializeVoiceFrame(VoiceOpcodes.HeartbeatAck, { t }));
    return !this.acksStopped;
  }

  /** Server-initiated close: decides the session's fate now, then sends the close frame. */
  closeWith(code: number, reason?: string): void {
    if (this.closing || this.socket.readyState !== WebSocket.OPEN) return;
    const text = reason ?? VOICE_CLOSE_REASONS[code] ?? '';
    this.closing = true;
    this.serverClose = { code, reason: text };
    this.releaseSession(!serverCloseKeepsSession(code));
    this.socket.close(code, text);
  }

  /** Server shutdown: close with 1001, drop TCP if the client does not answer in time. */
  shutdown(graceMs: number): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.terminate(), graceMs);
      timer.unref();
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.socket.readyState === WebSocket.OPEN) this.closeWith(1001, 'FakeVoiceServer is shutting down');
    });
  }

  private releaseHeld(kind: HeldAnswer, modes?: readonly string[]): boolean {
    const pending = this.pending;
    if (pending?.kind !== kind) return false;
    this.pending = null;
    if (this.open) pending.answer(modes);
    return true;
  }

  private requireSession(): VoiceSession {
    if (this.attached === null) {
      throw new InvalidArgumentError(`voice connection ${this.id} has no session for a sequenced message`);
    }
    return this.attached;
  }

  private armWatchdog(): void {
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    const { heartbeatIntervalMs, heartbeatGraceMs, heartbeatTimeoutCloseCode } = this.state.options;
    // No op 3 within interval + grace since Hello or the last heartbeat: Discord's "session timeout".
    this.watchdog = setTimeout(
      () => this.closeWith(heartbeatTimeoutCloseCode),
      heartbeatIntervalMs + heartbeatGraceMs,
    );
    this.watchdog.unref();
  }

  /** Detaches the attached session, or ends it (non-resumable close, or a revoked grant). */
  private releaseSession(destroy: boolean): void {
    const session = this.attached;
    this.attached = null;
    if (session === null || !session.isOwnedBy(this)) return;
    if (destroy || session.grant.revoked) this.state.destroySession(session);
    else this.state.detachSession(session, this);
  }

  private onClose(code: number, reason: string): void {
    this.pending = null;
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.watchdog = null;
    this.closing = true;
    this.state.connections.delete(this.id);
    const server = this.serverClose;
    const initiator = server !== null ? 'server' : code === 1006 ? 'transport' : 'client';
    this.releaseSession(initiator === 'client' && clientCloseEndsSession(code));
    const last = this.lastSession;
    this.state.recordClose({
      connectionId: this.id,
      sessionId: last?.id ?? null,
      code: server?.code ?? code,
      reason: server?.reason ?? reason,
      initiator,
      sessionResumable: last !== null && last.status !== 'destroyed',
      at: Date.now(),
    });
  }
}
