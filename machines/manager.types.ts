import type { ShardFailureReason } from './close-codes.js';
import type { ShardTimingConfig } from './shard.types.js';

/** What `/gateway/bot` told the manager (only the fields the lifecycle needs). */
export interface GatewayInfo {
  readonly url: string;
  readonly recommendedShards: number;
}

export interface ManagerContext {
  readonly gatewayUrl: string;
  readonly shardTiming: Partial<ShardTimingConfig>;
  /** The shards this process runs. */
  readonly shardIds: readonly number[];
  /** The shard count they identify with (all shards of the bot, across processes). */
  readonly totalShards: number;
  /** Shards whose session is live now. */
  readonly readyShards: readonly number[];
  /** Shards that failed for good, with why. */
  readonly failedShards: ReadonlyArray<{ readonly shardId: number; readonly reason: ShardFailureReason }>;
  /** Set when a failure made every shard hopeless (a bad token). */
  readonly failure: ShardFailureReason | null;
}

export interface ManagerInput {
  readonly gatewayUrl: string;
  readonly shardTiming?: Partial<ShardTimingConfig>;
}

export type ManagerEvent =
  | { type: 'manager.createShards'; shardIds: readonly number[]; totalShards: number }
  /** Ask `/gateway/bot` for the recommended count and create that many shards. */
  | { type: 'manager.createRecommendedShards' }
  | { type: 'manager.start' }
  | { type: 'manager.stop'; resumable: boolean }
  /** Relayed from the shards by the adapter. */
  | { type: 'shard.ready'; shardId: number }
  | { type: 'shard.unready'; shardId: number }
  | { type: 'shard.failed'; shardId: number; reason: ShardFailureReason }
  /** A child actor (a shard) stopped with an error. */
  | { type: `xstate.error.actor.${string}`; error: unknown };

export type ManagerEmitted =
  | { type: 'manager.ready'; readyShards: number }
  | { type: 'manager.failed'; reason: ShardFailureReason }
  | { type: 'manager.gatewayInfoFailed'; error: unknown }
  | { type: 'manager.shardsCreated'; shardIds: readonly number[]; totalShards: number };
