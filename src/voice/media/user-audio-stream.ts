import { Readable } from 'node:stream';
import { FrameQueue } from './frame-queue.js';

/**
 * One subscriber's Opus packets of one user: an object-mode `Readable` (one Buffer per packet, in
 * arrival order) made by `AudioReceiverCore.subscribe`. Memory is bounded: at most `highWaterMark`
 * packets wait for a slow reader; when one more arrives the oldest is dropped and counted in
 * {@link dropped} (fresh audio matters more than stale, and a reader that cannot keep up must not
 * grow the process).
 */
export class UserAudioStream extends Readable {
  /** The user whose audio this is. */
  readonly userId: string;
  readonly #queue: FrameQueue<Uint8Array>;
  readonly #onClose: (stream: UserAudioStream) => void;
  #wantsMore = false;
  #ending = false;
  #endPushed = false;
  #dropped = 0;

  /** @internal Made by `AudioReceiverCore.subscribe`. */
  constructor(userId: string, highWaterMark: number, onClose: (stream: UserAudioStream) => void) {
    // The stream's own buffer holds one packet; the bounded queue below holds the rest.
    super({ objectMode: true, highWaterMark: 1 });
    this.userId = userId;
    this.#queue = new FrameQueue(highWaterMark);
    this.#onClose = onClose;
  }

  /** Packets dropped because the reader fell more than `highWaterMark` packets behind. */
  get dropped(): number {
    return this.#dropped;
  }

  /** @internal Adds a packet (drops the oldest waiting one when full). */
  enqueue(packet: Uint8Array): void {
    if (this.#ending || this.destroyed) return;
    if (this.#wantsMore && this.#queue.length === 0) {
      this.#wantsMore = this.push(packet);
      return;
    }
    if (this.#queue.push(packet) !== undefined) this.#dropped++;
  }

  /** @internal Ends the stream after the packets already queued. */
  finish(): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#drain();
  }

  /** Node's `Readable` hook: the consumer wants data; queued packets are pushed. Not for direct calls. */
  override _read(): void {
    this.#wantsMore = true;
    this.#drain();
  }

  /** Node's `Readable` hook on `destroy()`: drops the queued packets and detaches the stream from the receiver. Not for direct calls. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#ending = true;
    this.#queue.clear();
    this.#onClose(this);
    callback(error);
  }

  #drain(): void {
    while (this.#wantsMore && this.#queue.length > 0) {
      const packet = this.#queue.shift();
      if (packet !== undefined) this.#wantsMore = this.push(packet);
    }
    if (this.#ending && this.#queue.length === 0 && !this.#endPushed && !this.destroyed) {
      this.#endPushed = true;
      this.push(null);
      this.#onClose(this);
    }
  }
}
