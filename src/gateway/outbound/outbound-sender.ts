import type { GatewaySendPayload } from 'discord-api-types/v10';
import { ConnectionClosedError, InvalidArgumentError, ShardStoppedError } from '../../errors.js';
import { assertOutboundSize, encodeOutbound } from '../codec/encode-outbound.js';
import { FifoQueue } from './fifo-queue.js';
import { heartbeatReserveFor, TYPICAL_HEARTBEAT_INTERVAL_MS } from './heartbeat-reserve.js';
import { resolveSenderOptions, type OutboundSenderOptions } from './outbound-sender-options.js';
import { SendWindow } from './send-window.js';
import { WakeTimer } from './wake-timer.js';

/**
 * Lane of a send. `heartbeat` (op 1) before `handshake` (Identify, Resume) before `normal` (everything
 * a user asks for: presence, voice state, member requests, soundboard…).
 */
export type SendPriority = 'heartbeat' | 'handshake' | 'normal';

interface PendingSend {
  readonly data: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * The shard's one way to write to the gateway, shared by all its connections. It keeps each
 * connection under the send limit (120 frames per 60 s, every frame counted, docs/protocol/gateway.md §5, §12.17),
 * with a reserve for heartbeats, and rejects payloads over 4096 bytes before they can cost a 4002 close.
 *
 * Lifecycle: `attach(write)` on socket open (fresh window; heartbeats and handshakes flow), `open()`
 * once identified or resumed (normal sends flow), `hold()` when the session is being re-established on
 * the same socket, `detach()` on socket close, `close(error)` when the shard stops for good.
 *
 * - Heartbeat and handshake frames may use the whole window; if it is full they wait in their own
 *   lanes, ahead of normal sends. They belong to one connection: `detach()` rejects those still waiting
 *   with `ConnectionClosedError`, and sending one while no connection is attached rejects the same way.
 * - Normal sends may use `limit - heartbeatReserve - 1` slots (one is kept for a handshake). Beyond
 *   that, or while not open, they wait FIFO; they survive `detach()`/`attach()` and flow after `open()`.
 * - One timer at most, armed for when the oldest record leaves the window.
 *
 * @example
 * const sender = new OutboundSender();               // one per shard
 * ws.on('open', () => sender.attach((data) => ws.send(data)));
 * // HELLO: sender.setHeartbeatInterval(d.heartbeat_interval)
 * await sender.send(identify, 'handshake');
 * // READY / RESUMED: sender.open()
 * ws.on('close', () => sender.detach());
 */
export class OutboundSender {
  readonly #window: SendWindow;
  readonly #maxPayloadBytes: number;
  readonly #fixedReserve: number | undefined;
  #heartbeatReserve: number;
  readonly #heartbeats = new FifoQueue<PendingSend>();
  readonly #handshakes = new FifoQueue<PendingSend>();
  readonly #normal = new FifoQueue<PendingSend>();
  #write: ((data: string) => void) | null = null;
  #open = false;
  #closedWith: Error | null = null;
  readonly #timer: WakeTimer;
  #rateLimitWaits = 0;
  /** Whether the last drain found the window full (a wait already counted). */
  #windowFull = false;
  #pumping = false;
  #pumpAgain = false;

  /** @throws InvalidArgumentError for out-of-range options. */
  constructor(options: OutboundSenderOptions = {}) {
    const { limit, windowMs, maxPayloadBytes, heartbeatReserve, clock } = resolveSenderOptions(options);
    this.#window = new SendWindow({ limit, windowMs, now: () => clock.now() });
    this.#timer = new WakeTimer(clock, () => this.#pump());
    this.#maxPayloadBytes = maxPayloadBytes;
    this.#fixedReserve = heartbeatReserve;
    this.#heartbeatReserve = heartbeatReserve ?? this.#reserveFor(TYPICAL_HEARTBEAT_INTERVAL_MS);
  }

  /** Normal sends waiting (for the window, for `open()`, or for a connection). */
  get queued(): number {
    return this.#normal.length;
  }

  /** Heartbeats and handshakes waiting for room in a full window (rare: they may use all of it). */
  get waiting(): number {
    return this.#heartbeats.length + this.#handshakes.length;
  }

  /** Times sends had to wait for room in the rate-limit window (one per stretch of a full window). */
  get rateLimitWaits(): number {
    return this.#rateLimitWaits;
  }

  /** Frames written on the current connection within the last window. */
  get sentInWindow(): number {
    return this.#window.used();
  }

  /** Slots currently kept for heartbeats. */
  get heartbeatReserve(): number {
    return this.#heartbeatReserve;
  }

