import { describe, expect, it } from 'vitest';
import { GatewayOpcodes } from 'discord-api-types/v10';
import { PayloadTooLargeError } from '../../src/errors.js';
import {
  assertOutboundSize,
  encodeOutbound,
  MAX_OUTBOUND_PAYLOAD_BYTES,
  outboundByteLength,
} from '../../src/gateway/codec/index.js';

describe('encodeOutbound', () => {
  it('encodes a payload as compact JSON text', () => {
    expect(encodeOutbound({ op: GatewayOpcodes.Heartbeat, d: 41 })).toBe('{"op":1,"d":41}');
  });
});

describe('outbound size check', () => {
  it('allows exactly 4096 bytes', () => {
    expect(() => assertOutboundSize('a'.repeat(4096))).not.toThrow();
  });

  it('rejects 4097 bytes with PayloadTooLargeError carrying size and limit', () => {
    expect(() => assertOutboundSize('a'.repeat(4097))).toThrow(
      expect.objectContaining({ code: 'STATECORD_ERR_PAYLOAD_TOO_LARGE', size: 4097, limit: 4096 }),
    );
  });

  it('counts UTF-8 bytes, not string length', () => {
    const text = 'é'.repeat(2049); // 2049 characters, 4098 bytes
    expect(outboundByteLength(text)).toBe(4098);
    expect(() => assertOutboundSize(text)).toThrow(PayloadTooLargeError);
  });

  it('counts a surrogate pair as four bytes', () => {
    expect(outboundByteLength('😀')).toBe(4);
    expect(() => assertOutboundSize('😀'.repeat(1024))).not.toThrow();
    expect(() => assertOutboundSize('😀'.repeat(1024) + 'a')).toThrow(PayloadTooLargeError);
  });

  it('uses the gateway limit of 4096 by default', () => {
    expect(MAX_OUTBOUND_PAYLOAD_BYTES).toBe(4096);
  });

  it('accepts a custom limit', () => {
    expect(() => assertOutboundSize('abc', 2)).toThrow(PayloadTooLargeError);
  });
});
