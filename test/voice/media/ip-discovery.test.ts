import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { ipDiscoveryRequest, parseIpDiscoveryResponse } from '../../../src/voice/media/index.js';

/** A response as the voice server writes it (docs/protocol/voice.md §3.1). */
function response(address: string, port: number, ssrc = 0x1234_5678): Buffer {
  const packet = Buffer.alloc(74);
  packet.writeUInt16BE(2, 0);
  packet.writeUInt16BE(70, 2);
  packet.writeUInt32BE(ssrc, 4);
  packet.write(address, 8, 'ascii');
  packet.writeUInt16BE(port, 72);
  return packet;
}

describe('ipDiscoveryRequest', () => {
  it('is 74 bytes: type 1, length 70, the SSRC big-endian, then zeros', () => {
    const packet = ipDiscoveryRequest(0xdead_beef);
    expect(packet).toHaveLength(74);
    expect(packet.subarray(0, 8)).toEqual(Buffer.from([0, 1, 0, 70, 0xde, 0xad, 0xbe, 0xef]));
    expect(packet.subarray(8).every((byte) => byte === 0)).toBe(true);
  });

  it.each([-1, 2 ** 32, 1.5, Number.NaN])('refuses SSRC %s', (ssrc) => {
    expect(() => ipDiscoveryRequest(ssrc)).toThrow(InvalidArgumentError);
  });
});

describe('parseIpDiscoveryResponse', () => {
  it('reads the NUL-terminated address and the big-endian port', () => {
    expect(parseIpDiscoveryResponse(response('203.0.113.7', 50_123))).toEqual({
      address: '203.0.113.7',
      port: 50_123,
    });
  });

  it('reads an IPv6 literal too', () => {
    expect(parseIpDiscoveryResponse(response('2001:db8::1', 4000))?.address).toBe('2001:db8::1');
  });

  it('accepts the response for the expected SSRC and ignores one for another', () => {
    const packet = response('198.51.100.1', 1234, 42);
    expect(parseIpDiscoveryResponse(packet, 42)).not.toBeNull();
    expect(parseIpDiscoveryResponse(packet, 43)).toBeNull();
  });

  it('ignores our own request (type 1)', () => {
    expect(parseIpDiscoveryResponse(ipDiscoveryRequest(1))).toBeNull();
  });

  it.each([
    ['a wrong length field', (p: Buffer) => p.writeUInt16BE(69, 2)],
    ['an unterminated address', (p: Buffer) => p.fill(0x31, 8, 72)],
    ['an empty address', (p: Buffer) => p.fill(0, 8, 72)],
    ['a hostname', (p: Buffer) => p.fill(0, 8, 72).write('voice.example', 8, 'ascii')],
    ['a control byte in the address', (p: Buffer) => p.writeUInt8(0x0a, 9)],
    ['port 0', (p: Buffer) => p.writeUInt16BE(0, 72)],
  ])('gives null for %s', (_name, corrupt) => {
    const packet = response('192.0.2.10', 5000);
    corrupt(packet);
    expect(parseIpDiscoveryResponse(packet)).toBeNull();
  });

  it.each([0, 8, 73, 75, 1500])('gives null for a %i-byte datagram', (length) => {
    const packet = Buffer.alloc(length);
    response('192.0.2.10', 5000).copy(packet);
    expect(parseIpDiscoveryResponse(packet)).toBeNull();
  });

  it('never throws on arbitrary bytes, with or without a valid type and length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 74, maxLength: 74 }), fc.boolean(), (bytes, typed) => {
        const packet = Buffer.from(bytes);
        if (typed) packet.writeUInt32BE(0x0002_0046, 0);
        parseIpDiscoveryResponse(packet);
      }),
      { seed: 3174, numRuns: 500 },
    );
  });
});
