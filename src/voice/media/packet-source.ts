import type { Readable } from 'node:stream';
import { InvalidArgumentError } from '../../errors.js';

/**
 * Where a player takes Opus packets from: an async iterable of packets, or a Node `Readable` of them
 * (object mode, or byte mode with one packet per chunk written).
 */
export type PacketSource = AsyncIterable<Uint8Array> | Readable;

/** Whether `source` is a Node-style readable stream (duck-typed, so `readable-stream` copies count). */
export function isReadableStream(source: unknown): source is Readable {
  const candidate = source as Partial<Readable> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.on === 'function' &&
    typeof candidate.pause === 'function' &&
    typeof candidate.resume === 'function' &&
    typeof candidate.destroy === 'function'
  );
}

/**
 * Checks that `source` can be read as a {@link PacketSource}.
 *
 * @throws InvalidArgumentError when it is neither an async iterable nor a Readable.
 */
export function checkPacketSource(source: unknown): asserts source is PacketSource {
  if (isReadableStream(source)) return;
  if (typeof (source as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator] === 'function')
    return;
  throw new InvalidArgumentError(
    'an audio source must be an async iterable (of Opus packets or bytes) or a Readable',
  );
}
