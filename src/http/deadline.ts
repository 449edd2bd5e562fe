/** The largest delay `setTimeout` honours (2^31 − 1 ms, about 24.8 days); a larger one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * An `AbortSignal` that aborts when `parent` does (with the parent's reason) or when `ms` have
 * passed, whichever comes first; {@link expired} tells the two apart. Handing its `signal` to undici
 * bounds the headers and the whole body together, which undici's own timeouts (per read) do not.
 *
 * Linked by hand rather than with `AbortSignal.any`, so that {@link dispose} removes the listener from
 * a long-lived parent at once; call it when the bounded work is over.
 *
 * @internal
 */
export class Deadline {
  readonly signal: AbortSignal;
  readonly ms: number;
  readonly #controller = new AbortController();
  readonly #endsAt: number;
  readonly #timer: NodeJS.Timeout;
  readonly #parent: AbortSignal | undefined;
  #expired = false;

  constructor(parent: AbortSignal | undefined, ms: number) {
    this.ms = ms;
    this.signal = this.#controller.signal;
    this.#endsAt = performance.now() + ms;
    this.#parent = parent;
    this.#timer = setTimeout(() => {
      this.#expired = true;
      this.#controller.abort(new Error(`the deadline of ${ms} ms passed`));
    }, ms);
    if (parent?.aborted) this.#onParentAbort();
    else parent?.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  /** Whether the timer fired (rather than the parent aborting). */
  get expired(): boolean {
    return this.#expired;
  }

  /** Milliseconds left before the timer fires; 0 once it has, or once the parent aborted. */
  remainingMs(): number {
    return this.signal.aborted ? 0 : Math.max(0, this.#endsAt - performance.now());
  }

  /** Clears the timer and unlinks the parent. The signal stays as it is. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
  }

  readonly #onParentAbort = (): void => {
    clearTimeout(this.#timer);
    this.#controller.abort(this.#parent?.reason);
  };
}
