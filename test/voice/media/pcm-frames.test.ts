import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { PCM_FRAME_BYTES, pcmFrames } from '../../../src/voice/media/index.js';

async function* chunked(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    await Promise.resolve();
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

async function frames(source: AsyncIterable<Uint8Array>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const frame of pcmFrames(source)) out.push(frame);
  return out;
}

describe('pcmFrames', () => {
  it('cuts any chunking into 3,840-byte frames holding the bytes in order, the last zero-padded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(4 * PCM_FRAME_BYTES + 17),
        fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 6 }),
        async (length, sizes) => {
          const pcm = Buffer.from(Array.from({ length }, (_, i) => (i * 13 + 1) & 0xff));
          const out = await frames(chunked(pcm, sizes));
          expect(out).toHaveLength(Math.ceil(length / PCM_FRAME_BYTES));
          expect(out.every((frame) => frame.length === PCM_FRAME_BYTES)).toBe(true);
          const joined = Buffer.concat(out);
          expect(joined.subarray(0, length)).toEqual(pcm);
          expect(joined.subarray(length).every((byte) => byte === 0)).toBe(true);
        },
      ),
      { seed: 62, numRuns: 100 },
    );
  });

  it('gives no frame for empty input', async () => {
    expect(await frames(chunked(new Uint8Array(0), [1]))).toEqual([]);
  });

  it('adds no padding frame when the input is a whole number of frames', async () => {
    expect(await frames(chunked(Buffer.alloc(2 * PCM_FRAME_BYTES, 1), [PCM_FRAME_BYTES]))).toHaveLength(2);
  });

  it('gives each frame its own buffer', async () => {
    const out = await frames(chunked(Buffer.alloc(2 * PCM_FRAME_BYTES, 1), [100]));
    expect(out[0]?.buffer === out[1]?.buffer && out[0]?.byteOffset === out[1]?.byteOffset).toBe(false);
  });

  it('rejects a chunk that is not bytes', async () => {
    const source = (async function* () {
      await Promise.resolve();
      yield 'pcm' as unknown as Uint8Array;
    })();
    await expect(frames(source)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
