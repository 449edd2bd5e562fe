import { finished, type Readable } from 'node:stream';
import { InvalidArgumentError } from '../../errors.js';
import { checkPacketSource, isReadableStream, type PacketSource } from './packet-source.js';

/**
 * The packets a track has read ahead of its ticks (docs/protocol/voice.md §3.5), with backpressure:
 * reading stops at `capacity` packets and resumes once half are taken. Per packet it costs no promise
 * for a Readable, read through `'data'` events (chunk by chunk as written: its async iterator would
 * call `read()`, which in byte mode joins buffered chunks and so merges packets); an async iterable
 * costs its own `next()` promise, and its reader is woken once per half-buffer, not per packet.
 *
 * @internal
 */
export class TrackBuffer {
  readonly #capacity: number;
  readonly #onReadable: () => void;
  /** Packets from `#head` on; compacted as it is consumed. */
  #items: Uint8Array[] = [];
  #head = 0;
  #drained = false;
  #failed = false;
  #error: unknown = undefined;
  #closed = false;
  #paused = false;
  #readable: Readable | null = null;
  #stopWatching: (() => void) | null = null;
  #iterator: AsyncIterator<unknown> | null = null;
  #wakeReader: (() => void) | null = null;

  /**
   * `onReadable` is called when a packet arrives into an empty buffer, and when the source is done.
   *
   * @throws InvalidArgumentError when `source` is neither an async iterable nor a Readable.
   */
  constructor(source: PacketSource, capacity: number, onReadable: () => void) {
    checkPacketSource(source);
    this.#capacity = Math.max(2, capacity);
    this.#onReadable = onReadable;
    if (isReadableStream(source)) this.#watch(source);
    else void this.#pull(source[Symbol.asyncIterator]());
  }

  /** Packets ready. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** The source has no more packets (it ended or failed). */
  get drained(): boolean {
    return this.#drained;
  }

  /** Whether the source failed (threw, rejected, emitted `error`, closed early, gave a non-packet). */
  get failed(): boolean {
    return this.#failed;
  }

  /** What the source failed with. */
  get error(): unknown {
    return this.#error;
  }

  /** The oldest packet, or undefined when none is ready. */
  shift(): Uint8Array | undefined {
    if (this.#head === this.#items.length) return undefined;
    const packet = this.#items[this.#head];
    this.#items[this.#head++] = EMPTY;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 64) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    if (this.length <= this.#capacity >> 1) this.#resume();
    return packet;
  }

  /** Stops reading and ends the source (a Readable is destroyed); settles at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#items = [];
    this.#head = 0;
    if (this.#readable !== null) {
      this.#readable.off('data', this.#onData);
      this.#stopWatching?.();
      this.#readable.destroy();
    }
    // An async generator queues return() behind a pending next(): do not wait for it.
    this.#iterator?.return?.().then(undefined, () => undefined);
    this.#resume();
  }

  #add(packet: unknown): boolean {
    if (!(packet instanceof Uint8Array)) {
      this.#fail(new InvalidArgumentError(`the audio source gave a ${typeof packet}, not an Opus packet`));
      return false;
    }
    if (packet.length === 0) return true;
    this.#items.push(packet);
    if (this.length === 1) this.#onReadable();
    return true;
  }

  #fail(error: unknown): void {
    if (this.#drained || this.#closed) return;
    this.#failed = true;
    this.#error = error;
    this.#readable?.destroy();
    this.#iterator?.return?.().then(undefined, () => undefined);
    this.#finish();
  }

  #finish(): void {
    if (this.#drained || this.#closed) return;
    this.#drained = true;
    if (this.#readable !== null) {
      this.#readable.off('data', this.#onData);
      this.#stopWatching?.();
    }
    this.#onReadable();
  }

  #watch(readable: Readable): void {
    this.#readable = readable;
    this.#stopWatching = finished(readable, { writable: false }, (error) => {
      if (error === undefined || error === null) this.#finish();
      else this.#fail(error);
    });
    readable.on('data', this.#onData);
  }

  readonly #onData = (chunk: unknown): void => {
    if (this.#closed || this.#drained || !this.#add(chunk)) return;
    if (this.length >= this.#capacity && !this.#paused) {
      this.#paused = true;
      this.#readable?.pause();
    }
  };

  async #pull(iterator: AsyncIterator<unknown>): Promise<void> {
    this.#iterator = iterator;
    try {
      while (!this.#closed) {
        if (this.length >= this.#capacity) {
          await new Promise<void>((resolve) => (this.#wakeReader = resolve));
          continue;
        }
        const result = await iterator.next();
        if (this.#closed) return;
        if (result.done === true) break;
        if (!this.#add(result.value)) return;
      }
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#finish();
  }

  #resume(): void {
    if (this.#readable !== null) {
      if (this.#paused && !this.#closed && !this.#drained) {
        this.#paused = false;
        this.#readable.resume();
      }
      return;
    }
    const wake = this.#wakeReader;
    this.#wakeReader = null;
    wake?.();
  }
}

const EMPTY = new Uint8Array(0);
