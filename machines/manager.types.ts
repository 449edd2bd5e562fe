import type { ShardFailureReason } from './close-codes.js';
import type { ShardTimingConfig } from './shard.types.js';

/** What `/gateway/bot` told the manager (only the fields the lifecycle needs). */
export interface GatewayInfo {
  /** The gateway URL (`url`). */
  readonly url: string;
  /** The recommended shard count (`shards`). */
  readonly recommendedShards: number;
}

/** How the identify gate paces identifies: what the start-up plan needs to open sockets in time. */
export interface IdentifyPacing {
  /** `max_concurrency`: identify buckets are `shard_id % maxConcurrency`. */
  readonly maxConcurrency: number;
  /** Time between two identifies of one bucket as the gate grants them (the margin included), in ms. */
  readonly intervalMs: number;
}

/** What `prepareStart` found out before any shard starts. */
export interface StartPreparation {
  /** Shards holding a session to resume (saved, or kept by a resumable stop): no identify slot needed. */
  readonly resumableShardIds: readonly number[];
  /** The identify gate's pacing; null when unknown (a user-supplied gate): every shard starts at once. */
  readonly identifyPacing: IdentifyPacing | null;
}

/** What the manager machine knows of the shards of this process. */
export interface ManagerContext {
  /** The gateway URL shards connect to (from `GET /gateway/bot` once asked). */
  readonly gatewayUrl: string;
  /** Timing overrides given to every shard it creates. */
  readonly shardTiming: Partial<ShardTimingConfig>;
  /** The shards this process runs. */
  readonly shardIds: readonly number[];
  /** The shard count they identify with (all shards of the bot, across processes). */
  readonly totalShards: number;
  /** Shards whose session is live now. */
  readonly readyShards: readonly number[];
  /** Shards that failed for good, with why. */
  readonly failedShards: ReadonlyArray<{
    /** The shard. */
    readonly shardId: number;
    /** Why it failed. */
    readonly reason: ShardFailureReason;
  }>;
  /** Set when a failure made every shard hopeless (a bad token). */
  readonly failure: ShardFailureReason | null;
  /** The start-up waves not started yet (see `planStartWaves`), first due first. */
  readonly pendingStartWaves: ReadonlyArray<readonly number[]>;
  /** The wave whose shards are being started now, spread over its interval. */
  readonly openingWave: readonly number[];
  /** Time between two start-up waves: the identify gate's interval per bucket, in ms. */
  readonly startWaveIntervalMs: number;
}

/** Input of the manager machine. */
export interface ManagerInput {
  /** The gateway URL to start with (replaced by `GET /gateway/bot`'s when asked). */
  readonly gatewayUrl: string;
  /** Timing overrides for every shard. */
  readonly shardTiming?: Partial<ShardTimingConfig>;
}

/** Events the manager machine accepts: `manager.*` from the user, `shard.*` relayed from the shards. */
export type ManagerEvent =
  /** Create these shards (stopped) out of a bot of `totalShards`. */
  | {
      /** Discriminant. */
      type: 'manager.createShards';
      /** The shard ids this process runs. */
      shardIds: readonly number[];
      /** The shard count they identify with (all processes). */
      totalShards: number;
    }
  /** Ask `/gateway/bot` for the recommended count and create that many shards. */
  | {
      /** Discriminant. */
      type: 'manager.createRecommendedShards';
    }
  /** Start every shard, in identify-paced waves. */
  | {
      /** Discriminant. */
      type: 'manager.start';
    }
  /**
   * While preparing, once the saved sessions are loaded: start these shards now (the first identify
   * round; never one that resumes), so their sockets open while `GET /gateway/bot` is in flight. The
   * adapter holds their identifies until the preparation ends.
   */
  | {
      /** Discriminant. */
      type: 'manager.startEarly';
      /** The shards to start (each also in wave 0 of the plan, or started again harmlessly). */
      shardIds: readonly number[];
    }
  /** Stop every shard. */
  | {
      /** Discriminant. */
      type: 'manager.stop';
      /** Keep the sessions so the next start resumes them. */
      resumable: boolean;
    }
  /** Relayed from the shards by the adapter. */
  | {
      /** Discriminant. */
      type: 'shard.ready';
      /** The shard whose session became live. */
      shardId: number;
    }
  /** A shard lost its live session (reconnecting or stopped). */
  | {
      /** Discriminant. */
      type: 'shard.unready';
      /** The shard. */
      shardId: number;
    }
  /** A shard failed for good. */
  | {
      /** Discriminant. */
      type: 'shard.failed';
      /** The shard. */
      shardId: number;
      /** Why it failed. */
      reason: ShardFailureReason;
    }
  /** A child actor (a shard) stopped with an error. */
  | {
      /** xstate's error event of the child actor that stopped. */
      type: `xstate.error.actor.${string}`;
      /** The error it stopped with. */
      error: unknown;
    };

/** Events the manager machine emits to its owner. */
export type ManagerEmitted =
  /** Every shard of this process is live. */
  | {
      /** Discriminant. */
      type: 'manager.ready';
      /** How many shards are live (all of them). */
      readyShards: number;
    }
  /** A failure made every shard hopeless (a bad token). */
  | {
      /** Discriminant. */
      type: 'manager.failed';
      /** Why. */
      reason: ShardFailureReason;
    }
  /** `GET /gateway/bot` failed; the manager is back to idle. */
  | {
      /** Discriminant. */
      type: 'manager.gatewayInfoFailed';
      /** The error it failed with. */
      error: unknown;
    }
  /** `manager.stop` while asking `GET /gateway/bot`: no shards were created. */
  | {
      /** Discriminant. */
      type: 'manager.gatewayInfoCancelled';
    }
  /** Shards were created. */
  | {
      /** Discriminant. */
      type: 'manager.shardsCreated';
      /** The shard ids this process runs. */
      shardIds: readonly number[];
      /** The shard count they identify with. */
      totalShards: number;
    };
