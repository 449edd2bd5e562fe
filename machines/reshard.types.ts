/** Where a reshard failed: the budget check, starting the new set, or handing delivery over to it. */
export type ReshardStage = 'budget' | 'start' | 'handover';

/** Input of the reshard machine: one reshard of a manager's shards. */
export interface ReshardInput {
  /** The shard count of the new set. */
  readonly newCount: number;
  /** The shard ids of the new set this process runs. */
  readonly shardIds: readonly number[];
  /** How long both sets deliver (deduplicated) once the new set is loaded, in ms. */
  readonly overlapMs: number;
  /** How long copies of the stopped old set's events are still matched after the handover, in ms. */
  readonly tailMs: number;
}

/** What the reshard machine knows. */
export interface ReshardContext extends ReshardInput {
  /** Where it failed, and with what; null until it fails. */
  readonly failure: {
    /** The stage that failed. */
    readonly stage: ReshardStage;
    /** The error the stage failed with. */
    readonly error: unknown;
  } | null;
}

/** Events the reshard machine accepts (the actors' done and error events aside). */
export type ReshardEvent =
  /** The manager is stopping: give the reshard up (or end its tail, once handed over). */
  {
    /** Discriminant. */
    type: 'reshard.cancel';
  };

/**
 * How a reshard ends, the same for a manager's (`reshardMachine`) and a cluster's
 * (`clusterReshardMachine`): handed over, then done; failed; or cancelled before the handover.
 */
export type ReshardEndEmitted =
  /** The old set was stopped and the new set runs (as the manager's, or this process's, shards). */
  | {
      /** Discriminant. */
      type: 'reshard.handedOver';
    }
  /** The tail has passed: the reshard is complete. */
  | {
      /** Discriminant. */
      type: 'reshard.done';
    }
  /** The reshard failed. */
  | {
      /** Discriminant. */
      type: 'reshard.failed';
      /** The stage that failed. */
      stage: ReshardStage;
      /** The error it failed with. */
      error: unknown;
    }
  /** The owner stopped before the handover (or the commit, in a cluster). */
  | {
      /** Discriminant. */
      type: 'reshard.cancelled';
    };

/** Events the reshard machine emits to its owner. */
export type ReshardEmitted =
  /** The budget covers the new set: its shards are being started. */
  | {
      /** Discriminant. */
      type: 'reshard.started';
    }
  /** Every new shard is ready with its guilds: both sets deliver, deduplicated. */
  | {
      /** Discriminant. */
      type: 'reshard.overlapping';
    }
  | ReshardEndEmitted;
