import { constants, createDeflate, createDeflateRaw } from 'node:zlib';

/**
 * One deflate context driven synchronously through the engine's native handle (the same technique as
 * `src/gateway/codec/sync-decompressor.ts`, the other way round), so that the benchmark can
 * pre-compress 200k payloads with ONE shared context and a Z_SYNC_FLUSH after each, exactly as the
 * gateway does for `compress=zlib-stream` (docs/protocol/gateway.md §1.4), without a thread-pool round trip each.
 */
interface NativeHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inputOffset: number,
    inputLength: number,
    output: Uint8Array,
    outputOffset: number,
    outputLength: number,
  ): void;
  close(): void;
  onerror: (message: string, errno: number) => void;
}

export class SyncDeflate {
  readonly #handle: NativeHandle;
  readonly #state: Uint32Array;
  #output = Buffer.allocUnsafe(1 << 20);
  #error: Error | null = null;

  /** `raw`: no zlib header (a continuation of a stream that already sent one). */
  constructor(options: { raw: boolean; level?: number }) {
    const zlibOptions = { level: options.level ?? 6, chunkSize: constants.Z_MIN_CHUNK };
    const engine = (options.raw ? createDeflateRaw(zlibOptions) : createDeflate(zlibOptions)) as unknown as {
      _handle: NativeHandle;
      _writeState: Uint32Array;
    };
    this.#handle = engine._handle;
    this.#state = engine._writeState;
    this.#handle.onerror = (message, errno) => {
      this.#error = new Error(`deflate failed: ${message} (${errno})`);
    };
  }

  /** Compresses one payload and sync-flushes: the result ends with `00 00 ff ff`. */
  compress(input: Uint8Array): Buffer {
    const chunks: Buffer[] = [];
    let inputOffset = 0;
    let inputLength = input.length;
    for (;;) {
      const room = this.#output.length;
      this.#handle.writeSync(constants.Z_SYNC_FLUSH, input, inputOffset, inputLength, this.#output, 0, room);
      if (this.#error) throw this.#error;
      const availOut = this.#state[0] ?? 0;
      const availIn = this.#state[1] ?? 0;
      chunks.push(Buffer.from(this.#output.subarray(0, room - availOut)));
      inputOffset += inputLength - availIn;
      inputLength = availIn;
      if (availOut !== 0) break;
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  }

  close(): void {
    this.#handle.close();
  }
}
