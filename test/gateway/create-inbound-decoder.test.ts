import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnsupportedCompressionError } from '../../src/errors.js';
import {
  createInboundDecoder,
  isZstdStreamSupported,
  JsonDecoder,
  type TransportCompression,
  ZlibStreamDecoder,
} from '../../src/gateway/codec/index.js';

const zstdSupported = isZstdStreamSupported();

describe('createInboundDecoder', () => {
  it('creates a JSON decoder for no compression', () => {
    expect(createInboundDecoder('none')).toBeInstanceOf(JsonDecoder);
  });

  it('creates a zlib-stream decoder for zlib-stream', () => {
    const decoder = createInboundDecoder('zlib-stream');
    expect(decoder).toBeInstanceOf(ZlibStreamDecoder);
    expect(decoder.compression).toBe('zlib-stream');
    decoder.close();
  });

  it('creates a new context each time, one per connection', () => {
    expect(createInboundDecoder('zlib-stream')).not.toBe(createInboundDecoder('zlib-stream'));
  });

  it.skipIf(zstdSupported)(
    'throws UnsupportedCompressionError for zstd-stream on a runtime without zstd',
    () => {
      expect(() => createInboundDecoder('zstd-stream')).toThrow(UnsupportedCompressionError);
      expect(() => createInboundDecoder('zstd-stream')).toThrow(
        expect.objectContaining({ code: 'STATECORD_ERR_UNSUPPORTED_COMPRESSION' }),
      );
    },
  );

  it('reports zstd as unsupported exactly when node:zlib lacks createZstdDecompress', () => {
    expect(zstdSupported).toBe('createZstdDecompress' in zlib);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects maxPayloadBytes %s with InvalidArgumentError',
    (maxPayloadBytes) => {
      expect(() => createInboundDecoder('none', { maxPayloadBytes })).toThrow(InvalidArgumentError);
    },
  );

  it('rejects an unknown compression with InvalidArgumentError', () => {
    expect(() => createInboundDecoder('brotli' as TransportCompression)).toThrow(InvalidArgumentError);
  });
});

// Runs only where node:zlib has zstd (Node ≥ 22.15 / ≥ 23.8); skipped on Node 20.
describe.runIf(zstdSupported)('zstd-stream decoder', () => {
  interface ZstdCompressor {
    write(chunk: string): boolean;
    flush(callback: () => void): void;
    on(event: 'data', listener: (chunk: Buffer) => void): void;
    destroy(): void;
  }
  const createZstdCompress = (zlib as unknown as { createZstdCompress: () => ZstdCompressor })
    .createZstdCompress;

  async function compressEach(payloads: readonly unknown[]): Promise<Buffer[]> {
    const compressor = createZstdCompress();
    const chunks: Buffer[] = [];
    compressor.on('data', (chunk) => chunks.push(chunk));
    const messages: Buffer[] = [];
    for (const payload of payloads) {
      compressor.write(JSON.stringify(payload));
      await new Promise<void>((resolve) => compressor.flush(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      messages.push(Buffer.concat(chunks.splice(0)));
    }
    compressor.destroy();
    return messages;
  }

  it('decodes each message of one never-ended zstd stream as one payload', async () => {
    const payloads = [
      { op: 10, d: { heartbeat_interval: 41250 } },
      { op: 11 },
      { op: 0, s: 1, t: 'X', d: {} },
    ];
    const decoder = createInboundDecoder('zstd-stream');
    const decoded = (await compressEach(payloads)).map((message) => decoder.decode(message, true));
    expect(decoded).toEqual(payloads);
  });

  it('fails with GatewayDecodeError on garbage and stays poisoned', async () => {
    const [first] = await compressEach([{ op: 11 }]);
    const decoder = createInboundDecoder('zstd-stream');
    expect(() => decoder.decode(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), true)).toThrow();
    expect(() => decoder.decode(first ?? Buffer.alloc(0), true)).toThrow();
  });
});
