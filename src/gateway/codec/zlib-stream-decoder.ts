import { constants, createInflate } from 'node:zlib';
import type { GatewayReceivePayload } from 'discord-api-types/v10';
import { GatewayDecodeError } from '../../errors.js';
import type { InboundDecoder } from './inbound-decoder.js';
import { parsePayload } from './parse-payload.js';
import { SyncDecompressor } from './sync-decompressor.js';

/** The last four bytes of every complete zlib-stream payload: an empty stored block, Z_SYNC_FLUSH. */
const SYNC_FLUSH_SUFFIX = 0x0000ffff;
/** The suffix tracker's value at the start of a payload; its `ff` bytes can never complete a suffix. */
const NO_TAIL = 0xffffffff;

/**
 * Decoder for `compress=zlib-stream` (docs/protocol/gateway.md §1.4): one zlib stream for the whole connection, with
 * a `Z_SYNC_FLUSH` after each payload, so a payload is complete once the bytes received end in
 * `00 00 ff ff`. A payload may span several messages (§12.2).
 *
 * Every message goes straight through ONE persistent inflate context (see `sync-decompressor.ts` for
 * how that is done synchronously); inflating early is equivalent to buffering until the suffix, and
 * avoids concatenating the input when a payload is split. The decompressed output is kept until the
 * suffix arrives, then it is parsed as one JSON payload.
 *
 * A new decoder is needed for each connection: the server starts a new stream per connection, and a
 * fresh context cannot decode the middle of an old one (§12.1). After an inflate error or an oversize
 * payload the decoder is poisoned and every later `decode` throws `GatewayDecodeError`.
 */
export class ZlibStreamDecoder implements InboundDecoder {
  readonly compression = 'zlib-stream';
  readonly #inflater: SyncDecompressor;
  /** The last four bytes received in the current payload, big-endian, to spot a split suffix. */
  #tail = NO_TAIL;

  constructor(maxPayloadBytes: number) {
    // Z_MIN_CHUNK: the engine's own output buffer is never used (the driver brings its own).
    const engine = createInflate({ chunkSize: constants.Z_MIN_CHUNK });
    this.#inflater = new SyncDecompressor(engine, constants.Z_SYNC_FLUSH, maxPayloadBytes);
  }

  decode(data: Buffer, isBinary: boolean): GatewayReceivePayload | null {
    this.#checkBinary(isBinary);
    const endsPayload = this.#completesPayload(data);
    const text = this.#inflater.push(data, endsPayload);
    if (endsPayload) this.#tail = NO_TAIL;
    return text === null ? null : parsePayload(text);
  }

  decodeBytes(data: Buffer, isBinary: boolean): Buffer | null {
    this.#checkBinary(isBinary);
    const endsPayload = this.#completesPayload(data);
    const bytes = this.#inflater.pushBytes(data, endsPayload);
    if (endsPayload) this.#tail = NO_TAIL;
    return bytes;
  }

  close(): void {
    this.#inflater.close();
  }

  #checkBinary(isBinary: boolean): void {
    if (!isBinary && !this.#inflater.failed) {
      // Transport compression always arrives in binary frames (§1.3). The stream was not touched.
      throw new GatewayDecodeError('text frame on a zlib-stream connection');
    }
  }

  /** Whether the bytes received so far for this payload end with the sync-flush suffix. */
  #completesPayload(data: Buffer): boolean {
    const length = data.length;
    if (length >= 4) {
      this.#tail = data.readUInt32BE(length - 4);
    } else {
      for (let index = 0; index < length; index++) {
        this.#tail = ((this.#tail << 8) | (data[index] ?? 0)) >>> 0;
      }
    }
    return this.#tail === SYNC_FLUSH_SUFFIX;
  }
}
