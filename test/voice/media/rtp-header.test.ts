import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRtpHeader, RtpPacketizer } from '../../../src/voice/media/index.js';

/** An RTP packet with the given first two bytes, CSRCs and extension preamble, then `rest`. */
function rtp(options: {
  first?: number;
  second?: number;
  csrcs?: number;
  extensionWords?: number;
  profile?: number;
  rest?: number;
}): Buffer {
  const { first = 0x80, second = 0x78, csrcs = 0, extensionWords, profile = 0xbede, rest = 20 } = options;
  const extension = extensionWords === undefined ? 0 : 4;
  const packet = Buffer.alloc(12 + 4 * csrcs + extension + rest);
  packet[0] = first | csrcs | (extensionWords === undefined ? 0 : 0x10);
  packet[1] = second;
  packet.writeUInt16BE(0xfffe, 2);
  packet.writeUInt32BE(0xffff_ff00, 4);
  packet.writeUInt32BE(0x0102_0304, 8);
  if (extensionWords !== undefined) {
    packet.writeUInt16BE(profile, 12 + 4 * csrcs);
    packet.writeUInt16BE(extensionWords, 14 + 4 * csrcs);
  }
  return packet;
}

describe('parseRtpHeader', () => {
  it('reads sequence, timestamp and SSRC of a plain Opus packet', () => {
    expect(parseRtpHeader(rtp({}))).toEqual({
      sequence: 0xfffe,
      timestamp: 0xffff_ff00,
      ssrc: 0x0102_0304,
      marker: false,
      csrcCount: 0,
      headerLength: 12,
      extensionWords: 0,
      padded: false,
    });
  });

  it('reads what the packetizer writes', () => {
    const packetizer = new RtpPacketizer(77, { sequence: 9, timestamp: 960 });
    const header = parseRtpHeader(Buffer.concat([packetizer.header(), Buffer.alloc(8)]));
    expect(header).toMatchObject({ sequence: 9, timestamp: 960, ssrc: 77, headerLength: 12 });
  });

  it('counts CSRCs into the header length', () => {
    expect(parseRtpHeader(rtp({ csrcs: 2 }))).toMatchObject({ csrcCount: 2, headerLength: 20 });
  });

  it('with X=1 includes the 4-byte 0xBEDE preamble in the header and reports the body length in words', () => {
    expect(parseRtpHeader(rtp({ extensionWords: 3 }))).toMatchObject({ headerLength: 16, extensionWords: 3 });
  });

  it('places the preamble after the CSRCs', () => {
    expect(parseRtpHeader(rtp({ csrcs: 1, extensionWords: 1 }))).toMatchObject({
      headerLength: 20,
      extensionWords: 1,
    });
  });

  it('reports the P bit', () => {
    expect(parseRtpHeader(rtp({ first: 0xa0 }))?.padded).toBe(true);
  });

  it('reports the marker bit without mistaking it for the payload type', () => {
    expect(parseRtpHeader(rtp({ second: 0xf8 }))?.marker).toBe(true);
  });

  it.each([200, 201, 202, 203, 204])('gives null for RTCP packet type %i', (type) => {
    expect(parseRtpHeader(rtp({ second: type }))).toBeNull();
  });

  it('gives null for another payload type', () => {
    expect(parseRtpHeader(rtp({ second: 0x6f }))).toBeNull();
  });

  it.each([0x00, 0x40, 0xc0])('gives null for first byte %i (RTP version not 2)', (first) => {
    expect(parseRtpHeader(rtp({ first }))).toBeNull();
  });

  it('gives null when the packet is shorter than its CSRC list or extension preamble', () => {
    expect(parseRtpHeader(rtp({ csrcs: 15, rest: 0 }).subarray(0, 30))).toBeNull();
    expect(parseRtpHeader(rtp({ extensionWords: 1, rest: 0 }).subarray(0, 14))).toBeNull();
    expect(parseRtpHeader(Buffer.from([0x80, 0x78, 0, 0]))).toBeNull();
  });

  it('never throws on arbitrary bytes, and any header it returns fits the packet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const header = parseRtpHeader(bytes);
        if (header !== null) expect(header.headerLength).toBeLessThanOrEqual(bytes.length);
      }),
      { seed: 32, numRuns: 1000 },
    );
  });
});
