import { readU16BE, readU32BE } from './bytes.js';

/** Length of the fixed RTP header (docs/protocol/voice.md §3.2). */
export const RTP_HEADER_LENGTH = 12;

/** The RTP payload type Discord uses for Opus (docs/protocol/voice.md §3.2). */
export const OPUS_PAYLOAD_TYPE = 120;

/** Length of the header-extension preamble: 16-bit profile (`0xBEDE`) and 16-bit length in words. */
export const RTP_EXTENSION_PREAMBLE_LENGTH = 4;

/** The fields of an inbound RTP header that the receive path needs. */
export interface RtpHeader {
  /** Sequence number, u16. */
  readonly sequence: number;
  /** Timestamp, u32 (48 kHz clock). */
  readonly timestamp: number;
  /** Sender's SSRC, u32; op 5 Speaking maps it to a user id. */
  readonly ssrc: number;
  /** The M bit. */
  readonly marker: boolean;
  /** Number of CSRC entries (CC). */
  readonly csrcCount: number;
  /**
   * Bytes sent in the clear and authenticated as AAD: 12 + 4·CC, plus the 4-byte extension preamble
   * when X=1 (the extension body itself is encrypted; docs/protocol/voice.md §3.4).
   */
  readonly headerLength: number;
  /** Length of the (encrypted) extension body in 32-bit words; 0 when X=0. */
  readonly extensionWords: number;
  /** The P bit: the decrypted payload ends in padding whose last byte is the pad count. */
  readonly padded: boolean;
}

/**
 * Parses the header of an inbound voice packet (docs/protocol/voice.md §3.2, §3.4). Keeps only what
 * can be Opus audio: version 2 and payload type 120. RTCP (which shares the socket: its second byte,
 * 200–204, reads as M=1 with payload type 72–76), keep-alives, discovery answers and other payload
 * types give null, as does a packet too short for the header it announces. Never throws.
 *
 * The extension preamble is read per RFC 3550 §5.3.1 (16-bit profile, 16-bit length in words) for
 * any profile; Discord sends the one-byte-header profile `0xBEDE` (RFC 8285).
 */
export function parseRtpHeader(packet: Uint8Array): RtpHeader | null {
  if (packet.length < RTP_HEADER_LENGTH) return null;
  const first = packet[0] ?? 0;
  const second = packet[1] ?? 0;
  if (first >> 6 !== 2) return null;
  if ((second & 0x7f) !== OPUS_PAYLOAD_TYPE) return null;
  const csrcCount = first & 0x0f;
  let headerLength = RTP_HEADER_LENGTH + 4 * csrcCount;
  let extensionWords = 0;
  if ((first & 0x10) !== 0) {
    if (packet.length < headerLength + RTP_EXTENSION_PREAMBLE_LENGTH) return null;
    extensionWords = readU16BE(packet, headerLength + 2);
    headerLength += RTP_EXTENSION_PREAMBLE_LENGTH;
  }
  if (packet.length < headerLength) return null;
  return {
    sequence: readU16BE(packet, 2),
    timestamp: readU32BE(packet, 4),
    ssrc: readU32BE(packet, 8),
    marker: (second & 0x80) !== 0,
    csrcCount,
    headerLength,
    extensionWords,
    padded: (first & 0x20) !== 0,
  };
}
