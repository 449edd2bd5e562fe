import { ShardStoppedError } from '../errors.js';

/**
 * Decides when a shard may send IDENTIFY. One method, so a bot can share one gate between shards,
 * processes or hosts. Resolve when the shard may identify; reject (or honour `signal`) to give up.
 */
export interface IdentifyGate {
  waitForIdentify(shardId: number, signal: AbortSignal): Promise<void>;
}

/** Options of {@link BucketIdentifyGate}. */
export interface BucketIdentifyGateOptions {
  /** `max_concurrency` from `/gateway/bot`: identifies allowed per interval, one per bucket. */
  readonly maxConcurrency?: number;
  /** Interval per bucket; Discord's is 5 s (gateway.md §5). */
  readonly intervalMs?: number;
}

/**
 * One identify per bucket (`shard_id % max_concurrency`) per interval, buckets in parallel, waiters of
 * a bucket served first come, first served. In-process only.
 */
export class BucketIdentifyGate implements IdentifyGate {
  readonly maxConcurrency: number;
  readonly intervalMs: number;
  /** Per bucket: when the next identify may go, and the tail of its queue. */
  readonly #buckets = new Map<number, { nextAt: number; tail: Promise<void> }>();

  constructor(options: BucketIdentifyGateOptions = {}) {
    this.maxConcurrency = Math.max(1, Math.floor(options.maxConcurrency ?? 1));
    this.intervalMs = Math.max(0, options.intervalMs ?? 5_000);
  }

  waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
    const key = shardId % this.maxConcurrency;
    const bucket = this.#buckets.get(key) ?? { nextAt: 0, tail: Promise.resolve() };
    this.#buckets.set(key, bucket);
    const turn = bucket.tail.then(() => this.#takeSlot(bucket, signal));
    // The next waiter queues behind this one whether it succeeds or is aborted.
    bucket.tail = turn.catch(() => undefined);
    return turn;
  }

  async #takeSlot(bucket: { nextAt: number }, signal: AbortSignal): Promise<void> {
    const waitMs = bucket.nextAt - Date.now();
    if (waitMs > 0) await abortableDelay(waitMs, signal);
    if (signal.aborted) throw new ShardStoppedError('identify wait aborted');
    bucket.nextAt = Date.now() + this.intervalMs;
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
