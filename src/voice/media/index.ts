export {
  AudioPacer,
  FRAME_DURATION_MS,
  type AudioPacerOptions,
  type AudioPacerStats,
} from './audio-pacer.js';
export {
  AudioPlayerCore,
  type AudioPlayerCoreOptions,
  type AudioPlayerState,
  type AudioSink,
  type PacketSourceType,
  type PlayOptions,
} from './audio-player-core.js';
export {
  AudioReceiverCore,
  type AudioReceiverCoreOptions,
  type AudioReceiverEvents,
  type SpeakingChange,
  type SubscribeOptions,
} from './audio-receiver-core.js';
export {
  AudioTrack,
  type AudioTrackEndReason,
  type AudioTrackEvents,
  type AudioTrackState,
} from './audio-track.js';
export { demuxOggOpus } from './demux-ogg-opus.js';
export { encodePcm, type EncodePcmOptions } from './encode-pcm.js';
export {
  chooseEncryptionMode,
  VOICE_ENCRYPTION_MODES,
  type ChooseEncryptionModeOptions,
  type VoiceEncryptionMode,
} from './encryption-mode.js';
export {
  AudioSinkError,
  AudioSourceError,
  MissingOpusEncoderError,
  OggDemuxError,
  type MediaErrorCode,
} from './errors.js';
export {
  FrameScheduler,
  SchedulerSlot,
  sharedFrameScheduler,
  type FrameSchedulerOptions,
  type ScheduledRun,
} from './frame-scheduler.js';
export { passthroughFrameTransform, type FrameTransform } from './frame-transform.js';
export {
  IP_DISCOVERY_LENGTH,
  ipDiscoveryRequest,
  parseIpDiscoveryResponse,
  type DiscoveredAddress,
} from './ip-discovery.js';
export { realMediaClock, type MediaClock } from './media-clock.js';
export { oggCrc32 } from './ogg-crc.js';
export { OggOpusDemuxer, type OggOpusDemuxerOptions } from './ogg-opus-demuxer.js';
export { oggOpusFile } from './ogg-opus-file.js';
export { OggPageFlag, OggPageReader, type OggPage } from './ogg-page-reader.js';
export { parseOpusHead, type OpusHead } from './opus-head.js';
export {
  loadOpusEncoder,
  type LoadOpusEncoderOptions,
  type OpusEncoder,
  type OpusEncoderPackage,
} from './opus-encoder.js';
export { isReadableStream, type PacketSource } from './packet-source.js';
export { PCM_FRAME_BYTES, pcmFrames } from './pcm-frames.js';
export {
  OPUS_PAYLOAD_TYPE,
  parseRtpHeader,
  RTP_EXTENSION_PREAMBLE_LENGTH,
  RTP_HEADER_LENGTH,
  type RtpHeader,
} from './rtp-header.js';
export { RtpPacketizer, SAMPLES_PER_FRAME, type RtpPacketizerOptions } from './rtp-packetizer.js';
export { isSilenceFrame, SILENCE_FRAME, SILENCE_FRAMES_ON_STOP } from './silence-frame.js';
export {
  createTransportCipher,
  type AesGcmImplementation,
  type TransportCipher,
  type TransportCipherOptions,
} from './transport-cipher.js';
export {
  TRANSPORT_KEY_LENGTH,
  TRANSPORT_NONCE_LENGTH,
  TRANSPORT_TAG_LENGTH,
} from './rtpsize-transport-cipher.js';
export { UserAudioStream } from './user-audio-stream.js';
export {
  VoicePacketReader,
  type InboundVoiceFrame,
  type VoicePacketReaderOptions,
} from './voice-packet-reader.js';
export { VoicePacketWriter, type VoicePacketWriterOptions } from './voice-packet-writer.js';
