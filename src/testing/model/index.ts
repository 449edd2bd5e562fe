export { listTransitionKeys, transitionKey } from './transitions.js';
export { abstractShardState, shardModelEvents, shardModelInput, shardModelPaths } from './shard-model.js';
export type { ShardModelEvent, ShardModelPath, ShardModelStep, ShardSnapshot } from './shard-model.js';
export { runShardPath, modelTiming } from './run-shard-path.js';
export type { RunShardPathOptions, ShardPathContext } from './run-shard-path.js';
export { ManualClock } from './manual-clock.js';
export { ManualIdentifyGate } from './manual-identify-gate.js';
export { managerModelEvents, managerModelInput } from './manager-model-events.js';
export type {
  ManagerModelEvent,
  ManagerModelState,
  ManagerSnapshot,
  ShardsModel,
} from './manager-model-events.js';
export { abstractManagerState, managerModelPaths, managerTransitionKey } from './manager-model.js';
export type { ManagerModelPath, ManagerModelStep, ManagerPathStep } from './manager-model.js';
export { runManagerPath, WaveTimingError } from './manager-path-runner.js';
export type { RunManagerPathOptions } from './manager-path-runner.js';
export { ManagerOracleError, ManagerOracles } from './manager-oracles.js';
export { RestFront } from './manager-rest-front.js';
export type { RestFrontAnswer } from './manager-rest-front.js';
export { FaultInjectingGate } from './manager-fault-gate.js';
export { shardModelSkippedEvents } from './shard-model.js';
export type { ShardModelPathKind } from './shard-model.js';
export {
  checkGatewayProtocol,
  formatViolations,
  protocolRules,
  ProtocolViolationError,
} from './protocol-oracles.js';
export type {
  ProtocolOracleConfig,
  ProtocolRule,
  ProtocolRuleId,
  ProtocolViolation,
} from './protocol-oracles.js';
export type { ProtocolTraceEntry } from './protocol-trace.js';
export { ShardPathClock } from './shard-path-clock.js';
export type { ProtocolRuleChecker } from './protocol-oracles.js';
export {
  abstractVoiceState,
  VOICE_MODEL_CHANNEL,
  VOICE_MODEL_GUILD,
  VOICE_MODEL_HEARTBEAT_MS,
  VOICE_MODEL_OTHER_CHANNEL,
  VOICE_MODEL_SESSIONS,
  voiceModelEvents,
  voiceModelInput,
  voiceModelTiming,
  voiceModelUnproducibleEvents,
  voiceTransitionKey,
} from './voice-model.js';
export type { VoiceModelEvent, VoiceSnapshot } from './voice-model.js';
export { replayVoiceEvents, voiceModelPaths } from './voice-model-paths.js';
export type {
  VoiceModelEdge,
  VoiceModelPath,
  VoiceModelPathKind,
  VoiceModelStep,
} from './voice-model-paths.js';
export { runVoicePath } from './run-voice-path.js';
export type { RunVoicePathOptions } from './run-voice-path.js';
export {
  checkVoiceProtocol,
  formatVoiceViolations,
  voiceProtocolRules,
  VoiceProtocolViolationError,
} from './voice-protocol-oracles.js';
export type {
  VoiceOracleConfig,
  VoiceRule,
  VoiceRuleId,
  VoiceProtocolViolation,
} from './voice-protocol-oracles.js';
export type { VoiceTraceEntry } from './voice-protocol-trace.js';
export type { TransitionLike } from './transitions.js';
export type { LedgerConnection, LedgerSession, ProtocolLedger } from './protocol-ledger.js';
export type { RuleViolation, TraceChecker } from './judge-trace.js';
export type {
  ClientEventEntry,
  ClosedEntry,
  DeliveredEntry,
  DialEntry,
  OpenEntry,
  ReceivedEntry,
  SentEntry,
  TimeEntry,
  Stamped as ProtocolTraceStamp,
  UserEntry,
} from './protocol-trace.js';
export type {
  HeldVoiceSession,
  LedgerVoiceConnection,
  LedgerVoiceSession,
  VoiceProtocolLedger,
} from './voice-protocol-ledger.js';
export type {
  GatewaySessionEntry,
  VoiceClosedEntry,
  VoiceDatagramEntry,
  VoiceDispatchEntry,
  VoiceFenceEntry,
  VoiceFrameEntry,
  VoiceInjectEntry,
  VoiceOp4Entry,
  VoiceOpenEntry,
  VoiceResourcesEntry,
  VoiceTimeEntry,
  VoiceUpgradeEntry,
  VoiceUserEntry,
  VoiceViolationEntry,
  Stamped as VoiceTraceStamp,
} from './voice-protocol-trace.js';
