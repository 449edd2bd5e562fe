import type { SessionStartGateOptions } from '../../../src/manager/identify/index.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** Lets every pending promise continuation run (one macrotask turn). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A virtual clock: `now`, `setTimeout` and `clearTimeout` for a gate, and `advance` to move time,
 * firing due timers in order and letting promise continuations run between them. No real waiting.
 */
export class ManualClock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();

  constructor(start = 0) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  readonly setTimeout = (callback: () => void, ms: number): number => {
    const seq = ++this.#seq;
    this.#timers.set(seq, { at: this.#now + Math.max(0, ms), seq, callback });
    return seq;
  };

  readonly clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as number);
  };

  /** The options that put a gate on this clock. */
  get gateOptions(): Pick<SessionStartGateOptions, 'now' | 'setTimeout' | 'clearTimeout'> {
    return { now: this.now, setTimeout: this.setTimeout, clearTimeout: this.clearTimeout };
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    await this.#runUntil(this.#now + ms);
  }

  /** Fires timers in order until none is left (or the next is after `horizon`); returns the time. */
  async runUntilIdle(horizon = Number.MAX_SAFE_INTEGER): Promise<number> {
    await this.#runUntil(horizon, true);
    return this.#now;
  }

  async #runUntil(target: number, stopWhenIdle = false): Promise<void> {
    for (;;) {
      await flush();
      const next = this.#next();
      if (next === undefined || next.at > target) break;
      this.#timers.delete(next.seq);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    if (!stopWhenIdle) this.#now = Math.max(this.#now, target);
    await flush();
  }

  #next(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.#timers.values()) {
      if (best === undefined || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq))
        best = timer;
    }
    return best;
  }
}
