/** Options of a {@link SendWindow}. */
export interface SendWindowOptions {
  /** Most frames allowed in any window. Discord: 120 (docs/protocol/gateway.md §5). */
  readonly limit: number;
  /** Window length in ms. Discord: 60 000. */
  readonly windowMs: number;
  /** Current time in ms; only differences matter, so a monotonic clock is best. */
  readonly now: () => number;
}

/**
 * A sliding-window log of send times: at most `limit` records in any `windowMs`. A record made at `t`
 * counts until `t + windowMs` (exclusive), so for the sorted send times `t[i + limit] - t[i] >= windowMs`
 * always holds. This is the gateway's rule of 120 frames per 60 s per connection (docs/protocol/gateway.md §5); a
 * log, unlike a fixed window, never lets two bursts straddle a window boundary.
 *
 * The log is an array of the send times still in the window, oldest first: an idle connection's log
 * holds a heartbeat or two, not `limit` slots (BENCHMARKS.md, memory). It never holds more than `2 × limit`
 * entries (expired ones are dropped in one slice once `limit` have piled up at the front). Pure apart
 * from the injected clock.
 */
export class SendWindow {
  readonly limit: number;
  readonly windowMs: number;
  readonly #now: () => number;
  #times: number[] = [];
  /** Index of the oldest record still in the window. */
  #head = 0;

  constructor(options: SendWindowOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.#now = options.now;
  }

  /** Records still inside the window. */
  used(): number {
    this.#expire(this.#now());
    return this.#times.length - this.#head;
  }

  /** Whether one more frame fits while leaving `reserve` slots (≥ 0) unused. */
  canSend(reserve = 0): boolean {
    return this.used() < this.limit - reserve;
  }

  /**
   * Records a frame sent now.
   * @throws RangeError when the window is already full (the caller must check {@link canSend}).
   */
  record(): void {
    const now = this.#now();
    this.#expire(now);
    if (this.#times.length - this.#head >= this.limit) throw new RangeError('send window is full');
    this.#times.push(now);
  }

  /**
   * Milliseconds until {@link canSend}(reserve) becomes true: 0 if it already is, `Infinity` if the
   * reserve leaves no slot at all.
   */
  msUntilSlot(reserve = 0): number {
    const allowed = this.limit - reserve;
    if (allowed <= 0) return Infinity;
    const now = this.#now();
    this.#expire(now);
    const count = this.#times.length - this.#head;
    if (count < allowed) return 0;
    // `count - allowed + 1` records must leave; they leave oldest first.
    const leaving = this.#times[this.#head + count - allowed] ?? now;
    return leaving + this.windowMs - now;
  }

  /** Forgets every record: a new connection starts with a fresh budget (docs/protocol/gateway.md §5, §12.17). */
  reset(): void {
    this.#times = [];
    this.#head = 0;
  }

  #expire(now: number): void {
    const times = this.#times;
    let head = this.#head;
    while (head < times.length && (times[head] ?? 0) + this.windowMs <= now) head++;
    if (head === times.length) {
      if (head > 0) this.#times = [];
      head = 0;
    } else if (head >= this.limit) {
      this.#times = times.slice(head);
      head = 0;
    }
    this.#head = head;
  }
}
