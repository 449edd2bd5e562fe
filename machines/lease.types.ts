/** Timings of `ShardCluster`'s dynamic mode (checked by `ShardCluster`). */
export interface LeaseTimings {
  /** A lease's TTL in Redis (server clock). */
  readonly leaseMs: number;
  /** Time between two ticks (renewals); also the longest a tick's Redis call may take. */
  readonly renewMs: number;
  /** How long a process waits, after it starts or after Redis answers again, before it claims. */
  readonly claimGraceMs: number;
}

/** Input of the lease machine: who this process is and what it shares. */
export interface LeaseInput {
  /** This process's name among the members. */
  readonly memberId: string;
  /** The bot's shard count. */
  readonly shardCount: number;
  /** The bot's `max_concurrency` (identify buckets), for the bucket-spreading slices. */
  readonly maxConcurrency: number;
  /** The dynamic mode's timings. */
  readonly timings: LeaseTimings;
}

/** A held lease: shard id and fencing token. */
export type LeasePair = readonly [shardId: number, fence: number];

/** Context of the lease machine: the leases this process holds and what the last tick told it. */
export interface LeaseContext extends LeaseInput {
  /** Held leases: shard id → fencing token. */
  readonly held: ReadonlyMap<number, number>;
  /** Shards being handed over (still held and renewed until released). */
  readonly handingOver: ReadonlySet<number>;
  /** The `{p}:epoch` seen at the last answered tick (null before the first). */
  readonly epoch: string | null;
  /** Live members at the last answered tick (sorted), joined by `,`. */
  readonly membersKey: string;
  /** Live members at the last answered tick (sorted). */
  readonly members: readonly string[];
  /** Whether the member list of the last answered tick equals the one before it. */
  readonly membersStable: boolean;
  /** Shards nobody held at the last answered tick. */
  readonly unowned: readonly number[];
  /** Shards nobody held at the tick before (what `pickClaims` calls `unownedBefore`). */
  readonly unownedBefore: ReadonlySet<number>;
  /** Held shards that may be handed over (a live session), as the adapter saw at the last answer. */
  readonly ready: ReadonlySet<number>;
  /** Shards the last answered tick found held by another process (stopped at once). */
  readonly taken: readonly number[];
  /** Shards of the claim under way. */
  readonly claiming: readonly number[];
}

/** The answer of one tick script call (`src/redis/cluster/lease-scripts.ts`). */
export interface TickAnswer {
  /** The (shardId, fence) pairs the tick renewed, in the order sent. */
  readonly pairs: readonly LeasePair[];
  /** `{p}:epoch`: changes when Redis lost its data. */
  readonly epoch: string;
  /** Live members, sorted. */
  readonly members: readonly string[];
  /** Per pair: `ok` (renewed or set again) or `taken` (another process holds it). */
  readonly statuses: readonly string[];
  /** Shards nobody holds. */
  readonly unowned: readonly number[];
  /** Held shards that could be handed over now (a live session that the next owner resumes). */
  readonly ready: readonly number[];
}

/** Events of the lease machine: answers of Redis (from the adapter) and calls of the cluster. */
export type LeaseEvent =
  /** A tick was answered (the census and the renewals' statuses). */
  | ({
      /** Discriminant. */
      readonly type: 'tick.answered';
    } & TickAnswer)
  /** A tick was not answered within `renewMs` (Redis down or unreachable). */
  | {
      /** Discriminant. */
      readonly type: 'tick.failed';
      /** Why (a `RedisUnavailableError` from the adapter). */
      readonly error: Error;
    }
  /** A claim was answered: the shards claimed, with their new fences. */
  | {
      /** Discriminant. */
      readonly type: 'claim.answered';
      /** (shardId, fence) of each shard claimed. */
      readonly claimed: readonly LeasePair[];
    }
  /** A claim was not answered; one that went through anyway lapses after `leaseMs`. */
  | {
      /** Discriminant. */
      readonly type: 'claim.failed';
    }
  /** The cluster stops: no more ticks. */
  | {
      /** Discriminant. */
      readonly type: 'halt';
    }
  /** The cluster stopped these shards; the adapter gives their leases back. */
  | {
      /** Discriminant. */
      readonly type: 'release';
      /** The shards released. */
      readonly shardIds: readonly number[];
    }
  /**
   * A cluster reshard committed (docs/protocol/resharding.md §4): the bot's shard count is now
   * `shardCount`, and the commit script set these leases for this process (held from now on).
   */
  | {
      /** Discriminant. */
      readonly type: 'resize';
      /** The new shard count. */
      readonly shardCount: number;
      /** The leases the commit created for this process: (shardId, fence) pairs. */
      readonly adopted: readonly LeasePair[];
    };

/** What the lease machine asks its adapter to do or tells its cluster. */
export type LeaseEmitted =
  /** Run one tick script call with these held leases; answer `tick.answered` or `tick.failed`. */
  | {
      /** Discriminant. */
      readonly type: 'tick';
      /** The held leases to renew. */
      readonly pairs: readonly LeasePair[];
    }
  /** Run one claim script call for these shards; answer `claim.answered` or `claim.failed`. */
  | {
      /** Discriminant. */
      readonly type: 'claim';
      /** The shards to claim. */
      readonly shardIds: readonly number[];
    }
  /** This process now holds these leases: start the shards. */
  | {
      /** Discriminant. */
      readonly type: 'acquired';
      /** (shardId, fence) of each lease acquired. */
      readonly leases: readonly LeasePair[];
    }
  /** Another process holds these shards' leases: stop them at once. */
  | {
      /** Discriminant. */
      readonly type: 'taken';
      /** The shards taken. */
      readonly shardIds: readonly number[];
    }
  /** Over the fair share: hand these ready shards over (stop, then `release`). */
  | {
      /** Discriminant. */
      readonly type: 'handOver';
      /** The shards to hand over. */
      readonly shardIds: readonly number[];
    }
  /** A tick went unanswered while running: shards keep running, nothing is claimed. */
  | {
      /** Discriminant. */
      readonly type: 'redisDown';
      /** The tick's error. */
      readonly error: Error;
    }
  /** Redis answers again: claims wait for the grace period again. */
  | {
      /** Discriminant. */
      readonly type: 'redisUp';
    };