  /**
   * Queues a payload; resolves once it was written to the socket.
   * Rejects with `PayloadTooLargeError` (nothing sent) when its JSON is over `maxPayloadBytes`, with
   * `ConnectionClosedError` for a heartbeat/handshake whose connection closed first, and with the
   * `close()` error once closed.
   */
  send(payload: GatewaySendPayload, priority: SendPriority = 'normal'): Promise<void> {
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    let data: string;
    try {
      data = encodeOutbound(payload);
      assertOutboundSize(data, this.#maxPayloadBytes);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (priority !== 'normal' && this.#write === null) {
      return Promise.reject(new ConnectionClosedError('no connection to send this frame on'));
    }
    const lane =
      priority === 'normal' ? this.#normal : priority === 'heartbeat' ? this.#heartbeats : this.#handshakes;
    const sent = new Promise<void>((resolve, reject) => lane.push({ data, resolve, reject }));
    this.#pump();
    return sent;
  }

  /** A new connection is open: fresh window (the budget is per connection); normal sends are held. */
  attach(write: (data: string) => void): void {
    if (this.#closedWith) return;
    if (this.#write !== null) this.detach();
    this.#window.reset();
    this.#write = write;
    this.#open = false;
    this.#pump();
  }

  /** The session is identified or resumed: normal sends flow, paced by the window. */
  open(): void {
    if (this.#write === null) return;
    this.#open = true;
    this.#pump();
  }

  /** Normal sends wait again (e.g. re-identifying on the same socket); heartbeats and handshakes flow. */
  hold(): void {
    this.#open = false;
  }

  /** The connection is gone. Waiting heartbeats/handshakes reject with `ConnectionClosedError`. */
  detach(): void {
    this.#write = null;
    this.#open = false;
    this.#timer.cancel();
    const closed = new ConnectionClosedError();
    for (const pending of this.#heartbeats.takeAll()) pending.reject(closed);
    for (const pending of this.#handshakes.takeAll()) pending.reject(closed);
  }

  /** Rejects every waiting send with `error`; the sender stays usable (e.g. for a later restart). */
  clear(error: Error = new ShardStoppedError()): void {
    for (const lane of [this.#heartbeats, this.#handshakes, this.#normal]) {
      for (const pending of lane.takeAll()) pending.reject(error);
    }
  }

  /** The shard stopped for good: every waiting and later send rejects with `error`. Final. */
  close(error: Error = new ShardStoppedError()): void {
    this.#closedWith = error;
    this.#write = null;
    this.#open = false;
    this.#timer.cancel();
    this.clear(error);
  }

  /** HELLO arrived: recompute the heartbeat reserve (unless fixed by the options). */
  setHeartbeatInterval(heartbeatIntervalMs: number): void {
    if (!(heartbeatIntervalMs > 0 && Number.isFinite(heartbeatIntervalMs))) {
      throw new InvalidArgumentError('heartbeat interval must be > 0');
    }
    if (this.#fixedReserve !== undefined) return;
    this.#heartbeatReserve = this.#reserveFor(heartbeatIntervalMs);
    this.#pump();
  }

  /** Clamped so that normal sends keep at least one slot, even for an absurdly short interval. */
  #reserveFor(heartbeatIntervalMs: number): number {
    return Math.min(heartbeatReserveFor(heartbeatIntervalMs, this.#window.windowMs), this.#window.limit - 2);
  }

  /** Writes what the window allows, highest lane first; arms the timer for what has to wait. */
  #pump(): void {
    // A write may call back into send(); the running loop then goes round once more.
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        // A lane that is blocked blocks the lanes below it: they would need the same slots.
        if (this.#drain(this.#heartbeats, 0) || this.#drain(this.#handshakes, 0)) continue;
        // Normal sends leave the heartbeat reserve plus one slot for an Identify/Resume.
        if (this.#open) this.#drain(this.#normal, this.#heartbeatReserve + 1);
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  /** Writes from `lane` while the window has room above `reserve`. Returns true when left waiting. */
  #drain(lane: FifoQueue<PendingSend>, reserve: number): boolean {
    while (lane.length > 0) {
      const write = this.#write;
      if (write === null) return true;
      if (!this.#window.canSend(reserve)) {
        // One wait per stretch of a full window, however often the pump finds it still full.
        if (!this.#windowFull) this.#rateLimitWaits++;
        this.#windowFull = true;
        this.#timer.wakeIn(this.#window.msUntilSlot(reserve));
        return true;
      }
      this.#windowFull = false;
      const pending = lane.shift() as PendingSend;
      try {
        write(pending.data);
      } catch (error) {
        pending.reject(new ConnectionClosedError('writing the frame to the socket failed', { cause: error }));
        continue;
      }
      this.#window.record();
      pending.resolve();
    }
    return false;
  }
}
