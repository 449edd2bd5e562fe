import type { ShardSession } from '../shard/shard-options.js';

/**
 * Where a manager keeps its shards' sessions so that a new process can resume them (a bot restart
 * without re-identifying). Values are plain JSON. Methods may be sync or async; the manager never
 * awaits them on the dispatch path.
 */
export interface SessionStore {
  /** The session saved for `shardId`, or null/undefined when there is none. */
  get(shardId: number): ShardSession | null | undefined | Promise<ShardSession | null | undefined>;
  /** Saves `session` as the one of `shardId`, replacing what was there. */
  set(shardId: number, session: ShardSession): void | Promise<void>;
  /** Forgets the session of `shardId` (it was lost, or the shard stopped for good). */
  delete(shardId: number): void | Promise<void>;
  /**
   * Optional, for stores whose entries expire (e.g. `RedisSessionStore`): a manager re-saves a live
   * session at least this often even when its sequence did not move, so a quiet shard's entry stays.
   */
  readonly refreshMs?: number;
}

/** The default {@link SessionStore}: a map in this process (share one instance between managers). */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<number, ShardSession>();

  /** The session saved for `shardId`, or null. */
  get(shardId: number): ShardSession | null {
    return this.#sessions.get(shardId) ?? null;
  }

  /** Saves a copy of `session` for `shardId`. */
  set(shardId: number, session: ShardSession): void {
    // A copy: the caller's object must not change what is stored.
    this.#sessions.set(shardId, { ...session });
  }

  /** Forgets the session of `shardId`. */
  delete(shardId: number): void {
    this.#sessions.delete(shardId);
  }

  /** A JSON-serialisable copy of every stored session, keyed by shard id. */
  toJSON(): Record<number, ShardSession> {
    return Object.fromEntries(this.#sessions);
  }
}
