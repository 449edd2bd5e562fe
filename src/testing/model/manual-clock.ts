/**
 * A clock for the shard machine that never fires by itself: the model runner fires one pending timer
 * at a time, chosen by its delay, which stands for "time passes until that timer is due". xstate's
 * scheduler calls `setTimeout`/`clearTimeout` on it.
 */
export class ManualClock {
  readonly #pending = new Map<number, { readonly delay: number; readonly fire: () => void }>();
  #nextId = 1;

  /** Schedules `fire` after `delay` virtual ms (nothing fires until the test advances the clock); returns the timer's id. */
  setTimeout(fire: (...args: unknown[]) => void, delay: number): number {
    const id = this.#nextId++;
    this.#pending.set(id, { delay, fire: () => fire() });
    return id;
  }

  /** Cancels a pending timer (an unknown id is ignored). */
  clearTimeout(id: unknown): void {
    this.#pending.delete(id as number);
  }

  /** Delays of the timers now pending. */
  get pendingDelays(): number[] {
    return [...this.#pending.values()].map((timer) => timer.delay);
  }

  /**
   * Fires the one pending timer with this delay. Throws if there is none, or more than one (the run
   * could not tell which timer the model meant).
   */
  fire(delay: number): void {
    const matches = [...this.#pending.entries()].filter(([, timer]) => timer.delay === delay);
    if (matches.length !== 1) {
      throw new Error(
        `expected exactly one pending timer of ${delay} ms, found ${matches.length} (pending: ${this.pendingDelays.join(', ') || 'none'})`,
      );
    }
    const [id, timer] = matches[0]!;
    this.#pending.delete(id);
    timer.fire();
  }
}
