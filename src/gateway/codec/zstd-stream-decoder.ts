import * as zlib from 'node:zlib';
import type { GatewayReceivePayload } from 'discord-api-types/v10';
import { GatewayDecodeError, UnsupportedCompressionError } from '../../errors.js';
import type { InboundDecoder } from './inbound-decoder.js';
import { parsePayload } from './parse-payload.js';
import { SyncDecompressor } from './sync-decompressor.js';

/** `zlib.createZstdDecompress`, which exists only in Node ≥ 22.15 / ≥ 23.8 (docs/protocol/gateway.md §1.5). */
type CreateZstdDecompress = (options?: { chunkSize?: number }) => object;

function zstdFactory(): CreateZstdDecompress | undefined {
  const candidate = (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress;
  return typeof candidate === 'function' ? (candidate as CreateZstdDecompress) : undefined;
}

/** Whether this runtime can decode `compress=zstd-stream`. False on Node 20. */
export function isZstdStreamSupported(): boolean {
  return zstdFactory() !== undefined;
}

/**
 * Decoder for `compress=zstd-stream` (docs/protocol/gateway.md §1.5): one zstd context for the whole connection, and
 * unlike zlib-stream every message is exactly one payload. The server never ends the zstd frame, so
 * the decoder does not wait for an end of frame; it decompresses until all input is consumed and the
 * output room was not filled (§12.4). Decoding is synchronous, through the same native-handle driver
 * as zlib-stream (`sync-decompressor.ts`).
 *
 * Not exercised on Node 20, which lacks zstd: the constructor throws `UnsupportedCompressionError`
 * there. After an error the decoder is poisoned, as for zlib-stream.
 */
export class ZstdStreamDecoder implements InboundDecoder {
  readonly compression = 'zstd-stream';
  readonly #decompressor: SyncDecompressor;

  /** @throws UnsupportedCompressionError when the runtime has no zstd (or no synchronous handle). */
  constructor(maxPayloadBytes: number) {
    const create = zstdFactory();
    if (!create) throw new UnsupportedCompressionError('zstd-stream');
    const constants = zlib.constants as unknown as Record<string, number | undefined>;
    // Decompression ignores the flush mode; ZSTD_e_continue is what the stream API passes too.
    const flush = constants['ZSTD_e_continue'] ?? 0;
    try {
      this.#decompressor = new SyncDecompressor(create({ chunkSize: 64 }), flush, maxPayloadBytes);
    } catch {
      throw new UnsupportedCompressionError('zstd-stream');
    }
  }

  decode(data: Buffer, isBinary: boolean): GatewayReceivePayload | null {
    this.#checkBinary(isBinary);
    // Every zstd-stream message is a whole payload (docs/protocol/gateway.md §1.5).
    const text = this.#decompressor.push(data, true);
    return text === null ? null : parsePayload(text);
  }

  decodeBytes(data: Buffer, isBinary: boolean): Buffer | null {
    this.#checkBinary(isBinary);
    return this.#decompressor.pushBytes(data, true);
  }

  #checkBinary(isBinary: boolean): void {
    if (!isBinary && !this.#decompressor.failed) {
      throw new GatewayDecodeError('text frame on a zstd-stream connection');
    }
  }

  close(): void {
    this.#decompressor.close();
  }
}
