import { InvalidArgumentError } from '../../errors.js';
import type { ShardManagerOptions } from '../../manager/shard-manager-options.js';
import { checkMethods } from '../../options/checks.js';
import { validateManagerOptions } from '../../options/validate-manager-options.js';
import { checkRedisOptions, positive } from '../options.js';
import type { ShardClusterMode, ShardClusterOptions } from './cluster-types.js';

/** A `ShardCluster`'s options, checked, with their defaults. @internal */
export interface ResolvedClusterOptions {
  /** The key prefix, hash-tagged. */
  readonly prefix: string;
  readonly mode: ShardClusterMode;
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly claimGraceMs: number;
  /** What every shard's own manager gets: the options that are not the cluster's. */
  readonly managerOptions: ShardManagerOptions;
}

/** The manager options a cluster cannot pass on to the one-shard managers it runs each shard in. */
const NOT_FOR_CLUSTERS = ['workers', 'workerRespawn', 'spawnWorker'] as const;

/**
 * Checks a `ShardCluster`'s options synchronously: `InvalidArgumentError` naming the option. @internal
 */
export function resolveClusterOptions(options: ShardClusterOptions): ResolvedClusterOptions {
  const owner = 'ShardCluster';
  const prefix = checkRedisOptions(owner, options?.redis, options?.keyPrefix);
  const {
    redis: _redis,
    keyPrefix: _keyPrefix,
    mode,
    totalShards,
    leaseMs,
    renewMs,
    claimGraceMs,
    memberId,
    gate: _gate,
    sessionTtlMs: _sessionTtlMs,
    sink,
    ...managerOptions
  } = options;
  if (sink !== undefined) checkMethods('sink', sink, ['guard', 'attach']);
  for (const key of NOT_FOR_CLUSTERS) {
    // Each shard of a cluster runs in a one-shard manager of its own (shards move one at a time), so
    // worker threads would be spawned per shard. Scale a cluster with more processes instead.
    if ((managerOptions as Record<string, unknown>)[key] !== undefined) {
      throw new InvalidArgumentError(
        `${owner}: ${key} is not supported; run more cluster processes to use more cores`,
      );
    }
  }
  validateManagerOptions(managerOptions);
  if (totalShards !== undefined) positive(owner, 'totalShards', totalShards, 1);
  if (totalShards === undefined && options.fetchGatewayInfo === false) {
    throw new InvalidArgumentError(`${owner}: totalShards is needed when fetchGatewayInfo is false`);
  }
  const lease = positive(owner, 'leaseMs', leaseMs, 15_000);
  const renew = positive(owner, 'renewMs', renewMs, 3_000);
  if (renew * 3 > lease) {
    throw new InvalidArgumentError(
      `${owner}: renewMs must be at most leaseMs / 3, got ${renew} and ${lease}`,
    );
  }
  const grace = positive(owner, 'claimGraceMs', claimGraceMs, 2 * renew);
  if (grace < 2 * renew) {
    throw new InvalidArgumentError(`${owner}: claimGraceMs must be at least 2 × renewMs`);
  }
  if (
    memberId !== undefined &&
    (typeof memberId !== 'string' || memberId.length === 0 || memberId.includes('|'))
  ) {
    throw new InvalidArgumentError(`${owner}: memberId must be a non-empty string without |`);
  }
  return {
    prefix,
    mode: checkMode(mode),
    leaseMs: lease,
    renewMs: renew,
    claimGraceMs: grace,
    managerOptions,
  };
}

function checkMode(mode: unknown): ShardClusterMode {
  if (mode === 'dynamic') return mode;
  const m = mode as { clusterId?: unknown; clusterCount?: unknown } | null | undefined;
  if (
    typeof m === 'object' &&
    m !== null &&
    Number.isSafeInteger(m.clusterCount) &&
    (m.clusterCount as number) >= 1 &&
    Number.isSafeInteger(m.clusterId) &&
    (m.clusterId as number) >= 0 &&
    (m.clusterId as number) < (m.clusterCount as number)
  ) {
    return { clusterId: m.clusterId as number, clusterCount: m.clusterCount as number };
  }
  throw new InvalidArgumentError(
    "ShardCluster: mode must be 'dynamic' or { clusterId, clusterCount } with 0 ≤ clusterId < clusterCount",
  );
}
