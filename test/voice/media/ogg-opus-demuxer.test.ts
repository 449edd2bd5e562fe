import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OggOpusDemuxer, oggCrc32 } from '../../../src/voice/media/index.js';
import { demuxAll, packet } from './ogg-demux-helpers.js';
import { bitwiseOggCrc, FLAG_CONTINUED, muxOggOpus, opusHead, opusTags, pageOffsets } from './ogg-muxer.js';

describe('oggCrc32', () => {
  it('has the check value 0x89A1897F for "123456789"', () => {
    expect(oggCrc32(Buffer.from('123456789'))).toBe(0x89a1897f);
  });

  it('agrees with a bit-by-bit computation, also when continued over ranges', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (bytes, cut) => {
        const at = Math.min(cut, bytes.length);
        expect(oggCrc32(bytes, at, bytes.length, oggCrc32(bytes, 0, at))).toBe(bitwiseOggCrc(bytes));
      }),
      { seed: 61, numRuns: 200 },
    );
  });
});

describe('demuxOggOpus', () => {
  it('yields the audio packets in order and skips OpusHead and OpusTags', async () => {
    const packets = [packet(3), packet(120), packet(80)];
    expect(await demuxAll(muxOggOpus(packets))).toEqual(packets);
  });

  it.each([
    [255, '255-laced then 0'],
    [510, 'two 255s then 0'],
    [254, 'one lacing value'],
  ])('reassembles a %i-byte packet (%s)', async (length) => {
    const packets = [packet(10), packet(length), packet(11)];
    expect(await demuxAll(muxOggOpus(packets))).toEqual(packets);
  });

  it('reassembles a packet larger than 255 × 255 bytes continued across pages', async () => {
    const big = packet(255 * 255 + 1000);
    const stream = muxOggOpus([packet(5), big, packet(6)]);
    const continued = pageOffsets(stream).filter((at) => ((stream[at + 5] ?? 0) & FLAG_CONTINUED) !== 0);
    expect(continued.length).toBeGreaterThan(0);
    expect(await demuxAll(stream)).toEqual([packet(5), big, packet(6)]);
  });

  it('reassembles packets continued across pages of few segments', async () => {
    const packets = Array.from({ length: 40 }, (_, i) => packet(1 + ((i * 97) % 900), i));
    expect(await demuxAll(muxOggOpus(packets, { segmentsPerPage: 3 }))).toEqual(packets);
  });

  it('skips empty packets', async () => {
    expect(await demuxAll(muxOggOpus([packet(4), new Uint8Array(0), packet(7)]))).toEqual([
      packet(4),
      packet(7),
    ]);
  });

  it('yields the same packets whatever the chunking (pages split anywhere)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(1400), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 255 }),
        async (lengths, sizes, segmentsPerPage) => {
          const packets = lengths.map((length, i) => packet(length, i));
          const expected = packets.filter((p) => p.length > 0);
          expect(await demuxAll(muxOggOpus(packets, { segmentsPerPage }), sizes)).toEqual(expected);
        },
      ),
      { seed: 611, numRuns: 150 },
    );
  });

  it('demuxes Opus packets from a real encoder byte for byte', async () => {
    const { default: OpusScript } = await import('opusscript');
    const encoder = new OpusScript(48_000, 2, OpusScript.Application.AUDIO);
    const packets: Buffer[] = [];
    for (let frame = 0; frame < 25; frame++) {
      const pcm = Buffer.alloc(3840);
      for (let i = 0; i < 960; i++) {
        const sample = Math.round(6000 * Math.sin((2 * Math.PI * 440 * (frame * 960 + i)) / 48_000));
        pcm.writeInt16LE(sample, 4 * i);
        pcm.writeInt16LE(sample, 4 * i + 2);
      }
      packets.push(encoder.encode(pcm, 960));
    }
    encoder.delete();
    expect(await demuxAll(muxOggOpus(packets), [4096])).toEqual(packets);
  });

  it('plays a chained file: a second Opus stream after the first one ends', async () => {
    const first = muxOggOpus([packet(1), packet(2)], { serial: 1 });
    const second = muxOggOpus([packet(3)], { serial: 2, head: opusHead({ channels: 1 }) });
    expect(await demuxAll(Buffer.concat([first, second]))).toEqual([packet(1), packet(2), packet(3)]);
  });

  it('accepts a stream without an end-of-stream page', async () => {
    expect(await demuxAll(muxOggOpus([packet(9)], { endOfStream: false }))).toEqual([packet(9)]);
  });

  it('skips an OpusTags of megabytes without holding it (cover art)', () => {
    const demuxer = new OggOpusDemuxer({ maxPacketBytes: 2000 });
    const stream = muxOggOpus([packet(50)], { tags: opusTags(3_000_000) });
    const out = [...demuxer.push(stream)];
    demuxer.end();
    expect(out).toEqual([packet(50)]);
  });

  it('exposes the OpusHead', () => {
    const demuxer = new OggOpusDemuxer();
    demuxer.push(muxOggOpus([], { head: opusHead({ channels: 1 }) }));
    expect(demuxer.head).toEqual({
      version: 1,
      channels: 1,
      preSkip: 312,
      inputSampleRate: 48_000,
      outputGain: 0,
      mappingFamily: 0,
    });
  });
});
