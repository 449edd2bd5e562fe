/** A `session_start_limit` of `GET /gateway/bot` (docs/protocol/gateway.md §1.1), with `reset_after` in milliseconds. */
export interface SessionStartBudget {
  /** Identifies allowed per window (1000 for most bots). */
  readonly total: number;
  /** Identifies left in the current window. */
  readonly remaining: number;
  /** Milliseconds from now until `remaining` refills to `total` (`reset_after`). */
  readonly resetAfterMs: number;
}

/** What {@link SessionStartGate.configure} may change at run time, e.g. from fresh `/gateway/bot` numbers. */
export interface SessionStartGateConfig {
  /** `max_concurrency`: buckets are `shard_id % maxConcurrency` (docs/protocol/gateway.md §5). */
  readonly maxConcurrency?: number;
  /** Time between two identifies of one bucket. Discord's is 5000 ms (docs/protocol/gateway.md §5). */
  readonly intervalMs?: number;
  /** Replaces the daily session-start budget; `resetAfterMs` counts from now. */
  readonly budget?: SessionStartBudget;
}

/** Options of {@link SessionStartGate}. Timing is injectable so tests run on a virtual clock. */
export interface SessionStartGateOptions extends SessionStartGateConfig {
  /**
   * How long a bucket waits for the answer to its last identify (`identifyAnswered`) before it grants
   * the next one anyway. Only for callers that report answers (a `ShardManager` does); default 0: the
   * gate never waits for an answer, it only counts from one that came.
   */
  readonly answerTimeoutMs?: number;
  /**
   * Length of every window after the first reset. Discord's budget is per 24 h (docs/protocol/gateway.md §5), so the
   * default is 86 400 000; feed fresh `/gateway/bot` numbers with `updateBudget` when you can.
   */
  readonly budgetWindowMs?: number;
  /** Milliseconds clock. Default `Date.now`. */
  readonly now?: () => number;
  /** Timer used to wake at the next grant or reset. Default the global `setTimeout`. */
  setTimeout?(callback: () => void, ms: number): unknown;
  /** Cancels a handle of `setTimeout`. Default the global `clearTimeout`. */
  clearTimeout?(handle: unknown): void;
}

/** Events of a {@link SessionStartGate}. */
export interface SessionStartGateEvents {
  /** An identify was allowed. `remaining` is the budget left after it (null: no budget known). */
  identifyGranted: {
    /** The shard allowed to identify. */
    readonly shardId: number;
    /** Its bucket, `shardId % maxConcurrency`. */
    readonly bucket: number;
    /** When it was allowed, on the gate's clock (ms). */
    readonly at: number;
    /** Session starts left after this one; null when no budget is known. */
    readonly remaining: number | null;
  };
  /** The budget is used up and shards are waiting: the gate holds them until `resetAt` (or an update). */
  budgetExhausted: {
    /** When the budget resets, on the gate's clock (ms). */
    readonly resetAt: number;
    /** How many shards wait for it. */
    readonly waiting: number;
  };
  /** The budget was refilled: at its reset time, or by `updateBudget` ending a hold. */
  budgetRefilled: {
    /** Session starts per window. */
    readonly total: number;
    /** Session starts left now. */
    readonly remaining: number;
    /** When the new window resets, on the gate's clock (ms). */
    readonly resetAt: number;
  };
}
