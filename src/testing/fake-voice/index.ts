export { FakeVoiceServer } from './fake-voice-server.js';
export {
  DEFAULT_PEER_USER_ID,
  type FakeVoicePeerInit,
  type FakeVoiceServerOptions,
  type FakeVoiceTlsOptions,
  type ResolvedFakeVoiceServerOptions,
  type RtpBeforeSpeakingAction,
  type VoiceChannelKind,
} from './options.js';
export type { VoiceTransportMode } from './payloads.js';
export type { FakeVoicePeer, PeerDecryptedFrame, PeerSentPacket, PeerSpeakOptions } from './peer.js';
export type { FakeDaveCallSnapshot, FakeDaveControl, FakeDaveFault } from './dave/dave-control.js';
export type { DaveTransitionRecord } from './dave/dave-call.js';
export type { GrantSelector } from './selectors.js';
export type { UdpDelayOptions, UdpDirection, UdpFaultHandle, UdpFaultOptions } from './udp-faults.js';
export type {
  ChangeRegionOptions,
  FakeVoiceConnection,
  FakeVoiceServerEvents,
  FakeVoiceSession,
  MoveEndpointOptions,
  VoiceGrant,
  VoiceGrantRequest,
  VoiceServerPayload,
  VoiceSignalCloseOptions,
  VoiceSignalling,
} from './types.js';
export type {
  FakeVoiceFrame,
  FakeVoiceServerStats,
  VoiceAddress,
  VoiceCloseInitiator,
  VoiceCloseRecord,
  VoiceDiscoveryRecord,
  VoiceHeartbeatRecord,
  VoiceIdentifyAttempt,
  VoiceReadyRecord,
  VoiceReceivedFrame,
  VoiceResumeAttempt,
  VoiceSelectProtocolRecord,
  VoiceSpeakingRecord,
  VoiceViolation,
  VoiceViolationKind,
  VoiceDatagramKind,
  VoiceDatagramRecord,
  VoiceHoldKind,
  VoiceHoldRecord,
  VoiceSentFrame,
  VoiceUpgradeRecord,
} from './records.js';
