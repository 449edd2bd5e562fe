import type { IdentifyGate } from '../../shard/identify-gate.js';
import type { ShardOptions } from '../../shard/shard-options.js';
import type { ShardManagerOptions } from '../shard-manager-options.js';

/**
 * Options of one shard of a reshard's new set: the manager's connection options, the new id and count,
 * the manager's identify gate (the same buckets and budget) and its current gateway URL. It does not ask
 * `GET /gateway/bot` itself: the reshard did. @internal
 */
export function newShardOptions(
  options: ShardManagerOptions,
  shard: {
    readonly shardId: number;
    readonly shardCount: number;
    readonly gate: IdentifyGate;
    readonly gatewayUrl: string;
  },
): ShardOptions {
  const { token, intents, compress, presence, largeThreshold, properties, timing, random, inspect } = options;
  return {
    token,
    intents,
    shardId: shard.shardId,
    shardCount: shard.shardCount,
    identifyGate: shard.gate,
    fetchGatewayInfo: false,
    gatewayUrl: shard.gatewayUrl,
    ...(compress === undefined ? {} : { compress }),
    ...(presence === undefined ? {} : { presence }),
    ...(largeThreshold === undefined ? {} : { largeThreshold }),
    ...(properties === undefined ? {} : { properties }),
    ...(timing === undefined ? {} : { timing }),
    ...(random === undefined ? {} : { random }),
    ...(inspect === undefined ? {} : { inspect }),
  };
}
