/**
 * `createMinimumRequiredShards({ reshardEvery })`: runs `check` every `everyMs` (one at a time; a tick
 * while one runs is skipped) until stopped. `check` reports its own failures; a rejection that escapes
 * it goes to `onError`, never to the process. The timer does not keep the process alive. @internal
 */
export class ReshardWatcher {
  readonly #everyMs: number;
  readonly #check: (signal: AbortSignal) => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | null = null;
  #running: AbortController | null = null;

  constructor(options: {
    readonly everyMs: number;
    readonly check: (signal: AbortSignal) => Promise<void>;
    readonly onError: (error: unknown) => void;
  }) {
    this.#everyMs = options.everyMs;
    this.#check = options.check;
    this.#onError = options.onError;
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.#tick(), this.#everyMs);
    this.#timer.unref();
  }

  /** Stops the timer and aborts a check in progress. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#running?.abort();
    this.#running = null;
  }

  #tick(): void {
    if (this.#running !== null) return;
    const controller = new AbortController();
    this.#running = controller;
    this.#check(controller.signal)
      .catch((error: unknown) => {
        if (!controller.signal.aborted) this.#onError(error);
      })
      .finally(() => {
        if (this.#running === controller) this.#running = null;
      });
  }
}
