import type { FeedMessage } from './feed-types.js';

/**
 * Throttles the feed for many shards: collects the model's messages for `intervalMs`, then sends them
 * as one `batch`. Within a batch a shard's views are merged into its latest (in the place of its
 * first), so a thousand shards starting cost one view each per interval, not one per step; log
 * entries and voice views are kept in order (the page's log, and a voice's story, need each). With
 * `intervalMs` 0 every message goes out at once, unbatched.
 */
export class FeedBatcher {
  readonly #intervalMs: number;
  readonly #send: (message: FeedMessage) => void;
  #pending: FeedMessage[] = [];
  /** Index in `#pending` of each shard's view. */
  #shardIndex = new Map<number, number>();
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(intervalMs: number, send: (message: FeedMessage) => void) {
    this.#intervalMs = intervalMs;
    this.#send = send;
  }

  add(message: FeedMessage): void {
    if (this.#stopped) return;
    if (this.#intervalMs === 0) {
      this.#send(message);
      return;
    }
    if (message.type === 'shard') {
      const index = this.#shardIndex.get(message.shard.id);
      if (index !== undefined) {
        this.#pending[index] = message;
      } else {
        this.#shardIndex.set(message.shard.id, this.#pending.length);
        this.#pending.push(message);
      }
    } else {
      // A later view of a removed shard's id is a new actor's: it goes after the removal.
      if (message.type === 'shardRemoved') this.#shardIndex.delete(message.id);
      this.#pending.push(message);
    }
    this.#timer ??= setTimeout(() => this.#flush(), this.#intervalMs);
  }

  /** Drops what is pending; nothing is sent any more. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending = [];
  }

  #flush(): void {
    this.#timer = null;
    const messages = this.#pending;
    this.#pending = [];
    this.#shardIndex = new Map();
    if (messages.length === 1) this.#send(messages[0]!);
    else if (messages.length > 1) this.#send({ type: 'batch', messages });
  }
}
