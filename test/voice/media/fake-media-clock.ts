import type { MediaClock } from '../../../src/voice/media/index.js';

interface FakeTimer {
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A manual clock for the media timers: time moves only through {@link advance} and {@link stall}.
 * `lateMs` makes every timer fire that much after its time, as a busy event loop does.
 */
export class FakeMediaClock implements MediaClock {
  lateMs = 0;
  #now = 0;
  #nextId = 1;
  readonly #timers = new Map<number, FakeTimer>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(1, ms) + this.lateMs, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers armed and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order, each at its own time. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let nextId: number | undefined;
      let next: FakeTimer | undefined;
      for (const [id, timer] of this.#timers) {
        if (timer.at <= target && (next === undefined || timer.at < next.at)) {
          nextId = id;
          next = timer;
        }
      }
      if (next === undefined || nextId === undefined) break;
      this.#timers.delete(nextId);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    // A callback may have stalled past the target (a long run): time does not go back.
    this.#now = Math.max(this.#now, target);
  }

  /** The event loop is blocked for `ms`: time passes and no timer fires until the next `advance`. */
  stall(ms: number): void {
    this.#now += ms;
  }
}
