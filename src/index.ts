/**
 * statecord: Discord gateway shards whose every lifecycle is an explicit XState v5 state machine.
 * @module statecord
 */
export * from './shard/index.js';
export * from './errors.js';
/** The discord-api-types enums the examples use, so that a bot needs no other import to start. */
export {
  ActivityType,
  ChannelType,
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayIntentBits,
  PresenceUpdateStatus,
} from 'discord-api-types/v10';
export type { GatewayCompression } from './gateway/gateway-url.js';
export { ShardManager } from './manager/shard-manager.js';
export type { ShardManagerEvents } from './manager/shard-manager.js';
export type { ShardManagerOptions } from './manager/shard-manager-options.js';
export {
  ReshardBudgetError,
  ReshardFailedError,
  ReshardStateError,
} from './manager/reshard/reshard-errors.js';
export type { ReshardErrorCode } from './manager/reshard/reshard-errors.js';
export type { ReshardOptions } from './manager/reshard/reshard-options.js';
export type { ReshardOutcome } from './manager/reshard/resharder.js';
export type { ReshardStage } from '../machines/index.js';
export type { ShardManagerWorkerEvents } from './workers/manager-worker-events.js';
export type { WorkerInfo } from './workers/manager-workers.js';
export type { WorkerExit, WorkerFailure, WorkerSupervisorConfig } from '../machines/index.js';
export { MemorySessionStore } from './manager/session-store.js';
export { FileSessionStore } from './manager/file-session-store.js';
export type { SessionDetails, SessionStore } from './manager/session-store.js';
export { GatewayHttp } from './http/index.js';
export type { GatewayHttpOptions } from './http/index.js';
export { SessionStartGate } from './manager/identify/index.js';
export type { ConfigurableIdentifyGate } from './manager/identify/index.js';
export type {
  SessionStartBudget,
  SessionStartGateConfig,
  SessionStartGateEvents,
  SessionStartGateOptions,
} from './manager/identify/index.js';
export { VoiceConnection } from './voice/voice-connection.js';
export type { VoiceConnectionEvents } from './voice/voice-connection.js';
export type { VoiceE2EEState, VoiceE2EEStats } from './voice/dave/dave-session.js';
export { ShardVoice } from './voice/shard-voice.js';
export type { VoiceJoinOptions } from './voice/shard-voice.js';
export { ManagerVoice } from './voice/manager-voice.js';
export type { VoiceConnectionStatus } from './voice/voice-status.js';
export { AudioPlayback } from './voice/audio-playback.js';
export type { AudioSource, PlayOptions } from './voice/audio-playback.js';
export type { VoiceReceiver } from './voice/voice-receiver.js';
export {
  oggOpusFile,
  loadOpusEncoder,
  MissingOpusEncoderError,
  OggDemuxError,
  AudioSourceError,
  AudioSinkError,
} from './voice/media/index.js';
export type { OpusEncoder } from './voice/media/index.js';
export type { VoiceDisconnection, VoiceDisconnectReason, VoiceTimingConfig } from '../machines/index.js';
export { diagnosticsChannels } from './diagnostics/channels.js';
export type {
  ShardCloseMessage,
  ShardConnectMessage,
  ShardHeartbeatMessage,
  ShardIdentifyMessage,
  ShardReconnectCause,
  ShardTransitionMessage,
} from './diagnostics/channels.js';
/** Types the classes above take or return, from the modules that define them. */
export type {
  AudioReceiverCore,
  AudioReceiverEvents,
  AudioTrackEndReason,
  AudioTrackEvents,
  AudioTrackState,
  EncodePcmOptions,
  LoadOpusEncoderOptions,
  MediaErrorCode,
  OggOpusDemuxerOptions,
  OpusEncoderPackage,
  PacketSource,
  PacketSourceType,
  SpeakingChange,
  SubscribeOptions,
  UserAudioStream,
} from './voice/media/index.js';
export type { RestCallOptions, RestClientOptions, Sleep } from './http/rest-options.js';
export type { Listener } from './util/typed-emitter.js';
