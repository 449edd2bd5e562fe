import type { GatewayIdentifyProperties, GatewayPresenceUpdateData } from 'discord-api-types/v10';

/**
 * What a shard identifies with. The token lives only here and in the frames built from it; it is
 * never copied into machine context, events, errors or logs.
 */
export interface ShardIdentity {
  readonly token: string;
  readonly intents: number;
  readonly shard: readonly [shardId: number, shardCount: number];
  readonly properties: GatewayIdentifyProperties;
  readonly presence?: GatewayPresenceUpdateData;
  readonly largeThreshold?: number;
}
