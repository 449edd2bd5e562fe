import type { SenderClock } from './sender-clock.js';

/**
 * The sender's single timer: wakes it when the window will have room again. Arming it for a later
 * time than it is already armed for keeps the earlier one, so queued sends cost no timer each.
 *
 * @internal
 */
export class WakeTimer {
  readonly #clock: SenderClock;
  readonly #onWake: () => void;
  #handle: unknown = null;
  #dueAt = 0;

  constructor(clock: SenderClock, onWake: () => void) {
    this.#clock = clock;
    this.#onWake = onWake;
  }

  /** Wakes in `ms` (ignored when infinite), unless already due at or before then. */
  wakeIn(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const dueAt = this.#clock.now() + ms;
    if (this.#handle !== null) {
      if (this.#dueAt <= dueAt) return;
      this.#clock.clearTimeout(this.#handle);
    }
    this.#dueAt = dueAt;
    // Real timers take whole milliseconds; waking a little late is harmless, early just re-arms.
    this.#handle = this.#clock.setTimeout(
      () => {
        this.#handle = null;
        this.#onWake();
      },
      Math.max(1, Math.ceil(ms)),
    );
  }

  cancel(): void {
    if (this.#handle === null) return;
    this.#clock.clearTimeout(this.#handle);
    this.#handle = null;
  }
}
