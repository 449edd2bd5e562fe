import type { ShardFailureReason } from './close-codes.js';
import type { ShardTimingConfig } from './shard.types.js';

/** What `/gateway/bot` told the manager (only the fields the lifecycle needs). */
export interface GatewayInfo {
  readonly url: string;
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
  /** The start-up waves not started yet (see `planStartWaves`), first due first. */
  readonly pendingStartWaves: ReadonlyArray<readonly number[]>;
  /** The wave whose shards are being started now, spread over its interval. */
  readonly openingWave: readonly number[];
  /** Time between two start-up waves: the identify gate's interval per bucket, in ms. */
  readonly startWaveIntervalMs: number;
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
  /** `manager.stop` while asking `GET /gateway/bot`: no shards were created. */
  | { type: 'manager.gatewayInfoCancelled' }
  | { type: 'manager.shardsCreated'; shardIds: readonly number[]; totalShards: number };
