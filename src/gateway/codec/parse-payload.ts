import type { GatewayReceivePayload } from 'discord-api-types/v10';
import { GatewayDecodeError } from '../../errors.js';

/**
 * Parses the JSON text of one payload and checks its envelope (docs/protocol/gateway.md §2): an object whose `op` is
 * an integer, whose `s` is an integer or null or absent, and whose `t` is a string or null or absent.
 * `d` is not inspected here, unknown fields are kept and key order does not matter (§12.24).
 *
 * The result is returned as parsed, without copying: `s`, `t` and `d` may be absent rather than null
 * (real heartbeat ACKs may omit `d`).
 *
 * @throws GatewayDecodeError for invalid JSON or an invalid envelope.
 */
export function parsePayload(text: string): GatewayReceivePayload {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GatewayDecodeError('inbound payload is not valid JSON', { cause: error });
  }
  return checkEnvelope(value);
}

/** Checks the envelope of an already parsed payload; see {@link parsePayload}. */
export function checkEnvelope(value: unknown): GatewayReceivePayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GatewayDecodeError('inbound payload is not a JSON object');
  }
  const envelope = value as { op?: unknown; s?: unknown; t?: unknown };
  if (!Number.isInteger(envelope.op)) {
    throw new GatewayDecodeError('inbound payload has no integer "op"');
  }
  const s = envelope.s;
  if (s !== undefined && s !== null && !Number.isInteger(s)) {
    throw new GatewayDecodeError('inbound payload "s" is neither an integer nor null');
  }
  const t = envelope.t;
  if (t !== undefined && t !== null && typeof t !== 'string') {
    throw new GatewayDecodeError('inbound payload "t" is neither a string nor null');
  }
  return value as GatewayReceivePayload;
}
