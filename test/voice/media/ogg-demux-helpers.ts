import { expect } from 'vitest';
import { demuxOggOpus, OggDemuxError } from '../../../src/voice/media/index.js';

/** Helpers of the Ogg/Opus demuxer tests. */

/** A packet of `length` bytes whose content tells where it came from. */
export function packet(length: number, seed = length): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed + i * 31) & 0xff;
  return bytes;
}

/** `bytes` in chunks of the given sizes, cycling through them. */
export async function* chunks(
  bytes: Uint8Array,
  sizes: readonly number[] = [bytes.length],
): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    await Promise.resolve();
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

/** Every packet the demuxer yields for `bytes` fed in `sizes` chunks. */
export async function demuxAll(
  bytes: Uint8Array,
  sizes?: readonly number[],
  name?: string,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const p of demuxOggOpus(chunks(bytes, sizes), name === undefined ? {} : { name })) out.push(p);
  return out;
}

/** The OggDemuxError demuxing `bytes` fails with (the test fails if it does not). */
export async function demuxError(bytes: Uint8Array, name?: string): Promise<OggDemuxError> {
  const error: unknown = await demuxAll(bytes, undefined, name).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(OggDemuxError);
  return error as OggDemuxError;
}
