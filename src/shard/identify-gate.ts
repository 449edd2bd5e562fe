import { ShardStoppedError } from '../errors.js';

/**
 * Decides when a shard may send IDENTIFY. One method, so a bot can share one gate between shards,
 * processes or hosts. Resolve when the shard may identify; reject (or honour `signal`) to give up.
 */
export interface IdentifyGate {
  /** Resolves when `shardId` may send IDENTIFY; rejects when `signal` aborts first (the shard stopped). */
  waitForIdentify(shardId: number, signal: AbortSignal): Promise<void>;
  /**
   * Optional: the gateway answered the IDENTIFY this gate last let `shardId` send (READY or op 9), or
   * its connection closed first. Discord measures a bucket's interval between identifies as they
   * arrive; an answer proves the last one has arrived, so a gate that counts the next interval from
   * here keeps the spacing on arrival however late that identify travelled (docs/protocol/gateway.md §5).
   */
  identifyAnswered?(shardId: number): void;
}

/** Options of {@link BucketIdentifyGate}. */
export interface BucketIdentifyGateOptions {
  /** `max_concurrency` from `/gateway/bot`: identifies allowed per interval, one per bucket. */
  readonly maxConcurrency?: number;
  /** Interval per bucket; Discord's is 5 s (docs/protocol/gateway.md §5). */
  readonly intervalMs?: number;
}

/**
 * One identify per bucket (`shard_id % max_concurrency`) per interval, buckets in parallel, waiters of
 * a bucket served first come, first served. In-process only.
 */
export class BucketIdentifyGate implements IdentifyGate {
  /** `max_concurrency`: identifies of different buckets (`shard_id % maxConcurrency`) run in parallel. */
  readonly maxConcurrency: number;
  /** Time between two identifies of one bucket, in milliseconds. */
  readonly intervalMs: number;
  /** Per bucket: when the next identify may go, the shard that went last, and the tail of its queue. */
  readonly #buckets = new Map<number, { nextAt: number; lastShardId: number; tail: Promise<void> }>();

  constructor(options: BucketIdentifyGateOptions = {}) {
    this.maxConcurrency = Math.max(1, Math.floor(options.maxConcurrency ?? 1));
    this.intervalMs = Math.max(0, options.intervalMs ?? 5_000);
  }

  /** Resolves at the bucket's next free slot; rejects with `ShardStoppedError` when `signal` aborts first. */
  waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
    const key = shardId % this.maxConcurrency;
    const bucket = this.#buckets.get(key) ?? { nextAt: 0, lastShardId: -1, tail: Promise.resolve() };
    this.#buckets.set(key, bucket);
    const turn = bucket.tail.then(() => this.#takeSlot(bucket, shardId, signal));
    // The next waiter queues behind this one whether it succeeds or is aborted.
    bucket.tail = turn.catch(() => undefined);
    return turn;
  }

  /** Counts the bucket's interval from the answer, when it is the answer to the bucket's last identify. */
  identifyAnswered(shardId: number): void {
    const bucket = this.#buckets.get(shardId % this.maxConcurrency);
    if (bucket === undefined || bucket.lastShardId !== shardId) return;
    bucket.nextAt = Math.max(bucket.nextAt, Date.now() + this.intervalMs);
  }

  async #takeSlot(
    bucket: { nextAt: number; lastShardId: number },
    shardId: number,
    signal: AbortSignal,
  ): Promise<void> {
    // Loop: an answer may move `nextAt` later while this waiter sleeps.
    for (let waitMs = bucket.nextAt - Date.now(); waitMs > 0; waitMs = bucket.nextAt - Date.now()) {
      await abortableDelay(waitMs, signal);
    }
    if (signal.aborted) throw new ShardStoppedError('identify wait aborted');
    bucket.nextAt = Date.now() + this.intervalMs;
    bucket.lastShardId = shardId;
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new ShardStoppedError('identify wait aborted'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ShardStoppedError('identify wait aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
