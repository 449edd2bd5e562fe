/**
 * statecord: Discord gateway shards whose every lifecycle is an explicit XState v5 state machine.
 * @packageDocumentation
 */
export * from './shard/index.js';
export * from './errors.js';
export type { GatewayCompression } from './gateway/gateway-url.js';
export { ShardManager } from './manager/shard-manager.js';
export type { ShardManagerEvents } from './manager/shard-manager.js';
export type { ShardManagerOptions } from './manager/shard-manager-options.js';
export { MemorySessionStore } from './manager/session-store.js';
export { FileSessionStore } from './manager/file-session-store.js';
export type { SessionStore } from './manager/session-store.js';
export { GatewayHttp } from './http/index.js';
export type { GatewayHttpOptions } from './http/index.js';
export { SessionStartGate } from './manager/identify/index.js';
export type {
  SessionStartBudget,
  SessionStartGateConfig,
  SessionStartGateEvents,
  SessionStartGateOptions,
} from './manager/identify/index.js';
