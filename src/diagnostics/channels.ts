import diagnosticsChannel from 'node:diagnostics_channel';
import type { Shard } from '../shard/shard.js';
import type { ShardStatus } from '../shard/shard-status.js';

/**
 * Why a shard left its connection for `reconnecting`, named after the machine event that moved it:
 * - `close`: the socket closed (a close frame from the gateway, or the transport dropped: 1006);
 * - `reconnectRequested`: the gateway asked for it (op 7 Reconnect);
 * - `invalidSession`: op 9 Invalid Session, to be resumed or identified anew on a new connection;
 * - `zombie`: a heartbeat came due with no frame at all since the last one (its ACK was missed);
 * - `helloTimeout`, `readyTimeout`, `resumeTimeout`: the gateway did not answer in time;
 * - `corrupt`: an inbound frame could not be decoded;
 * - `identifyGateFailed`: the identify gate failed (e.g. its shared store was unreachable);
 * - `other`: any event a later machine version adds.
 */
export type ShardReconnectCause =
  | 'close'
  | 'reconnectRequested'
  | 'invalidSession'
  | 'zombie'
  | 'helloTimeout'
  | 'readyTimeout'
  | 'resumeTimeout'
  | 'corrupt'
  | 'identifyGateFailed'
  | 'other';

/** Payload of `statecord:shard:connect`: a shard opens a gateway connection. */
export interface ShardConnectMessage {
  /** The shard (its public API; the token is not readable from it). */
  readonly shard: Shard;
  /** The shard's id. */
  readonly shardId: number;
  /** The gateway URL connected to, without its query: the configured one, or the session's `resume_gateway_url`. */
  readonly url: string;
  /** Whether the connection is meant to resume a held session (else it identifies). */
  readonly resuming: boolean;
}

/** Payload of `statecord:shard:close`: a shard's gateway connection closed. */
export interface ShardCloseMessage {
  /** The shard (its public API; the token is not readable from it). */
  readonly shard: Shard;
  /** The shard's id. */
  readonly shardId: number;
  /** The close code (1006 when the transport dropped without a close frame). */
  readonly code: number;
  /** `gateway`: a close frame arrived; `transport`: the connection dropped (or statecord dropped a zombie). */
  readonly initiator: 'gateway' | 'transport';
}

/** Payload of `statecord:shard:transition`: a shard's lifecycle state changed. */
export interface ShardTransitionMessage {
  /** The shard (its public API; the token is not readable from it). */
  readonly shard: Shard;
  /** The shard's id. */
  readonly shardId: number;
  /** The shard's status before the transition. */
  readonly from: ShardStatus;
  /** The shard's status after the transition. */
  readonly to: ShardStatus;
  /** The machine event that caused it: `socket.closed`, `gateway.ready`, `after heartbeatInterval`, `identify.granted`. */
  readonly event: string;
  /** For `to: 'reconnecting'`: why; null for every other transition. */
  readonly cause: ShardReconnectCause | null;
  /** The close code of a `socket.closed` event; null otherwise. */
  readonly closeCode: number | null;
}

/** Payload of `statecord:shard:identify`: the identify gate let a shard send IDENTIFY. */
export interface ShardIdentifyMessage {
  /** The shard (its public API; the token is not readable from it). */
  readonly shard: Shard;
  /** The shard's id. */
  readonly shardId: number;
  /** How long the shard waited at the identify gate (ms). */
  readonly gateWaitMs: number;
}

/** Payload of `statecord:shard:heartbeat`: the gateway acknowledged a heartbeat. */
export interface ShardHeartbeatMessage {
  /** The shard (its public API; the token is not readable from it). */
  readonly shard: Shard;
  /** The shard's id. */
  readonly shardId: number;
  /** Round trip from the heartbeat to its ACK (ms). */
  readonly latencyMs: number;
}

/**
 * The names of statecord's `node:diagnostics_channel` channels (undici's convention: `library:object:event`).
 * Subscribe with `diagnostics_channel.subscribe(diagnosticsChannels.shardTransition, listener)`. Messages
 * are built only while a channel has subscribers, and never carry the token, a session id or a dispatch.
 */
export const diagnosticsChannels = {
  /** {@link ShardConnectMessage} */
  shardConnect: 'statecord:shard:connect',
  /** {@link ShardCloseMessage} */
  shardClose: 'statecord:shard:close',
  /** {@link ShardTransitionMessage} */
  shardTransition: 'statecord:shard:transition',
  /** {@link ShardIdentifyMessage} */
  shardIdentify: 'statecord:shard:identify',
  /** {@link ShardHeartbeatMessage} */
  shardHeartbeat: 'statecord:shard:heartbeat',
} as const;

/** The channel objects statecord publishes to. @internal */
export const channels = {
  connect: diagnosticsChannel.channel(diagnosticsChannels.shardConnect),
  close: diagnosticsChannel.channel(diagnosticsChannels.shardClose),
  transition: diagnosticsChannel.channel(diagnosticsChannels.shardTransition),
  identify: diagnosticsChannel.channel(diagnosticsChannels.shardIdentify),
  heartbeat: diagnosticsChannel.channel(diagnosticsChannels.shardHeartbeat),
};
