import { performance } from 'node:perf_hooks';

/** The time source of an `OutboundSender`; tests inject a fake one (DESIGN.md principle 4). */
export interface SenderClock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Real timers on a monotonic clock (a wall-clock jump must not open or shut the send window). Timers
 * are unref'ed: a queue waiting for its window never keeps the process alive on its own.
 */
export const realSenderClock: SenderClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
