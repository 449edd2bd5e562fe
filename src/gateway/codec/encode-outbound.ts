import type { GatewaySendPayload } from 'discord-api-types/v10';
import { InvalidArgumentError, PayloadTooLargeError } from '../../errors.js';

/** The gateway closes with 4002 when a client payload is larger than this many bytes (docs/protocol/gateway.md §5). */
export const MAX_OUTBOUND_PAYLOAD_BYTES = 4096;

/**
 * Encodes a payload for a JSON text frame. Clients never compress what they send (docs/protocol/gateway.md §1.3).
 * @throws InvalidArgumentError when the payload cannot be serialised (e.g. a bigint in it).
 */
export function encodeOutbound(payload: GatewaySendPayload): string {
  try {
    return JSON.stringify(payload);
  } catch (error) {
    throw new InvalidArgumentError(`payload cannot be encoded as JSON: ${(error as Error).message}`);
  }
}

/** UTF-8 size in bytes of an encoded payload: what the 4096-byte limit counts. */
export function outboundByteLength(data: string): number {
  return Buffer.byteLength(data, 'utf8');
}

/**
 * Throws `PayloadTooLargeError` when `data` is more than `limit` UTF-8 bytes (default 4096), which
 * Discord would answer by closing the connection with 4002 (docs/protocol/gateway.md §5, §12.18).
 */
export function assertOutboundSize(data: string, limit = MAX_OUTBOUND_PAYLOAD_BYTES): void {
  // A UTF-16 code unit is at most 3 UTF-8 bytes (a surrogate pair: 2 units, 4 bytes), so most
  // payloads are decided by their length alone, without counting bytes.
  if (data.length * 3 <= limit) return;
  const size = outboundByteLength(data);
  if (size > limit) throw new PayloadTooLargeError(size, limit);
}
