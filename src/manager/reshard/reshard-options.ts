import { checkDuration, checkInteger, checkObject, failOption } from '../../options/checks.js';
import { ReshardStateError } from './reshard-errors.js';
import type { ReshardPlan } from './resharder.js';

/** Options of `ShardManager.reshard(newCount, options)`. */
export interface ReshardOptions {
  /**
   * The new shard ids this process runs, each in [0, newCount). Default: all of them, 0..newCount-1;
   * required when the manager runs a slice of its shard count (`createShards(ids, total)`), since only
   * the caller knows how the new count is split between processes.
   */
  readonly shardIds?: readonly number[];
  /**
   * How long both sets deliver (deduplicated) once every new shard is loaded, before the old set is
   * stopped; it must exceed how far one set's copy of an event can lag the other's. Default 5000 ms.
   */
  readonly overlapMs?: number;
  /**
   * How long a delivered copy waits for its twin from the other set; also how long copies are still
   * matched after the handover. Default 15000 ms (docs/protocol/resharding.md §2).
   */
  readonly dedupeWindowMs?: number;
  /**
   * How long a new shard waits, after READY, for a GUILD_CREATE of every guild READY listed; after that
   * it counts as loaded and the reshard goes on (its late guilds come on both sets). Default 15000 ms.
   */
  readonly guildsTimeoutMs?: number;
}

/** The options with their defaults. @internal */
export interface ResolvedReshardOptions {
  readonly shardIds: readonly number[] | undefined;
  readonly overlapMs: number;
  readonly dedupeWindowMs: number;
  readonly guildsTimeoutMs: number;
}

/** Checks `reshard()`'s arguments; throws `InvalidArgumentError` naming the bad one. @internal */
export function validateReshardOptions(
  newCount: unknown,
  options: unknown,
  maxShards: number,
): ResolvedReshardOptions & { readonly newCount: number } {
  checkInteger('newCount', newCount, 1);
  if (options !== undefined) checkObject('options', options);
  const given = (options ?? {}) as ReshardOptions;
  const count = newCount as number;
  if (given.overlapMs !== undefined) checkDuration('overlapMs', given.overlapMs, 0);
  if (given.dedupeWindowMs !== undefined) checkDuration('dedupeWindowMs', given.dedupeWindowMs, 1);
  if (given.guildsTimeoutMs !== undefined) checkDuration('guildsTimeoutMs', given.guildsTimeoutMs, 1);
  // Read as unknown: callers from JavaScript may pass anything.
  const ids: unknown = given.shardIds;
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length === 0) failOption('shardIds', 'must be a non-empty array');
    ids.forEach((id: unknown, index) => checkInteger(`shardIds[${index}]`, id, 0, count - 1));
    if (new Set(ids).size !== ids.length) failOption('shardIds', 'must not repeat an id');
  }
  const checked = ids as readonly number[] | undefined;
  const managed = checked?.length ?? count;
  if (managed > maxShards)
    failOption('newCount', `asks this process for ${managed} shards; its maxShards is ${maxShards}`);
  return {
    newCount: count,
    shardIds: checked === undefined ? undefined : checked.slice(),
    overlapMs: given.overlapMs ?? 5_000,
    dedupeWindowMs: given.dedupeWindowMs ?? 15_000,
    guildsTimeoutMs: given.guildsTimeoutMs ?? 15_000,
  };
}

/** Checks `reshardEvery` of `createMinimumRequiredShards` (at least 100 ms). @internal */
export function checkReshardEvery(value: unknown): void {
  if (value !== undefined) checkDuration('reshardEvery', value, 100);
}

/**
 * The plan of `reshard(newCount, options)` for a manager in the state given, or the error it is refused
 * with: `InvalidArgumentError` for bad arguments, `ReshardStateError` when the manager is not running,
 * already reshards, runs `newCount` already, or runs a slice and was not told the new slice. @internal
 */
export function planReshard(
  newCount: unknown,
  options: unknown,
  manager: {
    readonly maxShards: number;
    readonly running: boolean;
    readonly resharding: boolean;
    readonly totalShards: number;
    readonly shardIds: readonly number[];
  },
): ReshardPlan {
  const plan = validateReshardOptions(newCount, options, manager.maxShards);
  if (!manager.running) throw new ReshardStateError('the shards are not running (startShards() first)');
  if (manager.resharding) throw new ReshardStateError('a reshard is already under way');
  if (plan.newCount === manager.totalShards) {
    throw new ReshardStateError(`the shards already run with a count of ${manager.totalShards}`);
  }
  const runsAll =
    manager.shardIds.length === manager.totalShards && manager.shardIds.every((id, index) => id === index);
  if (plan.shardIds === undefined && !runsAll) {
    throw new ReshardStateError('this manager runs a slice of the shards: pass the new slice as shardIds');
  }
  return {
    ...plan,
    shardIds: plan.shardIds ?? Array.from({ length: plan.newCount }, (_, index) => index),
  };
}
