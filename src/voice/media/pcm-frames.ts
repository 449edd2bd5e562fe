import type { Readable } from 'node:stream';
import { InvalidArgumentError } from '../../errors.js';

/** Bytes of one 20 ms PCM frame: 960 samples × 2 channels × 2 bytes, s16le 48 kHz (docs/protocol/voice.md §3.5). */
export const PCM_FRAME_BYTES = 3840;

/**
 * Cuts a PCM byte stream (s16le, 48 kHz, stereo interleaved) into 3,840-byte frames for the Opus
 * encoder (docs/protocol/voice.md §6.1), whatever the chunk sizes; the last frame is padded with zeros
 * (silence). Each frame is a fresh Buffer.
 *
 * @throws InvalidArgumentError (from the iteration) when the source gives something other than bytes.
 */
export async function* pcmFrames(
  source: AsyncIterable<Uint8Array> | Readable,
): AsyncGenerator<Buffer, void, undefined> {
  let frame = Buffer.allocUnsafe(PCM_FRAME_BYTES);
  let filled = 0;
  for await (const chunk of source as AsyncIterable<unknown>) {
    if (!(chunk instanceof Uint8Array)) {
      throw new InvalidArgumentError(`the PCM source gave a ${typeof chunk} chunk, not bytes`);
    }
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(PCM_FRAME_BYTES - filled, chunk.length - offset);
      frame.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === PCM_FRAME_BYTES) {
        yield frame;
        frame = Buffer.allocUnsafe(PCM_FRAME_BYTES);
        filled = 0;
      }
    }
  }
  if (filled > 0) {
    frame.fill(0, filled);
    yield frame;
  }
}
