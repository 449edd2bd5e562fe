import type { Shard } from '../shard/shard.js';
import type { ShardSession } from '../shard/shard-options.js';
import type { SessionDetails, SessionStore } from './session-store.js';

/**
 * Keeps a manager's session store current: a shard's session is saved as soon as it is live (READY or
 * RESUMED), its sequence every `everyMs` while it moves, and on stop (kept for a resumable stop,
 * deleted otherwise). A store error never throws: it is reported and the shard goes on.
 */
export class SessionSaver {
  readonly #store: SessionStore;
  readonly #everyMs: number;
  readonly #onError: (error: unknown, shard: Shard) => void;
  readonly #details: SessionDetails;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    store: SessionStore,
    everyMs: number,
    onError: (error: unknown, shard: Shard) => void,
    details: SessionDetails,
  ) {
    this.#store = store;
    this.#details = details;
    this.#everyMs = everyMs;
    this.#onError = onError;
  }

  /** Saves (`keep`) or deletes a shard's session. Never rejects. */
  async persist(shard: Shard, keep: boolean): Promise<void> {
    try {
      const session = shard.session;
      if (keep && session !== null) await this.#store.set(shard.id, session, this.#details);
      else await this.#store.delete(shard.id);
    } catch (error) {
      this.#onError(error, shard);
    }
  }

  /** Loads a shard's saved session (null: none); undefined when the store failed (reported). */
  async load(shard: Shard): Promise<ShardSession | null | undefined> {
    try {
      return (await this.#store.get(shard.id)) ?? null;
    } catch (error) {
      this.#onError(error, shard);
      return undefined;
    }
  }

  /**
   * Saves the sequences of live sessions every `everyMs` (only those that moved, and those not saved
   * for the store's `refreshMs`, if it has one). All saves of one tick are issued together, so a store
   * that batches (`RedisSessionStore`) writes them in one round trip.
   */
  start(shards: () => readonly Shard[]): void {
    if (this.#timer !== null) return;
    const saved = new Map<number, { readonly sequence: number | null; readonly at: number }>();
    const refreshMs = this.#store.refreshMs ?? Infinity;
    this.#timer = setInterval(() => {
      const now = Date.now();
      for (const shard of shards()) {
        const sequence = shard.session?.sequence ?? null;
        const last = saved.get(shard.id);
        if (shard.state !== 'ready') continue;
        if (last?.sequence === sequence && now - last.at < refreshMs) continue;
        saved.set(shard.id, { sequence, at: now });
        void this.persist(shard, true);
      }
    }, this.#everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
