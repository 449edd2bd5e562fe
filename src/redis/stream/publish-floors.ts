import type { SessionDetails, SessionStore } from '../../manager/session-store.js';
import type { ShardSession } from '../../shard/shard-options.js';

/** One shard's current session as the sink sees it. */
interface ShardFloor {
  readonly sessionId: string;
  /** The highest `seq` of the session up to which every dispatch is published (or not to be). */
  floor: number;
  /** Dispatches of the session in the sink's buffer. */
  pending: number;
}

/**
 * Per shard, how far its current session is published: the sequence a session store may save without
 * losing a buffered dispatch if the process dies (a resume replays everything after the saved
 * sequence, docs/protocol/gateway.md §7). @internal
 */
export class PublishFloors {
  readonly #shards = new Map<number, ShardFloor>();
  /** Saves that were held back (clamped), to be written again once the floor reaches them. */
  readonly #held = new Map<number, HeldSave>();

  /** A dispatch reached the sink: `buffered` when it was put in the buffer, false when filtered out. */
  seen(shardId: number, sessionId: string, seq: number, buffered: boolean): void {
    let shard = this.#shards.get(shardId);
    if (shard?.sessionId !== sessionId) {
      // The first dispatch of a session here: what came before it is not this sink's (another process
      // published it, or it arrived before the sink was attached).
      shard = { sessionId, floor: seq - 1, pending: 0 };
      this.#shards.set(shardId, shard);
    }
    if (buffered) shard.pending += 1;
    else if (shard.pending === 0 && seq > shard.floor) shard.floor = seq;
  }

  /** A buffered dispatch was published (`published`) or dropped. */
  settled(shardId: number, sessionId: string, seq: number, published: boolean): void {
    const shard = this.#shards.get(shardId);
    if (shard?.sessionId !== sessionId) return;
    shard.pending -= 1;
    if (published && seq > shard.floor) shard.floor = seq;
  }

  /** `session` with its sequence lowered to what is published, if the sink holds some of it back. */
  clamp(shardId: number, session: ShardSession): ShardSession {
    const shard = this.#shards.get(shardId);
    if (shard?.sessionId !== session.sessionId || session.sequence === null) return session;
    if (session.sequence <= shard.floor) return session;
    return { ...session, sequence: Math.max(0, shard.floor) };
  }

  /**
   * Writes again the saves that were held back, as far as what is now published (called after each
   * published batch): a manager saves a sequence only when it moved, so without this a quiet shard's
   * entry would stay behind until its next dispatch. A failed write is left to the manager's next save.
   */
  release(): void {
    for (const [shardId, held] of this.#held) {
      const shard = this.#shards.get(shardId);
      if (shard?.sessionId !== held.session.sessionId) {
        this.#held.delete(shardId);
        continue;
      }
      if (shard.floor <= held.written) continue;
      const session = this.clamp(shardId, held.session);
      if (session === held.session) this.#held.delete(shardId);
      else held.written = session.sequence ?? 0;
      void Promise.resolve()
        .then(() => held.store.set(shardId, session, held.details))
        .catch(() => undefined);
    }
  }

  /** A session store whose saved sequences never run ahead of what is published. */
  guard(store: SessionStore): SessionStore {
    const guarded: SessionStore = {
      get: (shardId) => store.get(shardId),
      set: (shardId, session, details) => {
        const clamped = this.clamp(shardId, session);
        if (clamped === session) this.#held.delete(shardId);
        else this.#held.set(shardId, { store, session, details, written: clamped.sequence ?? 0 });
        return store.set(shardId, clamped, details);
      },
      delete: (shardId) => {
        this.#held.delete(shardId);
        return store.delete(shardId);
      },
    };
    return store.refreshMs === undefined ? guarded : { ...guarded, refreshMs: store.refreshMs };
  }
}

/** A save the guard lowered: the session as the manager saved it, and the sequence written so far. */
interface HeldSave {
  readonly store: SessionStore;
  readonly session: ShardSession;
  readonly details: SessionDetails | undefined;
  written: number;
}
