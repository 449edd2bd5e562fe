import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GatewayDecodeError } from '../../src/errors.js';
import { createInboundDecoder, type InboundDecoder } from '../../src/gateway/codec/index.js';
import { splitAt, ZlibStreamEncoder } from './zlib-stream-encoder.js';

const hello = { t: null, s: null, op: 10, d: { heartbeat_interval: 41250, _trace: ['gw'] } };
const ack = { t: null, s: null, op: 11, d: null };
const dispatch = (s: number, content = 'hi') => ({
  t: 'MESSAGE_CREATE',
  s,
  op: 0,
  d: { id: String(1_000_000_000_000_000 + s), content },
});

/** Feeds frames to the decoder and collects what it returns, null included. */
const feed = (decoder: InboundDecoder, frames: readonly Buffer[]) =>
  frames.map((frame) => decoder.decode(frame, true));

const encoders: ZlibStreamEncoder[] = [];
function newEncoder(raw = false): ZlibStreamEncoder {
  const encoder = new ZlibStreamEncoder(raw);
  encoders.push(encoder);
  return encoder;
}
afterEach(() => {
  for (const encoder of encoders.splice(0)) encoder.close();
});

describe('zlib-stream decoder', () => {
  it('decodes several payloads in sequence through one shared inflate context', async () => {
    const encoder = newEncoder();
    const decoder = createInboundDecoder('zlib-stream');
    const payloads = [hello, ack, dispatch(1), dispatch(2), ack, dispatch(3)];
    for (const payload of payloads) {
      expect(decoder.decode(await encoder.encode(payload), true)).toEqual(payload);
    }
  });

  it('returns null until the frame ending in 00 00 ff ff arrives, then decodes the whole payload', async () => {
    const encoder = newEncoder();
    const decoder = createInboundDecoder('zlib-stream');
    decoder.decode(await encoder.encode(hello), true);
    const bytes = await encoder.encode(dispatch(1, 'x'.repeat(500)));
    const frames = splitAt(bytes, [3, Math.floor(bytes.length / 2)]);
    expect(feed(decoder, frames)).toEqual([null, null, dispatch(1, 'x'.repeat(500))]);
  });

  it('decodes a payload whose 00 00 ff ff suffix is itself split over frames', async () => {
    const encoder = newEncoder();
    const decoder = createInboundDecoder('zlib-stream');
    const bytes = await encoder.encode(hello);
    const end = bytes.length;
    const frames = splitAt(bytes, [end - 3, end - 2, end - 1]);
    expect(frames.slice(-3).map((f) => f.length)).toEqual([1, 1, 1]);
    expect(feed(decoder, frames)).toEqual([null, null, null, hello]);
  });

  it('decodes a payload split at any points (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.string({ maxLength: 300 }),
        async (cuts, content) => {
          const encoder = newEncoder();
          const decoder = createInboundDecoder('zlib-stream');
          expect(decoder.decode(await encoder.encode(hello), true)).toEqual(hello);
          const bytes = await encoder.encode(dispatch(7, content));
          const results = feed(
            decoder,
            splitAt(
              bytes,
              cuts.map((cut) => cut % bytes.length),
            ),
          );
          expect(results.at(-1)).toEqual(dispatch(7, content));
          expect(results.slice(0, -1).every((result) => result === null)).toBe(true);
          expect(decoder.decode(await encoder.encode(ack), true)).toEqual(ack);
          encoder.close();
        },
      ),
      { seed: 20_260_806, numRuns: 150 },
    );
  });

  it('decodes a payload far larger than its output buffer, then small ones again', async () => {
    const encoder = newEncoder();
    const decoder = createInboundDecoder('zlib-stream');
    const big = dispatch(1, 'guild member '.repeat(200_000)); // about 2.6 MB
    expect(decoder.decode(await encoder.encode(big), true)).toEqual(big);
    expect(decoder.decode(await encoder.encode(ack), true)).toEqual(ack);
  });

  it("keeps each connection's partial payload apart while connections interleave (shared output buffer)", async () => {
    const first = { encoder: newEncoder(), decoder: createInboundDecoder('zlib-stream') };
    const second = { encoder: newEncoder(), decoder: createInboundDecoder('zlib-stream') };
    const firstPayload = dispatch(1, 'first '.repeat(30_000));
    const secondPayload = dispatch(2, 'second '.repeat(30_000));
    const thirds = (bytes: Buffer) =>
      splitAt(bytes, [Math.floor(bytes.length / 3), Math.floor((bytes.length * 2) / 3)]);
    const firstFrames = thirds(await first.encoder.encode(firstPayload));
    const secondFrames = thirds(await second.encoder.encode(secondPayload));
    const results: unknown[] = [];
    for (let index = 0; index < 3; index++) {
      results.push(first.decoder.decode(firstFrames[index] ?? Buffer.alloc(0), true));
      results.push(second.decoder.decode(secondFrames[index] ?? Buffer.alloc(0), true));
      // A third connection decoding whole payloads in between uses the same buffer.
      results.push(createInboundDecoder('zlib-stream').decode(await newEncoder().encode(ack), true));
    }
    expect(results).toEqual([null, null, ack, null, null, ack, firstPayload, secondPayload, ack]);
  });

  it('fails with GatewayDecodeError when a fresh decoder gets a later message of the stream', async () => {
    const encoder = newEncoder();
    await encoder.encode(hello);
    const later = await encoder.encode(ack);
    expect(() => createInboundDecoder('zlib-stream').decode(later, true)).toThrow(GatewayDecodeError);
  });

  it('rejects raw deflate without the zlib header (docs/protocol/gateway.md §12.3)', async () => {
    const raw = await newEncoder(true).encode(hello);
    expect(() => createInboundDecoder('zlib-stream').decode(raw, true)).toThrow(GatewayDecodeError);
  });

  it('rejects garbage with GatewayDecodeError and stays poisoned afterwards', async () => {
    const encoder = newEncoder();
    const decoder = createInboundDecoder('zlib-stream');
    const garbage = Buffer.from([0x78, 0x9c, 0xff, 0xfe, 0xfd, 0x00, 0x00, 0xff, 0xff]);
    expect(() => decoder.decode(garbage, true)).toThrow(GatewayDecodeError);
    const valid = await encoder.encode(hello);
    expect(() => decoder.decode(valid, true)).toThrow(GatewayDecodeError);
    expect(() => decoder.decode(valid, true)).toThrow(/earlier error/);
  });

  it('rejects a payload that inflates beyond maxPayloadBytes and stays poisoned', async () => {
    const encoder = newEncoder();
    const decoder = createInboundDecoder('zlib-stream', { maxPayloadBytes: 64 * 1024 });
    expect(decoder.decode(await encoder.encode(hello), true)).toEqual(hello);
    const bomb = await encoder.encode(dispatch(1, '0'.repeat(1024 * 1024)));
    expect(bomb.length).toBeLessThan(8 * 1024);
    expect(() => decoder.decode(bomb, true)).toThrow(/more than 65536 bytes/);
    const next = await encoder.encode(ack);
    expect(() => decoder.decode(next, true)).toThrow(GatewayDecodeError);
  });

  // Regression (issue 11, defect 11): finish() resolved when the input was consumed, before the
  // compressor delivered its last output; under load the test above then saw no end-of-stream bytes.
  it("the test encoder's finish() always returns the compressor's final bytes", async () => {
    for (let round = 0; round < 50; round++) {
      const encoder = newEncoder();
      await encoder.encode(hello);
      expect((await encoder.finish()).length).toBeGreaterThan(0);
      encoder.close();
    }
  });

  it('rejects data after the end of the zlib stream and stays poisoned', async () => {
    const encoder = newEncoder();
    const decoder = createInboundDecoder('zlib-stream');
    const first = await encoder.encode(hello);
    const last = Buffer.concat([await encoder.finish(), Buffer.from([1, 2, 3, 0, 0, 0xff, 0xff])]);
    expect(decoder.decode(first, true)).toEqual(hello);
    expect(() => decoder.decode(last, true)).toThrow(/trailing data/);
    expect(() => decoder.decode(first, true)).toThrow(GatewayDecodeError);
  });

  it('rejects an invalid envelope without breaking the stream', async () => {
    const encoder = newEncoder();
    const decoder = createInboundDecoder('zlib-stream');
    const badOp = await encoder.encode({ op: 'ten' });
    const notJson = await encoder.encode('not json');
    expect(() => decoder.decode(badOp, true)).toThrow(GatewayDecodeError);
    expect(() => decoder.decode(notJson, true)).toThrow(GatewayDecodeError);
    expect(decoder.decode(await encoder.encode(ack), true)).toEqual(ack);
  });

  it('rejects a text frame without touching the stream', async () => {
    const encoder = newEncoder();
    const decoder = createInboundDecoder('zlib-stream');
    expect(() => decoder.decode(Buffer.from('{"op":11}'), false)).toThrow(GatewayDecodeError);
    expect(decoder.decode(await encoder.encode(hello), true)).toEqual(hello);
  });

  it('returns null for a sync flush that carries no data', async () => {
    const encoder = newEncoder();
    const decoder = createInboundDecoder('zlib-stream');
    decoder.decode(await encoder.encode(hello), true);
    expect(decoder.decode(await encoder.encode(''), true)).toBeNull();
    expect(decoder.decode(await encoder.encode(ack), true)).toEqual(ack);
  });

  it('throws GatewayDecodeError after close(), and close() is idempotent', () => {
    const decoder = createInboundDecoder('zlib-stream');
    decoder.close();
    decoder.close();
    expect(() => decoder.decode(Buffer.alloc(0), true)).toThrow(GatewayDecodeError);
  });
});
