import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import {
  loadOpusEncoder,
  OggDemuxError,
  PCM_FRAME_BYTES,
  type AudioSourceError,
} from '../../../src/voice/media/index.js';
import { muxOggOpus } from './ogg-muxer.js';
import { packets, playerHarness } from './player-harness.js';

const FIVE_SILENCES = ['silence', 'silence', 'silence', 'silence', 'silence'];

describe('AudioPlayerCore sources', () => {
  it('refuses a source that is neither an async iterable nor a Readable', () => {
    const h = playerHarness();
    expect(() => h.player.play([Buffer.from([1])] as unknown as AsyncIterable<Uint8Array>)).toThrow(
      InvalidArgumentError,
    );
  });

  it('plays an object-mode Readable, packet by packet', async () => {
    const h = playerHarness();
    h.player.play(Readable.from(packets(3)));
    await h.run(150);
    expect(h.seen()).toEqual(['speaking:on', '#1', '#2', '#3', ...FIVE_SILENCES, 'speaking:off']);
  });

  it('keeps the packet boundaries of a byte-mode Readable written faster than it is read', async () => {
    const h = playerHarness();
    const stream = new PassThrough();
    for (const packet of packets(4)) stream.write(packet);
    stream.end();
    h.player.play(stream);
    await h.run(200);
    expect(h.seen().filter((what) => what.startsWith('#'))).toEqual(['#1', '#2', '#3', '#4']);
  });

  it('destroys a Readable source when stopped', async () => {
    const h = playerHarness();
    const stream = new PassThrough({ objectMode: true });
    stream.write(Buffer.from([1]));
    h.player.play(stream);
    await h.run(5);
    h.player.stop();
    await h.run(150);
    expect(stream.destroyed).toBe(true);
  });

  it("plays an Ogg/Opus byte stream with type 'ogg/opus'", async () => {
    const h = playerHarness();
    h.player.play(Readable.from([muxOggOpus(packets(2))]), { type: 'ogg/opus' });
    await h.run(150);
    expect(h.seen()).toEqual(['speaking:on', '#1', '#2', ...FIVE_SILENCES, 'speaking:off']);
  });

  it('fails a corrupt Ogg/Opus stream with the OggDemuxError as cause', async () => {
    const h = playerHarness();
    const track = h.player.play(Readable.from([Buffer.from('not ogg at all')]), {
      type: 'ogg/opus',
      name: 'x.ogg',
    });
    await h.run(50);
    const error: unknown = await track.finished.catch((thrown: unknown) => thrown);
    expect((error as AudioSourceError).cause).toBeInstanceOf(OggDemuxError);
    expect((error as Error).message).toContain('x.ogg');
  });

  it("encodes PCM with type 'pcm', one packet per 20 ms", async () => {
    const h = playerHarness();
    const encoder = await loadOpusEncoder({ packages: ['opusscript'] });
    const pcm = Buffer.alloc(3 * PCM_FRAME_BYTES - 1000);
    const track = h.player.play(Readable.from([pcm]), { type: 'pcm', pcm: { encoder } });
    await h.run(200);
    encoder.close();
    expect(track.framesSent).toBe(3);
  });
});
