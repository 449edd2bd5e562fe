/**
 * The waits of a model run (shard or voice): each resolves when its condition holds, checked whenever
 * the run hears of a change (`notify`, from inspection events and trace entries) and every 2 ms (frames,
 * datagrams and socket closes arrive without an inspection event). Never a sleep: a wait that does not
 * come true within the step timeout rejects, saying what it waited for.
 */
export class PathWaiter {
  readonly #waiters = new Set<() => void>();

  /**
   * @param timeoutMs - how long one wait may take
   * @param context - appended to a timeout's message (e.g. the state before the step)
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly context: () => string,
  ) {}

  /** Something changed: every pending wait checks its condition. */
  notify(): void {
    for (const waiter of this.#waiters) waiter();
  }

  /** Resolves when `condition` holds; rejects after the timeout, naming `what` (and `actual()`). */
  until(condition: () => boolean, what: string, actual?: () => string): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      const poll = setInterval(check, 2);
      const timer = setTimeout(() => {
        cleanup();
        const got = actual === undefined ? '' : `; actual ${actual()}`;
        reject(
          new Error(`timed out after ${this.timeoutMs} ms waiting for ${what}${got} (${this.context()})`),
        );
      }, this.timeoutMs);
      const cleanup = () => {
        clearInterval(poll);
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }
}
