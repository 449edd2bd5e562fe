import type { ShardIdentity } from '../gateway/identity.js';
import type { ShardOptions } from './shard-options.js';

/** What shard `[shardId, shardCount]` identifies with, from its options (properties defaulted). */
export function shardIdentity(options: ShardOptions, shardId: number, shardCount: number): ShardIdentity {
  return {
    token: options.token,
    intents: options.intents,
    shard: [shardId, shardCount],
    properties: {
      os: process.platform,
      browser: 'statecord',
      device: 'statecord',
      ...options.properties,
    },
    ...(options.presence === undefined ? {} : { presence: options.presence }),
    ...(options.largeThreshold === undefined ? {} : { largeThreshold: options.largeThreshold }),
  };
}
