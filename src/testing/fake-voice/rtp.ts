/** RTP payload type Discord uses for Opus (docs/protocol/voice.md §3.2). */
export const OPUS_PAYLOAD_TYPE = 0x78;

/** The size of the fixed RTP header. */
export const RTP_HEADER_SIZE = 12;

/** What the fake reads from an RTP header (docs/protocol/voice.md §3.2, §3.4). */
export interface RtpHeader {
  readonly padding: boolean;
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  /**
   * Bytes of the unencrypted header, which is also the AEAD additional data of the `*_rtpsize` modes:
   * 12 + 4·CC, plus the 4-byte extension preamble when X=1 (the extension body is encrypted).
   */
  readonly headerLength: number;
  /** Length of the (encrypted) extension body in bytes (4 · the preamble's word count), 0 without X. */
  readonly extensionBodyLength: number;
}

/** Version 2 and the Opus payload type: an RTP media packet; RTCP (byte 1 = 200..204) is not. */
export function isOpusRtp(packet: Buffer): boolean {
  return (
    packet.length >= RTP_HEADER_SIZE && packet[0]! >> 6 === 2 && (packet[1]! & 0x7f) === OPUS_PAYLOAD_TYPE
  );
}

/** Byte 1 of an RTCP packet is its packet type, 200..204 (SR, RR, SDES, BYE, APP). */
export function isRtcp(packet: Buffer): boolean {
  return packet.length >= 8 && packet[0]! >> 6 === 2 && packet[1]! >= 200 && packet[1]! <= 204;
}

/** Parses the header of an RTP packet; null when it is shorter than its own header says. */
export function parseRtpHeader(packet: Buffer): RtpHeader | null {
  if (packet.length < RTP_HEADER_SIZE) return null;
  const first = packet[0]!;
  const csrcCount = first & 0x0f;
  let headerLength = RTP_HEADER_SIZE + 4 * csrcCount;
  let extensionBodyLength = 0;
  if ((first & 0x10) !== 0) {
    if (packet.length < headerLength + 4) return null;
    extensionBodyLength = 4 * packet.readUInt16BE(headerLength + 2);
    headerLength += 4;
  }
  if (packet.length < headerLength) return null;
  return {
    padding: (first & 0x20) !== 0,
    marker: (packet[1]! & 0x80) !== 0,
    payloadType: packet[1]! & 0x7f,
    sequence: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    headerLength,
    extensionBodyLength,
  };
}

/** The 12-byte header Discord's senders use: V=2, no padding/extension/CSRC, PT 120 (docs/protocol/voice.md §3.2). */
export function buildRtpHeader(sequence: number, timestamp: number, ssrc: number): Buffer {
  const header = Buffer.alloc(RTP_HEADER_SIZE);
  header[0] = 0x80;
  header[1] = OPUS_PAYLOAD_TYPE;
  header.writeUInt16BE(sequence & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(ssrc >>> 0, 8);
  return header;
}
