import { checkDuration, failOption } from '../../options/checks.js';
import { ReshardStateError } from '../../manager/reshard/reshard-errors.js';
import { validateReshardOptions } from '../../manager/reshard/reshard-options.js';
import type { ReshardOptions } from '../../manager/reshard/reshard-options.js';

/** Options of `ShardCluster.reshard(newCount, options)`. */
export interface ClusterReshardOptions extends Omit<ReshardOptions, 'shardIds'> {
  /**
   * How long the coordinator waits for every new shard of the cluster to be loaded before it aborts
   * the reshard (the old set runs on). Default 120 000 ms.
   */
  readonly startTimeoutMs?: number;
}

/** The checked options, with their defaults. @internal */
export interface ClusterReshardSettings {
  readonly newCount: number;
  readonly overlapMs: number;
  readonly dedupeWindowMs: number;
  readonly guildsTimeoutMs: number;
  readonly startTimeoutMs: number;
}

/**
 * Checks `ShardCluster.reshard()`'s arguments against the cluster: `InvalidArgumentError` for a bad
 * option or a count that is not a larger multiple of the current one (docs/protocol/resharding.md §5),
 * `ReshardStateError` when the cluster is not running in dynamic mode or already reshards. @internal
 */
export function planClusterReshard(
  newCount: unknown,
  options: unknown,
  cluster: {
    readonly running: boolean;
    readonly dynamic: boolean;
    readonly resharding: boolean;
    readonly count: number;
  },
): ClusterReshardSettings {
  const given = (options ?? {}) as ClusterReshardOptions & { shardIds?: unknown };
  if (given.shardIds !== undefined) failOption('shardIds', 'is not an option of a cluster reshard');
  const plan = validateReshardOptions(newCount, options, Number.MAX_SAFE_INTEGER);
  if (given.startTimeoutMs !== undefined) checkDuration('startTimeoutMs', given.startTimeoutMs, 1);
  if (!cluster.dynamic) {
    throw new ReshardStateError('a static cluster cannot reshard: restart its processes with the new count');
  }
  if (!cluster.running) throw new ReshardStateError('the cluster is not running (start() first)');
  if (cluster.resharding) throw new ReshardStateError('a reshard is already under way');
  if (plan.newCount <= cluster.count || plan.newCount % cluster.count !== 0) {
    failOption(
      'newCount',
      `must be a multiple of the current count ${cluster.count} above it (got ${plan.newCount})`,
    );
  }
  return {
    newCount: plan.newCount,
    overlapMs: plan.overlapMs,
    dedupeWindowMs: plan.dedupeWindowMs,
    guildsTimeoutMs: plan.guildsTimeoutMs,
    startTimeoutMs: given.startTimeoutMs ?? 120_000,
  };
}
