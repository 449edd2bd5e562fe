/**
 * The callers waiting for a shard's session to become live (`start()`, `whenStarted()`), settled
 * together. Their promises are marked handled: a failure is also reported through the shard's
 * `failure` event, so a caller that does not await `start()` must not get an unhandled rejection
 * (which would crash Node); a caller that awaits still sees the rejection.
 */
export class StartWaiters {
  #waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  /** A promise settled by the next {@link settle}. */
  add(): Promise<void> {
    const promise = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    promise.catch(() => undefined);
    return promise;
  }

  /** Resolves (null) or rejects every waiting promise. */
  settle(error: Error | null): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (error === null) waiter.resolve();
      else waiter.reject(error);
    }
  }
}

/** A rejected promise that is marked handled (see {@link StartWaiters}). */
export function handledRejection(error: Error): Promise<never> {
  const promise = Promise.reject(error);
  promise.catch(() => undefined);
  return promise;
}
