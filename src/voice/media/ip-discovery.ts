import { isIP } from 'node:net';
import { InvalidArgumentError } from '../../errors.js';
import { readU16BE, readU32BE } from './bytes.js';

/** Size of an IP discovery datagram, request and response alike (docs/protocol/voice.md §3.1). */
export const IP_DISCOVERY_LENGTH = 74;

/** Value of the length field: everything after the type and length fields (74 − 4). */
const BODY_LENGTH = 70;
const TYPE_REQUEST = 1;
const TYPE_RESPONSE = 2;
const ADDRESS_OFFSET = 8;
const ADDRESS_BYTES = 64;
const PORT_OFFSET = 72;

/** Our external address as the voice server saw it: goes into Select Protocol `data.address/port`. */
export interface DiscoveredAddress {
  /** IPv4 (or IPv6) literal. */
  readonly address: string;
  /** External UDP port, 1–65535. */
  readonly port: number;
}

/**
 * The 74-byte IP discovery request for our SSRC (from Ready): type 1, length 70, the SSRC, and zeros
 * where the server will write our address and port (docs/protocol/voice.md §3.1). All big-endian.
 *
 * @throws InvalidArgumentError when `ssrc` is not a u32.
 */
export function ipDiscoveryRequest(ssrc: number): Buffer {
  if (!Number.isInteger(ssrc) || ssrc < 0 || ssrc > 0xffff_ffff) {
    throw new InvalidArgumentError(`ssrc must be an unsigned 32-bit integer, got ${ssrc}`);
  }
  const packet = Buffer.alloc(IP_DISCOVERY_LENGTH);
  packet.writeUInt16BE(TYPE_REQUEST, 0);
  packet.writeUInt16BE(BODY_LENGTH, 2);
  packet.writeUInt32BE(ssrc, 4);
  return packet;
}

/**
 * Reads an IP discovery response (docs/protocol/voice.md §3.1): exactly 74 bytes, type 2, length 70,
 * a NUL-terminated ASCII IP literal at offset 8 and a big-endian port at 72. When `expectedSsrc` is
 * given, a response for another SSRC is not ours. Anything else (a stray RTP packet, a truncated or
 * garbled datagram, a hostname, port 0) gives null; this never throws.
 *
 * Differs from @discordjs/voice, which accepts IPv4 only: an IPv6 literal is returned too, since the
 * address is only echoed back to Discord in Select Protocol.
 */
export function parseIpDiscoveryResponse(
  packet: Uint8Array,
  expectedSsrc?: number,
): DiscoveredAddress | null {
  if (packet.length !== IP_DISCOVERY_LENGTH) return null;
  if (readU16BE(packet, 0) !== TYPE_RESPONSE || readU16BE(packet, 2) !== BODY_LENGTH) return null;
  if (expectedSsrc !== undefined && readU32BE(packet, 4) !== expectedSsrc) return null;
  let address = '';
  let end = ADDRESS_OFFSET;
  for (; end < ADDRESS_OFFSET + ADDRESS_BYTES; end++) {
    const byte = packet[end] ?? 0;
    if (byte === 0) break;
    // Printable ASCII only; isIP below decides what is an address.
    if (byte < 0x21 || byte > 0x7e) return null;
    address += String.fromCharCode(byte);
  }
  // No NUL inside the 64 bytes: not a terminated string.
  if (end === ADDRESS_OFFSET + ADDRESS_BYTES) return null;
  if (isIP(address) === 0) return null;
  const port = readU16BE(packet, PORT_OFFSET);
  if (port === 0) return null;
  return { address, port };
}
