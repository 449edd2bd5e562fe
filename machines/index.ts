/**
 * `statecord/machines`: the pure lifecycle statecharts. They import only xstate, so they run the same
 * in production, in model-based tests, in diagrams and in the visualizer.
 *
 * @module statecord/machines
 */
export {
  shardMachine,
  defaultShardTiming,
  connectionUrl,
  willResume,
  voiceActorId,
} from './shard.machine.js';
export { RESUMABLE_CLOSE_CODE, SESSION_ENDING_CLOSE_CODE } from './shard.machine.js';
export type { ShardMachine } from './shard.machine.js';
export { createShardDelays } from './shard.delays.js';
export type { ShardDelays, DelayFn as ShardDelayFn } from './shard.delays.js';
export { closeOutcome, defaultCloseOutcome, gatewayCloseCodeRules } from './close-codes.js';
export type { CloseCodeRule, CloseOutcome, ShardFailureReason } from './close-codes.js';
export { backoffDelay, firstHeartbeatDelay, invalidSessionDelay } from './timing.js';
export type { BackoffPolicy } from './timing.js';
export type * from './shard.types.js';
export { managerMachine, shardActorId } from './manager.machine.js';
export { planStartWaves } from './start-waves.js';
export type { StartWavesInput } from './start-waves.js';
export type { ManagerMachine } from './manager.machine.js';
export type * from './manager.types.js';
export { voiceMachine, defaultVoiceTiming, voiceCanResume } from './voice.machine.js';
export { VOICE_FINAL_CLOSE_CODE, VOICE_RESUMABLE_CLOSE_CODE } from './voice.machine.js';
export type { VoiceMachine } from './voice.machine.js';
export { createVoiceDelays } from './voice.delays.js';
export type { VoiceDelays, DelayFn as VoiceDelayFn } from './voice.delays.js';
export { voiceCloseOutcome, defaultVoiceCloseOutcome, voiceCloseCodeRules } from './voice-close-codes.js';
export type { VoiceCloseCodeRule, VoiceCloseOutcome, VoiceFailureReason } from './voice-close-codes.js';
export type * from './voice.types.js';
export { voiceDaveMachine } from './voice-dave.machine.js';
export type { VoiceDaveMachine } from './voice-dave.machine.js';
export type * from './voice-dave.types.js';
export { leaseMachine } from './lease.machine.js';
export type { LeaseMachine } from './lease.machine.js';
export type * from './lease.types.js';
export { fairShare, pickClaims, pickReleases, spreadOwner, staticShards } from './lease-assignment.js';
export type { ClaimView } from './lease-assignment.js';
export { reshardMachine } from './reshard.machine.js';
export type { ReshardMachine } from './reshard.machine.js';
export type * from './reshard.types.js';
export {
  workerSupervisorMachine,
  defaultWorkerSupervisorConfig,
  respawnDelay as workerRespawnDelay,
} from './worker-supervisor.machine.js';
export type { WorkerSupervisorMachine } from './worker-supervisor.machine.js';
export type * from './worker-supervisor.types.js';
export { clusterReshardMachine } from './cluster-reshard.machine.js';
export type { ClusterReshardMachine } from './cluster-reshard.machine.js';
export type * from './cluster-reshard.types.js';
