import type { EventEmitter } from 'node:events';
import { RequestTimeoutError } from '../../errors.js';

/** Options of `waitFor` on the fakes. */
export interface WaitForOptions {
  /** Reject after this long. Default 5000. */
  readonly timeoutMs?: number;
  /** Reject early when this signal aborts (e.g. the gateway closing). */
  readonly signal?: AbortSignal;
}

/**
 * Resolves with the first argument of the next `event` that satisfies `predicate`; rejects with
 * {@link RequestTimeoutError} after `timeoutMs`, so a test fails with a message instead of hanging.
 * Only events emitted after the call count: start waiting before triggering what you wait for.
 */
export function waitForEvent<T>(
  emitter: EventEmitter,
  event: string,
  predicate: ((value: T) => boolean) | undefined,
  options: WaitForOptions = {},
  /** The fake named in rejection messages. */
  owner = 'FakeGateway',
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      emitter.off(event, listener);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const listener = (value: T): void => {
      let matches: boolean;
      try {
        matches = predicate === undefined || predicate(value);
      } catch (error) {
        cleanup();
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (!matches) return;
      cleanup();
      resolve(value);
    };
    const onAbort = (): void => {
      cleanup();
      reject(new Error(`${owner} closed while waiting for "${event}"`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new RequestTimeoutError(`${owner}.waitFor("${event}") timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    if (options.signal?.aborted === true) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    emitter.on(event, listener);
  });
}
