import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import { dispatchIdentity } from './dispatch-identity.js';

/** Which shard set a copy of an event came from. */
export type ShardSetRole = 'old' | 'new';

/** A copy delivered and not matched yet by the other set's copy. */
interface Copy {
  readonly key: string;
  readonly role: ShardSetRole;
  readonly at: number;
  matched: boolean;
}

/** What the dedupe did, for the `resharded` event and tests. */
export interface OverlapDedupeStats {
  /** Copies delivered to the manager's listeners. */
  readonly delivered: number;
  /** Copies dropped because the other set's copy of the event had been delivered. */
  readonly duplicates: number;
}

/**
 * Delivers each event seen on two shard sets once (docs/protocol/resharding.md §2). During a reshard
 * both sets receive every event (Discord routes each session by its own count). A copy is matched one
 * to one with an unmatched copy of the same identity from the other set: matched, it is the second
 * copy and is dropped; unmatched, it is delivered and waits for its twin. One-to-one matching keeps
 * legitimate repeats: a reaction added, removed and added again is two adds on each set, two deliveries.
 *
 * Unmatched copies are forgotten after `windowMs`: the twin of a copy that arrives later than that on
 * the other set is delivered again (the limit stated in docs/protocol/resharding.md §2).
 */
export class OverlapDedupe {
  /** Unmatched copies per identity, oldest first (all of one set: a copy of the other would match). */
  readonly #unmatched = new Map<string, Copy[]>();
  /** Every delivered copy in arrival order, to forget them by age. */
  #queue: Copy[] = [];
  #head = 0;
  readonly #windowMs: number;
  readonly #now: () => number;
  #delivered = 0;
  #duplicates = 0;

  constructor(options: { readonly windowMs: number; readonly now: () => number }) {
    this.#windowMs = options.windowMs;
    this.#now = options.now;
  }

  /** Whether this copy of `payload` from the `role` set is to be delivered (the first of its event). */
  admit(role: ShardSetRole, payload: GatewayDispatchPayload): boolean {
    const now = this.#now();
    this.#forgetBefore(now - this.#windowMs);
    const key = dispatchIdentity(payload);
    const waiting = this.#unmatched.get(key);
    const twin = waiting?.[0];
    if (waiting !== undefined && twin !== undefined && twin.role !== role) {
      twin.matched = true;
      waiting.shift();
      if (waiting.length === 0) this.#unmatched.delete(key);
      this.#duplicates++;
      return false;
    }
    const copy: Copy = { key, role, at: now, matched: false };
    if (waiting === undefined) this.#unmatched.set(key, [copy]);
    else waiting.push(copy);
    this.#queue.push(copy);
    this.#delivered++;
    return true;
  }

  /** Counts so far. */
  get stats(): OverlapDedupeStats {
    return { delivered: this.#delivered, duplicates: this.#duplicates };
  }

  /** Copies waiting for their twin now (bounded by the event rate times `windowMs`). */
  get unmatched(): number {
    let count = 0;
    for (const copies of this.#unmatched.values()) count += copies.length;
    return count;
  }

  #forgetBefore(cutoff: number): void {
    const queue = this.#queue;
    while (this.#head < queue.length && queue[this.#head]!.at < cutoff) {
      const copy = queue[this.#head++]!;
      if (copy.matched) continue;
      // The oldest unmatched copy of its identity is the oldest in the queue too: it is first.
      const waiting = this.#unmatched.get(copy.key);
      waiting?.shift();
      if (waiting?.length === 0) this.#unmatched.delete(copy.key);
    }
    if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
