import { EventEmitter } from 'node:events';

/** Maps event names to the single argument their listeners receive. */
export type EventMap<T> = { [K in keyof T]: unknown };

/**
 * A Node `EventEmitter` with typed event names and payloads. Listeners get one argument.
 * `captureRejections` routes a rejected async listener to the `error` path instead of leaving it unhandled.
 */
export class TypedEmitter<Events extends EventMap<Events>> {
  readonly #emitter = new EventEmitter();

  constructor() {
    // Many shards × many listeners is normal for a bot; the default warning at 10 would be noise.
    this.#emitter.setMaxListeners(0);
  }

  /** Adds a listener. Returns a function that removes it. */
  on<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): () => void {
    this.#emitter.on(event, listener);
    return () => this.#emitter.off(event, listener);
  }

  /** Adds a listener that runs once. Returns a function that removes it. */
  once<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): () => void {
    this.#emitter.once(event, listener);
    return () => this.#emitter.off(event, listener);
  }

  /** Removes a listener. */
  off<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  /** Number of listeners for an event. */
  listenerCount<K extends keyof Events & string>(event: K): number {
    return this.#emitter.listenerCount(event);
  }

  /**
   * Emits an event. A listener that throws does not break the caller (a gateway connection must not
   * die because of a bug in a bot's handler): the error is handed to `onListenerError`.
   * @internal
   */
  emit<K extends keyof Events & string>(event: K, payload: Events[K]): boolean {
    try {
      return this.#emitter.emit(event, payload);
    } catch (error) {
      this.onListenerError(event, error);
      return true;
    }
  }

  /** Called when a listener throws. @internal */
  protected onListenerError(event: string, error: unknown): void {
    // Not swallowed, not fatal: surfaces as a process warning.
    process.emitWarning(error instanceof Error ? error : new Error(String(error)), {
      code: 'STATECORD_LISTENER_ERROR',
      detail: `a listener for "${event}" threw`,
    });
  }
}
