import { performance } from 'node:perf_hooks';

/** The time source of the media timers; tests inject a fake one (DESIGN.md principle 4). */
export interface MediaClock {
  /** Monotonic milliseconds (fractional). */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * `performance.now()` and real timers. The timers are unref'ed: pacing audio never keeps the process
 * alive by itself (the voice sockets do while a connection lives).
 */
export const realMediaClock: MediaClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
