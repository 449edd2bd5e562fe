/**
 * The clock of a model path: like {@link ManualClock} it never fires by itself (the runner fires one
 * pending timer at a time, chosen by its delay, meaning "time passes until that timer is due"), and it
 * also keeps the path's virtual time, `now`, so that oracles can reason about how much time passed.
 *
 * The model treats timers as independent events and may fire a later one before an earlier one; `now`
 * never goes back: firing a timer sets it to `max(now, due)`.
 */
export class ShardPathClock {
  readonly #pending = new Map<
    number,
    { readonly delay: number; readonly due: number; readonly fire: () => void }
  >();
  #nextId = 1;
  #now = 0;

  /** Virtual milliseconds since the path began. */
  get now(): number {
    return this.#now;
  }

  /** Schedules `fire` after `delay` virtual ms (it runs when the run advances the clock that far); returns the timer's id. */
  setTimeout(fire: (...args: unknown[]) => void, delay: number): number {
    const id = this.#nextId++;
    this.#pending.set(id, { delay, due: this.#now + delay, fire: () => fire() });
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

  /** How many pending timers have this delay. */
  pendingWithDelay(delay: number): number {
    return [...this.#pending.values()].filter((timer) => timer.delay === delay).length;
  }

  /**
   * Fires the one pending timer with this delay, calling `onDue` once the clock shows its time and
   * before the timer runs. Throws if there is none, or more than one (the run could not tell which
   * timer the model meant).
   */
  fire(delay: number, onDue?: () => void): void {
    const matches = [...this.#pending.entries()].filter(([, timer]) => timer.delay === delay);
    if (matches.length !== 1) {
      throw new Error(
        `expected exactly one pending timer of ${delay} ms, found ${matches.length} (pending: ${this.pendingDelays.join(', ') || 'none'})`,
      );
    }
    const [id, timer] = matches[0]!;
    this.#pending.delete(id);
    this.#now = Math.max(this.#now, timer.due);
    onDue?.();
    timer.fire();
  }

  /** Lets `ms` pass without firing anything (a timer the model expected was not armed). */
  pass(ms: number): void {
    this.#now += ms;
  }
}
