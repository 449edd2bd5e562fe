import { createReadStream } from 'node:fs';
import { demuxOggOpus } from './demux-ogg-opus.js';
import type { OggOpusDemuxerOptions } from './ogg-opus-demuxer.js';

/**
 * The Opus packets of an Ogg/Opus file (`.opus`, `.ogg`), streamed from disk 64 KiB at a time
 * (docs/protocol/voice.md §6.1). Errors name the path: an `OggDemuxError` for a file that is not playable Ogg/Opus, the `fs`
 * error (e.g. `ENOENT`) for one that cannot be read.
 *
 * @example
 * ```ts
 * import { oggOpusFile } from 'statecord';
 * import type { VoiceConnection } from 'statecord';
 *
 * declare const connection: VoiceConnection; // from shard.voice.join()
 * await connection.play(oggOpusFile('./intro.opus')).finished;
 * ```
 */
export async function* oggOpusFile(
  path: string,
  options: Omit<OggOpusDemuxerOptions, 'name'> = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  // Opened on the first read, not at the call: an unread generator holds no file descriptor, and an
  // open error surfaces from the iteration instead of as an unhandled stream 'error'.
  yield* demuxOggOpus(createReadStream(path), { ...options, name: path });
}
