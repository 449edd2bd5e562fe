import type { IdentifyGate } from '../../shard/identify-gate.js';

/** An identify gate that lets a test decide when (and whether) each waiting shard may identify. */
export class ManualIdentifyGate implements IdentifyGate {
  readonly #waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  readonly #listeners = new Set<() => void>();

  waitForIdentify(_shardId: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = { resolve, reject };
      this.#waiting.push(entry);
      signal.addEventListener('abort', () => this.#remove(entry), { once: true });
      for (const listener of this.#listeners) listener();
    });
  }

  /** How many shards are waiting. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Lets the longest-waiting shard identify. */
  grant(): void {
    this.#take().resolve();
  }

  /** Refuses the longest-waiting shard (its machine sees the gate's error). */
  refuse(error = new Error('identify refused by the test gate')): void {
    this.#take().reject(error);
  }

  /** Resolves once at least one shard waits. */
  whenWaiting(): Promise<void> {
    if (this.#waiting.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const listener = () => {
        this.#listeners.delete(listener);
        resolve();
      };
      this.#listeners.add(listener);
    });
  }

  #take() {
    const entry = this.#waiting.shift();
    if (entry === undefined) throw new Error('no shard is waiting to identify');
    return entry;
  }

  #remove(entry: { resolve: () => void; reject: (error: Error) => void }): void {
    const index = this.#waiting.indexOf(entry);
    if (index >= 0) this.#waiting.splice(index, 1);
  }
}
