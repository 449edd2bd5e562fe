/**
 * statecord: Discord gateway shards whose every lifecycle is an explicit XState v5 state machine.
 * @packageDocumentation
 */
export * from './shard/index.js';
export * from './errors.js';
export type { GatewayCompression } from './gateway/gateway-url.js';
