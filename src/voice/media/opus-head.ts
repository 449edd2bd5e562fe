/** The fields of an Ogg/Opus identification header (RFC 7845 §5.1). */
export interface OpusHead {
  /** Encapsulation version; only major version 0 (values 0–15) is readable. */
  readonly version: number;
  /** Output channel count: 1 or 2 here. */
  readonly channels: number;
  /** Samples (at 48 kHz) the decoder should discard at the start. Not applied: packets are sent whole. */
  readonly preSkip: number;
  /** Sample rate of the original input, informational only: Opus always runs at 48 kHz. */
  readonly inputSampleRate: number;
  /** Output gain, Q7.8 dB. Not applied (a receiver decodes the packets as they are). */
  readonly outputGain: number;
  /** Channel mapping family; 0 (mono/stereo, one Opus stream per packet) is the only one accepted. */
  readonly mappingFamily: number;
}

const MAGIC = 'OpusHead';
const MIN_LENGTH = 19;

/** Whether `packet` starts with the 8 ASCII bytes of `magic`. */
export function hasMagic(packet: Uint8Array, magic: string): boolean {
  if (packet.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (packet[i] !== magic.charCodeAt(i)) return false;
  return true;
}

/**
 * Reads an `OpusHead` packet (docs/protocol/voice.md §6.1, RFC 7845 §5.1). Returns the reason it
 * cannot be played instead of the header when it is not one, is of an unknown major version, or is
 * not a mono or stereo single-stream layout (Discord takes one plain Opus stream; a multistream packet
 * of mapping family 1 or 255 is not one).
 */
export function parseOpusHead(packet: Uint8Array): OpusHead | string {
  if (!hasMagic(packet, MAGIC)) return 'the first packet is not an OpusHead (not an Ogg/Opus stream)';
  if (packet.length < MIN_LENGTH) return `OpusHead is ${packet.length} bytes, shorter than ${MIN_LENGTH}`;
  const view = Buffer.from(packet.buffer, packet.byteOffset, packet.length);
  const version = view.readUInt8(8);
  if (version >> 4 !== 0)
    return `OpusHead version ${version} is not readable (major version ${version >> 4})`;
  const channels = view.readUInt8(9);
  const mappingFamily = view.readUInt8(18);
  if (mappingFamily !== 0) {
    return `channel mapping family ${mappingFamily} (multistream, ${channels} channels) is not supported; use mono or stereo`;
  }
  if (channels !== 1 && channels !== 2) return `OpusHead says ${channels} channels; mono or stereo expected`;
  return {
    version,
    channels,
    preSkip: view.readUInt16LE(10),
    inputSampleRate: view.readUInt32LE(12),
    outputGain: view.readInt16LE(16),
    mappingFamily,
  };
}
