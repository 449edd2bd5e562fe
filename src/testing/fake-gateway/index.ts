export { FakeGateway } from './fake-gateway.js';
export {
  DEFAULT_FAKE_TOKEN,
  DEFAULT_FAKE_USER,
  type FakeGatewayOptions,
  type FakeGatewayVoiceOptions,
  type FakeGuild,
  type FakeGuildMember,
  type FakeGuildPresence,
  type ResolvedFakeGatewayOptions,
  type SessionStartLimitAction,
  type SessionStartLimitOptions,
} from './options.js';
export { shardIdForGuild } from './routing.js';
export type { ConnectionQuery } from './query.js';
export type { TransportCompression } from './codec.js';
export type { WaitForOptions } from './wait-for.js';
export type {
  CloseInitiator,
  CloseRecord,
  DispatchData,
  DispatchEventName,
  DispatchOptions,
  DispatchRecord,
  FakeGatewayConnection,
  FakeGatewayEvents,
  FakeGatewayStats,
  HeartbeatRecord,
  IdentifyAttempt,
  IdentifyLogEntry,
  LoosePayload,
  ReadyRecord,
  ReceivedFrame,
  ResumeAttempt,
  ResumedRecord,
  SendRawOptions,
  ServerPayload,
  SessionInfo,
} from './types.js';
export type {
  FakeGatewayVoice,
  FakeGatewayVoiceState,
  VoiceAttachOptions,
  VoiceDispatchOrder,
} from './voice-types.js';
