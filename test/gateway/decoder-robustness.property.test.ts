import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GatewayDecodeError } from '../../src/errors.js';
import { checkEnvelope, createInboundDecoder, type InboundDecoder } from '../../src/gateway/codec/index.js';
import { ZlibStreamEncoder } from './zlib-stream-encoder.js';

const SEED = 4_096_120;
const RUNS = 300;

/** Decodes and returns 'ok' or 'decode-error'; any other throw fails the property. */
function outcome(decoder: InboundDecoder, frame: Buffer, isBinary: boolean): 'ok' | 'decode-error' {
  try {
    decoder.decode(frame, isBinary);
    return 'ok';
  } catch (error) {
    if (error instanceof GatewayDecodeError) return 'decode-error';
    throw error;
  }
}

const isValidEnvelope = (value: unknown): boolean => {
  try {
    checkEnvelope(value);
    return true;
  } catch {
    return false;
  }
};

const frames = fc.array(fc.uint8Array({ maxLength: 256 }), { minLength: 1, maxLength: 6 });
const SUFFIX = [0x00, 0x00, 0xff, 0xff];
const ZLIB_HEADER = [0x78, 0x9c];

describe('decoders on arbitrary input', () => {
  it('json decoder: arbitrary bytes yield a payload or GatewayDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (bytes, isBinary) => {
        outcome(createInboundDecoder('none'), Buffer.from(bytes), isBinary);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('json decoder: an arbitrary JSON value decodes exactly when its envelope is valid', () => {
    const envelopeLike = fc.record(
      { op: fc.jsonValue(), s: fc.jsonValue(), t: fc.jsonValue(), d: fc.jsonValue() },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), envelopeLike), (value) => {
        const frame = Buffer.from(JSON.stringify(value));
        const expected = isValidEnvelope(value) ? 'ok' : 'decode-error';
        expect(outcome(createInboundDecoder('none'), frame, false)).toBe(expected);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('zlib-stream decoder: arbitrary frames (with or without header and suffix) never throw anything else', () => {
    fc.assert(
      fc.property(frames, fc.boolean(), fc.boolean(), (chunks, withHeader, withSuffix) => {
        const decoder = createInboundDecoder('zlib-stream');
        chunks.forEach((chunk, index) => {
          const parts = [chunk];
          if (index === 0 && withHeader) parts.unshift(Uint8Array.from(ZLIB_HEADER));
          if (withSuffix) parts.push(Uint8Array.from(SUFFIX));
          outcome(decoder, Buffer.concat(parts), true);
        });
        decoder.close();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('zlib-stream decoder: a corrupted real stream fails only with GatewayDecodeError, then stays failed', async () => {
    const encoder = new ZlibStreamEncoder();
    const messages: Buffer[] = [];
    for (let s = 1; s <= 4; s++) {
      messages.push(
        await encoder.encode({ op: 0, s, t: 'MESSAGE_CREATE', d: { content: 'x'.repeat(s * 40) } }),
      );
    }
    encoder.close();
    const flips = fc.array(
      fc.record({ message: fc.nat(3), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
      {
        minLength: 1,
        maxLength: 4,
      },
    );
    fc.assert(
      fc.property(flips, (changes) => {
        const corrupted = messages.map((message) => Buffer.from(message));
        for (const { message, at, bits } of changes) {
          const target = corrupted[message];
          if (target === undefined || target.length === 0) continue;
          const index = at % target.length;
          target[index] = (target[index] ?? 0) ^ bits;
        }
        const decoder = createInboundDecoder('zlib-stream');
        let poisoned = false;
        for (const message of corrupted) {
          try {
            decoder.decode(message, true);
            expect(poisoned).toBe(false);
          } catch (error) {
            expect(error).toBeInstanceOf(GatewayDecodeError);
            // An inflate error breaks the context: nothing after it may decode.
            if (/corrupt|trailing|more than/.test((error as Error).message)) poisoned = true;
          }
        }
        decoder.close();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('zlib-stream decoder: arbitrary JSON values round-trip exactly when their envelope is valid', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 4 }),
        async (values) => {
          const encoder = new ZlibStreamEncoder();
          const decoder = createInboundDecoder('zlib-stream');
          for (const value of values) {
            const frame = await encoder.encode(JSON.stringify(value));
            const expected = isValidEnvelope(value) ? 'ok' : 'decode-error';
            expect(outcome(decoder, frame, true)).toBe(expected);
          }
          encoder.close();
          decoder.close();
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});
