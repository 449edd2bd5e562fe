export { Shard } from './shard.js';
export type { OutboundStats, ShardEvents } from './shard.js';
export type { ShardOptions, ShardSession } from './shard-options.js';
export type { ShardStatus } from './shard-status.js';
export { ShardGateway } from './shard-gateway.js';
export type { ShardDispatchEvents, DispatchData } from './dispatch-events.js';
export type { GuildMembersResult, RequestGuildMembersOptions } from './member-requests.js';
export { BucketIdentifyGate } from './identify-gate.js';
export type { IdentifyGate, BucketIdentifyGateOptions } from './identify-gate.js';
