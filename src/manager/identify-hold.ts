import { ShardStoppedError } from '../errors.js';
import type { IdentifyGate } from '../shard/identify-gate.js';

/**
 * Holds the identifies of shards started while a manager prepares its start (`manager.startEarly`):
 * their sockets open and get HELLO while `GET /gateway/bot` is in flight, but none may identify before
 * the gate knows `max_concurrency` and the session-start budget (docs/protocol/gateway.md §5, §13). Released
 * when the preparation ends; failed with the preparation's error when the token was rejected (the
 * shards then fail as the shard machine fails a rejected token, without identifying). @internal
 */
export class IdentifyHold {
  #settled = false;
  #error: Error | undefined = undefined;
  readonly #waiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();

  /** Resolves once released; rejects with the failure, or with `ShardStoppedError` when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void> {
    if (this.#settled) return this.#error === undefined ? Promise.resolve() : Promise.reject(this.#error);
    if (signal.aborted) return Promise.reject(new ShardStoppedError('identify wait aborted'));
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error: Error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        this.#waiters.delete(waiter);
        reject(new ShardStoppedError('identify wait aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** The preparation ended: every held identify goes on to the gate. */
  release(): void {
    this.#settle(undefined);
  }

  /** The preparation failed for good (a rejected token): every held identify rejects with `error`. */
  fail(error: unknown): void {
    this.#settle(
      error instanceof Error ? error : new Error('the start preparation failed', { cause: error }),
    );
  }

  #settle(error: Error | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#error = error;
    for (const waiter of this.#waiters) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
    this.#waiters.clear();
  }
}

/**
 * The gate a manager's shards wait on: `gate`, behind the hold of the start being prepared, if any. A
 * shard started outside a preparation (no hold) asks the gate directly. @internal
 */
export function heldIdentifyGate(gate: IdentifyGate, hold: () => IdentifyHold | null): IdentifyGate {
  return {
    waitForIdentify(shardId, signal) {
      const current = hold();
      if (current === null) return gate.waitForIdentify(shardId, signal);
      return current.wait(signal).then(() => gate.waitForIdentify(shardId, signal));
    },
  };
}
