import type { Readable } from 'node:stream';
import { OggDemuxError } from './errors.js';
import { OggOpusDemuxer, type OggOpusDemuxerOptions } from './ogg-opus-demuxer.js';

/**
 * The Opus packets of an Ogg/Opus byte stream, in order (docs/protocol/voice.md §6.1): `OpusHead` and
 * `OpusTags` are checked and skipped, pages may be split over reads anywhere. See
 * `OggOpusDemuxer` for what is accepted. Stopping early (`break`, `return()`) ends the source
 * (a Readable is destroyed).
 *
 * @throws OggDemuxError (from the iteration) for input that is not a well-formed single-stream
 *   Ogg/Opus file, naming `options.name` and the byte offset; a chunk that is not bytes (e.g. a string
 *   from a Readable with an encoding set) is one too. An error of the source itself is rethrown as is.
 * @example
 * for await (const packet of demuxOggOpus(createReadStream('song.opus'), { name: 'song.opus' })) send(packet);
 */
export async function* demuxOggOpus(
  source: AsyncIterable<Uint8Array> | Readable,
  options: OggOpusDemuxerOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const demuxer = new OggOpusDemuxer(options);
  for await (const chunk of source as AsyncIterable<unknown>) {
    if (!(chunk instanceof Uint8Array)) {
      throw new OggDemuxError(
        `the source gave a ${typeof chunk} chunk, not bytes`,
        demuxer.offset,
        options.name ?? null,
      );
    }
    yield* demuxer.push(chunk);
  }
  demuxer.end();
}
