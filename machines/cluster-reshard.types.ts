import type { ReshardEndEmitted, ReshardStage } from './reshard.types.js';

/** Input of the cluster reshard machine: one process's part in one reshard of a `ShardCluster`. */
export interface ClusterReshardInput {
  /** Whether this process called `reshard()` (it checks the budget, announces and commits). */
  readonly coordinator: boolean;
  /** The shard count the cluster runs now. */
  readonly fromCount: number;
  /** The new shard count (a multiple of `fromCount`). */
  readonly newCount: number;
  /** How long copies are still matched after the old set stopped (or after a withdrawal), in ms. */
  readonly tailMs: number;
}

/** The new leases a commit handed this process: new shard id → fencing token. */
export type ClusterReshardLeases = ReadonlyMap<number, number>;

/** What the cluster reshard machine knows. */
export interface ClusterReshardContext extends ClusterReshardInput {
  /** The leases the commit created for this process's new shards (empty until committed). */
  readonly adopted: ClusterReshardLeases;
  /** Where it failed, and with what; null until it fails. */
  readonly failure: {
    /** The stage that failed. */
    readonly stage: ReshardStage;
    /** The error the stage failed with. */
    readonly error: unknown;
  } | null;
  /** Whether the cluster was stopped (the ending is `cancelled`, not `failed`). */
  readonly cancelled: boolean;
}

/** Events the cluster reshard machine accepts (the actors' done and error events aside). */
export type ClusterReshardEvent =
  /** The reshard record in Redis says committed: the new leases are set, the count is the new one. */
  | {
      /** Discriminant. */
      type: 'cluster.committed';
      /** This process's new leases. */
      leases: ClusterReshardLeases;
    }
  /** The reshard record in Redis says aborted, or it vanished before a commit. */
  | {
      /** Discriminant. */
      type: 'cluster.aborted';
      /** Why (a `ReshardFailedError`). */
      error: unknown;
    }
  /** The cluster is stopping. */
  | {
      /** Discriminant. */
      type: 'reshard.cancel';
    };

/** Events the cluster reshard machine emits to its owner. */
export type ClusterReshardEmitted =
  /** The reshard is announced (coordinator) or joined (member): new shards are being started. */
  | {
      /** Discriminant. */
      type: 'reshard.started';
    }
  /** This process's new shards are ready with their guilds (reported to Redis). */
  | {
      /** Discriminant. */
      type: 'reshard.loaded';
    }
  /** The reshard will not complete: stop this process's new shards for good (old set runs on). */
  | {
      /** Discriminant. */
      type: 'reshard.withdrawing';
    }
  | ReshardEndEmitted;
