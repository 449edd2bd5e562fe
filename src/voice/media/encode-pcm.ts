import type { Readable } from 'node:stream';
import { loadOpusEncoder, type LoadOpusEncoderOptions, type OpusEncoder } from './opus-encoder.js';
import { pcmFrames } from './pcm-frames.js';

/** Options of `encodePcm`. */
export interface EncodePcmOptions extends LoadOpusEncoderOptions {
  /** An encoder to use (the caller closes it). Default: one loaded on demand and closed at the end. */
  readonly encoder?: OpusEncoder;
}

/**
 * PCM (s16le, 48 kHz, stereo) → Opus packets, one per 20 ms (docs/protocol/voice.md §6.1–6.2): the
 * stream is cut with {@link pcmFrames} and encoded with `options.encoder` or one from
 * {@link loadOpusEncoder}, which is loaded on the first read.
 *
 * @throws MissingOpusEncoderError (from the iteration) when no encoder package is installed.
 */
export async function* encodePcm(
  source: AsyncIterable<Uint8Array> | Readable,
  options: EncodePcmOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const encoder = options.encoder ?? (await loadOpusEncoder(options));
  try {
    for await (const frame of pcmFrames(source)) yield encoder.encode(frame);
  } finally {
    if (options.encoder === undefined) encoder.close();
  }
}
