export { createInboundDecoder } from './create-inbound-decoder.js';
export {
  DEFAULT_MAX_INBOUND_PAYLOAD_BYTES,
  type InboundDecoder,
  type InboundDecoderOptions,
  type TransportCompression,
} from './inbound-decoder.js';
export { JsonDecoder } from './json-decoder.js';
export { ZlibStreamDecoder } from './zlib-stream-decoder.js';
export { ZstdStreamDecoder, isZstdStreamSupported } from './zstd-stream-decoder.js';
export { parsePayload, checkEnvelope } from './parse-payload.js';
export { scanEnvelope, type ScannedEnvelope } from './scan-envelope.js';
export {
  encodeOutbound,
  assertOutboundSize,
  outboundByteLength,
  MAX_OUTBOUND_PAYLOAD_BYTES,
} from './encode-outbound.js';
