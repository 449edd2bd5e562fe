import type { GatewayCompression } from '../gateway/gateway-url.js';
import type { ShardSession } from '../shard/shard-options.js';

/**
 * What a manager tells a store about the connection that saved a session, beside the session itself.
 * For operators inspecting a store (e.g. `RedisSessionStore.inspect`); never needed to resume, and a
 * store may ignore it.
 */
export interface SessionDetails {
  /**
   * The transport compression of the shard that saved the session (its `compress` option). A record
   * only: transport compression is chosen per connection in the URL's query and a resume opens a new
   * connection with a new stream (docs/protocol/gateway.md §1.2, §1.4), so a session saved under one
   * compression is resumed under any other.
   */
  readonly compress: GatewayCompression;
}

/**
 * Where a manager keeps its shards' sessions so that a new process can resume them (a bot restart
 * without re-identifying). Values are plain JSON. Methods may be sync or async; the manager never
 * awaits them on the dispatch path.
 */
export interface SessionStore {
  /** The session saved for `shardId`, or null/undefined when there is none. */
  get(shardId: number): ShardSession | null | undefined | Promise<ShardSession | null | undefined>;
  /**
   * Saves `session` as the one of `shardId`, replacing what was there. A `ShardManager` passes
   * `details` too (optional for stores written before it existed: they keep working).
   */
  set(shardId: number, session: ShardSession, details?: SessionDetails): void | Promise<void>;
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
