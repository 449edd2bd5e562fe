import { GatewayDecodeError } from '../../errors.js';

/**
 * Why this file exists: `node:zlib` has no public API that decompresses synchronously while keeping
 * one stream context alive across calls. The stream API (`write` + `flush(Z_SYNC_FLUSH, cb)`) runs on
 * the thread pool and calls back later, which would put an await on every gateway message. The
 * one-shot `inflateSync` cannot keep the context that zlib-stream needs (gateway.md §1.4), and the
 * `_processChunk(chunk, flag)` path it uses closes the native handle after the call (verified on
 * Node 20.20: the second call throws "Cannot read properties of null (reading 'writeSync')").
 *
 * So this driver talks to the engine's native handle directly, as `_processChunk` does internally:
 * `handle.writeSync(flush, in, inOff, inLen, out, outOff, outLen)` runs zlib (or zstd) on this thread
 * and leaves `[availOut, availIn]` in the engine's `_writeState`. The handle's `onerror` is replaced so
 * a zlib error is reported here, synchronously, instead of destroying the stream object. These are
 * undocumented internals, stable since Node 10; the constructor checks they exist and refuses
 * otherwise. The native side aborts the process on out-of-bounds offsets or a write after close, so
 * every call below keeps offsets within the buffers and never touches a closed or failed handle.
 */
interface NativeCompressionHandle {
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
  onerror: (message: string, errno: number, code?: string) => void;
}

interface EngineInternals {
  _handle?: NativeCompressionHandle | null;
  _writeState?: Uint32Array;
}

/** Output buffer kept between messages; bigger ones are allocated for a large payload and dropped. */
const BASE_OUTPUT_BYTES = 16 * 1024;

/**
 * A synchronous, persistent-context decompressor over a `node:zlib` engine (`createInflate()`, or
 * `createZstdDecompress()` where it exists). Output of successive {@link push} calls accumulates until
 * {@link takeText}, so a payload split over several messages is never concatenated on the input side.
 *
 * After any error the context is broken (the stream cannot be resynchronised): the instance stays
 * failed and every later call throws `GatewayDecodeError`.
 *
 * @internal
 */
export class SyncDecompressor {
  readonly #handle: NativeCompressionHandle;
  readonly #state: Uint32Array;
  readonly #flush: number;
  readonly #maxOutputBytes: number;
  #output: Buffer = Buffer.allocUnsafe(BASE_OUTPUT_BYTES);
  #outputLength = 0;
  #nativeError: Error | null = null;
  #failure: GatewayDecodeError | null = null;
  #handleOpen = true;

  /** @throws Error when the engine lacks the internals described above. */
  constructor(engine: object, flush: number, maxOutputBytes: number) {
    const internals = engine as EngineInternals;
    const handle = internals._handle;
    const state = internals._writeState;
    if (!handle || typeof handle.writeSync !== 'function' || !(state instanceof Uint32Array)) {
      throw new Error('this Node.js zlib engine has no synchronous native handle');
    }
    this.#handle = handle;
    this.#state = state;
    this.#flush = flush;
    this.#maxOutputBytes = maxOutputBytes;
    handle.onerror = (message, errno, code) => {
      this.#nativeError = new Error(`${message} (${code ?? errno})`);
    };
  }

  /** Bytes of output accumulated since the last {@link takeText}. */
  get outputLength(): number {
    return this.#outputLength;
  }

  /** Whether an earlier error (or {@link close}) made this decompressor unusable. */
  get failed(): boolean {
    return this.#failure !== null;
  }

  /**
   * Decompresses all of `input`, appending the output.
   * @throws GatewayDecodeError on corrupt input, trailing input after the end of the stream, output
   *   over the size limit, or when already failed.
   */
  push(input: Uint8Array): void {
    if (this.#failure) {
      throw new GatewayDecodeError(`decoder unusable after an earlier error: ${this.#failure.message}`, {
        cause: this.#failure,
      });
    }
    let inputOffset = 0;
    let inputLength = input.length;
    for (;;) {
      if (this.#outputLength === this.#output.length) this.#grow();
      const outputRoom = this.#output.length - this.#outputLength;
      this.#handle.writeSync(
        this.#flush,
        input,
        inputOffset,
        inputLength,
        this.#output,
        this.#outputLength,
        outputRoom,
      );
      if (this.#nativeError) this.#fail('compressed stream is corrupt', this.#nativeError);
      const availOut = this.#state[0] ?? 0;
      const availIn = this.#state[1] ?? 0;
      const produced = outputRoom - availOut;
      const consumed = inputLength - availIn;
      this.#outputLength += produced;
      if (this.#outputLength > this.#maxOutputBytes) {
        this.#fail(`inbound payload inflates to more than ${this.#maxOutputBytes} bytes`);
      }
      inputOffset += consumed;
      inputLength = availIn;
      // Done when all input is consumed and the output room was not filled (a full buffer may mean
      // more output is pending). This is also the loop zstd-stream needs (gateway.md §1.5).
      if (availIn === 0 && availOut !== 0) return;
      // Input left but no progress: the stream ended (zlib Z_STREAM_END) and trailing bytes remain.
      if (produced === 0 && consumed === 0 && availOut !== 0) {
        this.#fail('trailing data after the end of the compressed stream');
      }
    }
  }

  /** Returns the accumulated output as UTF-8 text and starts the next payload. */
  takeText(): string {
    const text = this.#output.toString('utf8', 0, this.#outputLength);
    this.#outputLength = 0;
    if (this.#output.length > BASE_OUTPUT_BYTES) this.#output = Buffer.allocUnsafe(BASE_OUTPUT_BYTES);
    return text;
  }

  /** Frees the native context. Idempotent. */
  close(): void {
    this.#failure ??= new GatewayDecodeError('the decoder was closed');
    this.#release();
  }

  /** Doubles the output buffer, up to one byte over the limit so an overrun is detected. */
  #grow(): void {
    const size = Math.min(this.#output.length * 2, this.#maxOutputBytes + 1);
    const grown = Buffer.allocUnsafe(size);
    this.#output.copy(grown, 0, 0, this.#outputLength);
    this.#output = grown;
  }

  #fail(message: string, cause?: Error): never {
    this.#failure = new GatewayDecodeError(message, cause ? { cause } : undefined);
    this.#release();
    throw this.#failure;
  }

  #release(): void {
    this.#outputLength = 0;
    this.#output = Buffer.allocUnsafe(0);
    if (!this.#handleOpen) return;
    this.#handleOpen = false;
    this.#handle.close();
  }
}
