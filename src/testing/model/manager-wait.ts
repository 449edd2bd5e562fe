/** Options of {@link waitUntil}. */
export interface WaitUntilOptions {
  /** Reject after this long. */
  readonly timeoutMs: number;
  /** What was seen instead, for the timeout's message. */
  readonly actual?: () => string;
  /** Checked with the condition: an error that ends the wait at once (null: wait on). */
  readonly abort?: () => Error | null;
}

/**
 * Resolves when `condition` holds, polling every 2 ms (sockets, timers and actors change it without
 * telling); rejects after `timeoutMs` saying what it waited for, or at once with `abort`'s error.
 */
export function waitUntil(condition: () => boolean, what: string, options: WaitUntilOptions): Promise<void> {
  const aborted = options.abort?.() ?? null;
  if (aborted !== null) return Promise.reject(aborted);
  if (condition()) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      const error = options.abort?.() ?? null;
      if (error !== null) {
        cleanup();
        reject(error);
      } else if (condition()) {
        cleanup();
        resolve();
      }
    }, 2);
    const timer = setTimeout(() => {
      cleanup();
      const actual = options.actual === undefined ? '' : `; actual ${options.actual()}`;
      reject(
        options.abort?.() ??
          new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${actual}`),
      );
    }, options.timeoutMs);
    const cleanup = () => {
      clearInterval(poll);
      clearTimeout(timer);
    };
  });
}
