/** IP discovery datagrams are 74 bytes each way, all big-endian (docs/protocol/voice.md §3.1). */
export const DISCOVERY_PACKET_SIZE = 74;

const REQUEST_TYPE = 0x0001;
const RESPONSE_TYPE = 0x0002;
/** The length field counts everything after itself: 70. */
const BODY_LENGTH = 70;
const ADDRESS_OFFSET = 8;
const ADDRESS_SIZE = 64;

/** The SSRC of a discovery request (type 1, length 70, 74 bytes), or null when `packet` is not one. */
export function parseDiscoveryRequest(packet: Buffer): number | null {
  if (packet.length !== DISCOVERY_PACKET_SIZE) return null;
  if (packet.readUInt16BE(0) !== REQUEST_TYPE || packet.readUInt16BE(2) !== BODY_LENGTH) return null;
  return packet.readUInt32BE(4);
}

/**
 * The answer: type 2, length 70, the SSRC, the address the datagram came from as NUL-terminated ASCII
 * in 64 bytes, and its port in the last two bytes (docs/protocol/voice.md §3.1).
 */
export function buildDiscoveryResponse(ssrc: number, address: string, port: number): Buffer {
  const packet = Buffer.alloc(DISCOVERY_PACKET_SIZE);
  packet.writeUInt16BE(RESPONSE_TYPE, 0);
  packet.writeUInt16BE(BODY_LENGTH, 2);
  packet.writeUInt32BE(ssrc >>> 0, 4);
  packet.write(address.slice(0, ADDRESS_SIZE - 1), ADDRESS_OFFSET, 'ascii');
  packet.writeUInt16BE(port, DISCOVERY_PACKET_SIZE - 2);
  return packet;
}
