import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demuxOggOpus, OggDemuxError, OggOpusDemuxer } from '../../../src/voice/media/index.js';
import { demuxAll, demuxError, packet } from './ogg-demux-helpers.js';
import {
  FLAG_BOS,
  FLAG_CONTINUED,
  FLAG_EOS,
  fixCrc,
  muxOggOpus,
  oggPage,
  opusHead,
  pageOffsets,
} from './ogg-muxer.js';

describe('demuxOggOpus on bad input', () => {
  it('rejects a stream that is not Ogg, at byte 0, naming the input', async () => {
    const error = await demuxError(Buffer.from('RIFF\0\0\0\0WAVEfmt '), 'song.wav');
    expect(error.code).toBe('STATECORD_ERR_OGG');
    expect(error.offset).toBe(0);
    expect(error.message).toContain('song.wav');
    expect(error.message).toContain('byte 0');
  });

  it('rejects a page with a bad CRC at that page', async () => {
    const stream = muxOggOpus([packet(100), packet(100)]);
    const third = pageOffsets(stream)[2] ?? 0;
    stream[third + 40] = (stream[third + 40] ?? 0) ^ 0xff;
    const error = await demuxError(stream);
    expect(error.reason).toBe('bad page CRC');
    expect(error.offset).toBe(third);
  });

  it('rejects an unknown page version', async () => {
    const stream = muxOggOpus([packet(10)]);
    stream[4] = 1;
    fixCrc(stream, 0);
    expect((await demuxError(stream)).reason).toContain('version 1');
  });

  it('rejects a stream cut inside a page', async () => {
    const stream = muxOggOpus([packet(300)]);
    const error = await demuxError(stream.subarray(0, stream.length - 10));
    expect(error.reason).toContain('truncated');
    expect(error.offset).toBe(pageOffsets(stream)[2]);
  });

  it('rejects a stream cut inside a packet continued across pages', async () => {
    const stream = muxOggOpus([packet(2000)], { segmentsPerPage: 4, endOfStream: false });
    const pages = pageOffsets(stream);
    expect((await demuxError(stream.subarray(0, pages[3]))).reason).toContain('inside a packet');
  });

  it('rejects empty input', async () => {
    expect((await demuxError(new Uint8Array(0))).reason).toContain('empty');
  });

  it('rejects a stream whose first packet is not OpusHead (Ogg/Vorbis)', async () => {
    const vorbis = Buffer.concat([Buffer.from([1]), Buffer.from('vorbis'), Buffer.alloc(23)]);
    const stream = oggPage({ flags: FLAG_BOS, sequence: 0, lacing: [vorbis.length], body: vorbis });
    expect((await demuxError(stream)).reason).toContain('not an OpusHead');
  });

  it('rejects a stream whose second packet is not OpusTags', async () => {
    const stream = muxOggOpus([packet(10)], { tags: Buffer.from('NotTags!') });
    expect((await demuxError(stream)).reason).toContain('not OpusTags');
  });

  it.each([
    ['6 channels (mapping family 1)', { channels: 6, family: 1 }, 'family 1'],
    ['0 channels', { channels: 0 }, '0 channels'],
    ['3 channels in family 0', { channels: 3 }, '3 channels'],
    ['major version 1', { version: 16 }, 'version 16'],
  ])('rejects an OpusHead with %s', async (_name, head, reason) => {
    expect((await demuxError(muxOggOpus([packet(10)], { head: opusHead(head) }))).reason).toContain(reason);
  });

  it('rejects a first page that does not begin a stream', async () => {
    const head = opusHead();
    const stream = oggPage({ sequence: 0, lacing: [head.length], body: head });
    expect((await demuxError(stream)).reason).toContain('does not begin a stream');
  });

  it('rejects a multiplexed file (a page of a second logical stream)', async () => {
    const opus = muxOggOpus([packet(10), packet(11)], { serial: 1 });
    const pages = pageOffsets(opus);
    const other = oggPage({ flags: FLAG_BOS, serial: 2, sequence: 0, lacing: [8], body: packet(8) });
    const stream = Buffer.concat([opus.subarray(0, pages[1]), other, opus.subarray(pages[1])]);
    expect((await demuxError(stream)).reason).toContain('multiplexed');
  });

  it('rejects a second beginning-of-stream page of the same serial', async () => {
    const stream = muxOggOpus([packet(10)]);
    const audio = pageOffsets(stream)[2] ?? 0;
    stream[audio + 5] = (stream[audio + 5] ?? 0) | FLAG_BOS;
    fixCrc(stream, audio);
    expect((await demuxError(stream)).reason).toContain('second beginning-of-stream');
  });

  it('rejects a gap in the page sequence (a lost page)', async () => {
    const stream = muxOggOpus([packet(10), packet(11)], { segmentsPerPage: 1 });
    const pages = pageOffsets(stream);
    const cut = Buffer.concat([stream.subarray(0, pages[2]), stream.subarray(pages[3])]);
    expect((await demuxError(cut)).reason).toContain('a page is missing');
  });

  it('rejects a page flagged as continuing when no packet is open', async () => {
    const stream = muxOggOpus([packet(10)]);
    const audio = pageOffsets(stream)[2] ?? 0;
    stream[audio + 5] = (stream[audio + 5] ?? 0) | FLAG_CONTINUED;
    fixCrc(stream, audio);
    expect((await demuxError(stream)).reason).toContain('not started');
  });

  it('rejects an open packet that the next page does not continue', async () => {
    const stream = muxOggOpus([packet(600)], { segmentsPerPage: 2 });
    const pages = pageOffsets(stream);
    const at = pages[3] ?? 0;
    stream[at + 5] = (stream[at + 5] ?? 0) & ~FLAG_CONTINUED;
    fixCrc(stream, at);
    expect((await demuxError(stream)).reason).toContain('not continued');
  });

  it('rejects a page after the end of the stream that begins none', async () => {
    const stream = muxOggOpus([packet(10)]);
    const extra = oggPage({ sequence: 3, lacing: [4], body: packet(4) });
    expect((await demuxError(Buffer.concat([stream, extra]))).reason).toContain('after the end');
  });

  it('rejects an end-of-stream page before OpusTags', async () => {
    const head = opusHead();
    const stream = oggPage({ flags: FLAG_BOS | FLAG_EOS, sequence: 0, lacing: [head.length], body: head });
    expect((await demuxError(stream)).reason).toContain('before OpusTags');
  });

  it('rejects a packet larger than maxPacketBytes', () => {
    const demuxer = new OggOpusDemuxer({ maxPacketBytes: 1000 });
    expect(() => demuxer.push(muxOggOpus([packet(1001)]))).toThrow(/larger than 1000 bytes/);
  });

  it('rejects a chunk that is not bytes', async () => {
    const source = (async function* () {
      await Promise.resolve();
      yield 'OggS' as unknown as Uint8Array;
    })();
    const error: unknown = await (async () => {
      for await (const _ of demuxOggOpus(source));
    })().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OggDemuxError);
  });

  it('never fails with anything but OggDemuxError on corrupted streams', async () => {
    const stream = muxOggOpus([packet(70), packet(300), packet(20)], { segmentsPerPage: 2 });
    await fc.assert(
      fc.asyncProperty(
        fc.nat(stream.length - 1),
        fc.nat(255),
        fc.nat(stream.length),
        async (at, value, cut) => {
          const corrupt = Buffer.from(stream);
          corrupt[at] = value;
          await demuxAll(corrupt.subarray(0, Math.max(cut, 1))).catch((error: unknown) => {
            expect(error).toBeInstanceOf(OggDemuxError);
          });
        },
      ),
      { seed: 612, numRuns: 300 },
    );
  });
});
