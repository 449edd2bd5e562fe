import { ListenerError } from '../errors.js';
import { reportUnheardWarning } from './process-warning.js';

/** Maps event names to the single argument their listeners receive. */
export type EventMap<T> = { [K in keyof T]: unknown };

/**
 * A listener of a `TypedEmitter`: it gets the event's payload. It may be `async`; a promise it
 * returns is watched for rejection, never awaited.
 */
export type Listener<T> = (payload: T) => unknown;

interface Registration {
  readonly listener: Listener<never>;
  readonly once: boolean;
}

/**
 * An event emitter with typed event names and payloads, built for listeners that are not ours: each
 * listener runs isolated. A listener that throws, or returns a promise that rejects, is reported to
 * {@link TypedEmitter.onListenerError} (a `warning` on shards and managers), and every other listener
 * of the event still runs. A gateway connection must not die, nor a neighbour starve, because of a bug
 * in a bot's handler (DESIGN.md practice 19).
 *
 * Listener lists are copied on write, so `emit` (the dispatch hot path) allocates nothing and a
 * listener added or removed during an emit takes effect from the next one.
 */
export class TypedEmitter<Events extends EventMap<Events>> {
  /** Created on the first listener: most emitters of a big bot have few events listened to. */
  #listeners: Map<string, readonly Registration[]> | null = null;

  /** Adds a listener. Returns a function that removes it. */
  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): () => void {
    this.#add(event, { listener, once: false });
    return () => this.off(event, listener);
  }

  /** Adds a listener that runs once. Returns a function that removes it. */
  once<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): () => void {
    this.#add(event, { listener, once: true });
    return () => this.off(event, listener);
  }

  /** Removes a listener (its most recent registration, as Node's `EventEmitter` does). */
  off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): void {
    const list = this.#listeners?.get(event);
    if (list === undefined) return;
    const index = list.findLastIndex((registration) => registration.listener === listener);
    if (index === -1) return;
    this.#set(event, [...list.slice(0, index), ...list.slice(index + 1)]);
  }

  /** Number of listeners for an event. */
  listenerCount<K extends keyof Events & string>(event: K): number {
    return this.#listeners?.get(event)?.length ?? 0;
  }

  /**
   * Calls every listener of `event` with `payload`, each isolated (see the class). Returns whether the
   * event had listeners. @internal
   */
  emit<K extends keyof Events & string>(event: K, payload: Events[K]): boolean {
    const list = this.#listeners?.get(event);
    if (list === undefined) return false;
    for (const registration of list) {
      if (registration.once) this.#removeRegistration(event, registration);
      this.#call(event, registration.listener as Listener<Events[K]>, payload);
    }
    return true;
  }

  /**
   * Where a listener's throw or rejection goes. The default reports it as a process warning (once per
   * code, Node's convention); shards and managers turn it into their `warning` event. @internal
   */
  protected onListenerError(event: string, error: unknown): void {
    reportUnheardWarning(new ListenerError(event, error));
  }

  #call<T>(event: string, listener: Listener<T>, payload: T): void {
    try {
      const result = listener(payload);
      if (isThenable(result)) result.then(undefined, (error: unknown) => this.#listenerFailed(event, error));
    } catch (error) {
      this.#listenerFailed(event, error);
    }
  }

  #listenerFailed(event: string, error: unknown): void {
    try {
      this.onListenerError(event, error);
    } catch (reportError) {
      // The report itself failed (e.g. a `warning` listener threw): Node's channel is the last resort.
      reportUnheardWarning(new ListenerError(event, reportError));
    }
  }

  #add(event: string, registration: Registration): void {
    this.#listeners ??= new Map();
    this.#set(event, [...(this.#listeners.get(event) ?? []), registration]);
  }

  #removeRegistration(event: string, registration: Registration): void {
    const list = this.#listeners?.get(event);
    if (list === undefined) return;
    this.#set(
      event,
      list.filter((candidate) => candidate !== registration),
    );
  }

  #set(event: string, list: readonly Registration[]): void {
    const had = this.#listeners?.has(event) ?? false;
    if (list.length === 0) this.#listeners?.delete(event);
    else this.#listeners?.set(event, list);
    if (had !== list.length > 0) this.onListenedChanged(event);
  }

  /** The events that have at least one listener now. @internal */
  listenedEvents(): string[] {
    return this.#listeners === null ? [] : [...this.#listeners.keys()];
  }

  /**
   * Called when an event gains its first listener or loses its last (worker sharding forwards which
   * dispatch types are wanted to the thread that reads them). The default does nothing. @internal
   */
  protected onListenedChanged(event: string): void {
    void event;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
