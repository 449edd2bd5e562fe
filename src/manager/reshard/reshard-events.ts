import type { ReshardOutcome } from './resharder.js';

/** The resharding events of a `ShardManager` (part of `ShardManagerEvents`). */
export interface ReshardManagerEvents {
  /** `reshard()` passed its budget check: the new set is starting next to the running shards. */
  reshardStarted: {
    /** The shard count the running shards identified with. */
    readonly from: number;
    /** The new shard count. */
    readonly to: number;
  };
  /** A reshard completed: `shards` are the new set, the old sessions are ended. */
  resharded: ReshardOutcome & {
    /** The old shard count. */
    readonly from: number;
    /** The new shard count. */
    readonly to: number;
  };
  /** A reshard failed or was cancelled by `stopShards()` (what `reshard()` rejects with). */
  reshardFailed: {
    /** `ReshardBudgetError`, `ReshardFailedError`, `ShardStoppedError` or an `Http*Error`. */
    readonly error: Error;
  };
}
