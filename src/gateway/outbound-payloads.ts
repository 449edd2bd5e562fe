import { GatewayOpcodes } from 'discord-api-types/v10';
import type { GatewayHeartbeat, GatewayIdentify, GatewayResume } from 'discord-api-types/v10';
import type { ShardIdentity } from './identity.js';

/** op 2 IDENTIFY (docs/protocol/gateway.md §3.1). `compress` stays false: transport compression is used instead (§12.5). */
export function identifyPayload(identity: ShardIdentity): GatewayIdentify {
  return {
    op: GatewayOpcodes.Identify,
    d: {
      token: identity.token,
      intents: identity.intents,
      properties: identity.properties,
      shard: [identity.shard[0], identity.shard[1]],
      compress: false,
      ...(identity.presence === undefined ? {} : { presence: identity.presence }),
      ...(identity.largeThreshold === undefined ? {} : { large_threshold: identity.largeThreshold }),
    },
  };
}

/** op 6 RESUME with the last sequence seen (docs/protocol/gateway.md §3.3). */
export function resumePayload(identity: ShardIdentity, sessionId: string, seq: number | null): GatewayResume {
  return { op: GatewayOpcodes.Resume, d: { token: identity.token, session_id: sessionId, seq: seq ?? 0 } };
}

/** op 1 HEARTBEAT carrying the last non-null sequence, or null before the first dispatch (§2.1). */
export function heartbeatPayload(seq: number | null): GatewayHeartbeat {
  return { op: GatewayOpcodes.Heartbeat, d: seq };
}
