import type { APIGatewaySessionStartLimit } from 'discord-api-types/v10';
import type { ResolvedFakeGatewayOptions } from './options.js';

/**
 * The two identify limits of docs/protocol/gateway.md §5: one Identify per bucket (`shard_id % max_concurrency`) per
 * `identifyIntervalMs`, and the daily `session_start_limit` that refills every `resetAfter` ms.
 * Refills are computed lazily, so no timer keeps the process alive.
 */
export class IdentifyLimits {
  private readonly bucketUsedAt = new Map<number, number>();
  private remaining: number;
  private resetAt: number;

  constructor(
    private readonly options: Pick<
      ResolvedFakeGatewayOptions,
      'maxConcurrency' | 'identifyIntervalMs' | 'sessionStartLimit'
    >,
    now: number,
  ) {
    this.remaining = options.sessionStartLimit.remaining;
    this.resetAt = now + options.sessionStartLimit.resetAfter;
  }

  bucketOf(shardId: number): number {
    return shardId % this.options.maxConcurrency;
  }

  isBucketFree(bucket: number, now: number): boolean {
    const usedAt = this.bucketUsedAt.get(bucket);
    return usedAt === undefined || now - usedAt >= this.options.identifyIntervalMs;
  }

  useBucket(bucket: number, now: number): void {
    this.bucketUsedAt.set(bucket, now);
  }

  /** Spends one session start; false when none is left in this window. */
  spendSessionStart(now: number): boolean {
    this.refill(now);
    if (this.remaining === 0) return false;
    this.remaining -= 1;
    return true;
  }

  /** The `session_start_limit` object of `GET /gateway/bot`. */
  snapshot(now: number): APIGatewaySessionStartLimit {
    this.refill(now);
    return {
      total: this.options.sessionStartLimit.total,
      remaining: this.remaining,
      reset_after: Math.max(0, this.resetAt - now),
      max_concurrency: this.options.maxConcurrency,
    };
  }

  private refill(now: number): void {
    if (now < this.resetAt) return;
    const window = this.options.sessionStartLimit.resetAfter;
    this.remaining = this.options.sessionStartLimit.total;
    this.resetAt += Math.ceil((now - this.resetAt + 1) / window) * window;
  }
}
