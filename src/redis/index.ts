/**
 * `statecord/redis`: what a bot needs to run its shards in many processes and on many hosts, on one
 * Redis (≥ 7, or Valkey; core commands and Lua only). Kept out of the main entry, so a bot without
 * Redis never loads it. Pass a client you created with the official `redis` package (node-redis), or
 * any object with `eval`/`evalSha` ({@link RedisScriptClient}; an ioredis adapter is a few lines).
 * `ShardCluster` runs a share of the bot's shards in each process (static, or dynamic through leases
 * with fencing and takeover by RESUME). `RedisStreamSink` publishes a manager's dispatches to a Redis
 * stream, and `consumeDispatches` reads them in other processes (consumer groups, each dispatch once).
 * @module statecord/redis
 */
export { RedisIdentifyGate } from './redis-identify-gate.js';
export type { RedisIdentifyGateEvents, RedisIdentifyGateOptions } from './redis-identify-gate.js';
export { RedisSessionStore, DEFAULT_SESSION_TTL_MS } from './redis-session-store.js';
export type { RedisSessionStoreOptions, StoredSessionRecord } from './redis-session-store.js';
export type { RedisScriptCall, RedisScriptClient } from './client.js';
export { fromIoredis, fromIoredisCommands } from './ioredis.js';
export type { IoredisCommandMethods, IoredisScriptMethods } from './ioredis.js';
export { ShardCluster } from './cluster/shard-cluster.js';
export type { ClusterReshardOptions } from './cluster/cluster-reshard-options.js';
export type {
  ClusterSink,
  ShardClusterEvents,
  ShardClusterMode,
  ShardClusterOptions,
} from './cluster/cluster-types.js';
export { spreadOwner, staticShards } from './cluster/assignment.js';
export { ClusterStateError, RedisUnavailableError } from '../errors.js';
export { RedisStreamSink } from './stream/redis-stream-sink.js';
export type {
  DispatchSource,
  RedisStreamSinkEvents,
  RedisStreamSinkOptions,
  RedisStreamSinkStats,
  SourceDispatch,
} from './stream/sink-options.js';
export { DispatchConsumer, consumeDispatches } from './stream/dispatch-consumer.js';
export type {
  ConsumeDispatchesOptions,
  DispatchConsumerEvents,
  DispatchConsumerStats,
  RedisCommandClient,
} from './stream/consumer-options.js';
export type { StreamDispatch } from './stream/stream-dispatch.js';
export { SinkOverflowError, StreamEntryError } from './stream/stream-errors.js';
export type { StreamErrorCode } from './stream/stream-errors.js';
