import { GatewayDecodeError } from '../../errors.js';

/**
 * Why this file exists: `node:zlib` has no public API that decompresses synchronously while keeping
 * one stream context alive across calls. The stream API (`write` + `flush(Z_SYNC_FLUSH, cb)`) runs on
 * the thread pool and calls back later, which would put an await on every gateway message. The
 * one-shot `inflateSync` cannot keep the context that zlib-stream needs (docs/protocol/gateway.md §1.4), and the
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

/**
 * Output buffer shared by every decompressor of the process. Decoding is synchronous, so only one
 * `push` uses it at a time; a payload's text is taken out before `push` returns. Sharing it instead of
 * keeping one per connection saves its size on every idle shard (BENCHMARKS.md, memory), and keeping
 * it grown means a large payload does not regrow it every time.
 */
const BASE_OUTPUT_BYTES = 64 * 1024;
/** A shared buffer grown past this (a huge READY) is given back after use. */
const KEEP_OUTPUT_BYTES = 4 * 1024 * 1024;
let sharedOutput: Buffer = Buffer.allocUnsafe(BASE_OUTPUT_BYTES);

/**
 * A synchronous, persistent-context decompressor over a `node:zlib` engine (`createInflate()`, or
 * `createZstdDecompress()` where it exists). Each {@link push} inflates one message; output of a
 * message that does not end its payload is kept (copied out of the shared buffer) until the message
 * that does, so a payload split over several messages is never concatenated on the input side.
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
  /** Output of earlier messages of the payload being received; null when none (the usual case). */
  #pending: Buffer[] | null = null;
  #pendingLength = 0;
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

  /** Whether an earlier error (or {@link close}) made this decompressor unusable. */
  get failed(): boolean {
    return this.#failure !== null;
  }

  /**
   * Decompresses all of `input`. When `endsPayload`, returns the payload's whole output as UTF-8 text
   * (null if it is empty) and starts the next payload; otherwise keeps the output and returns null.
   * @throws GatewayDecodeError on corrupt input, trailing input after the end of the stream, output
   *   over the size limit, or when already failed.
   */
  push(input: Uint8Array, endsPayload: boolean): string | null {
    if (endsPayload && this.#pending === null) {
      // The usual case, a whole payload in one message: its text is decoded straight from the shared
      // buffer, without the view `pushBytes` returns (one object less per dispatch).
      const length = this.#inflateChecked(input);
      const output = sharedOutput;
      if (output.length > KEEP_OUTPUT_BYTES) sharedOutput = Buffer.allocUnsafe(BASE_OUTPUT_BYTES);
      return length === 0 ? null : output.toString('utf8', 0, length);
    }
    const bytes = this.pushBytes(input, endsPayload);
    return bytes === null ? null : bytes.toString('utf8');
  }

  /**
   * Like {@link push}, but returns the payload's bytes: a view of a buffer that the next `push` of any
   * decompressor of the process may overwrite, so read (or copy) it at once. Selective decoding reads
   * the envelope from the first bytes and decodes the whole text only when the payload is wanted.
   */
  pushBytes(input: Uint8Array, endsPayload: boolean): Buffer | null {
    const length = this.#inflateChecked(input);
    const output = sharedOutput;
    if (output.length > KEEP_OUTPUT_BYTES) sharedOutput = Buffer.allocUnsafe(BASE_OUTPUT_BYTES);
    if (!endsPayload) {
      if (length > 0) {
        (this.#pending ??= []).push(Buffer.from(output.subarray(0, length)));
        this.#pendingLength += length;
      }
      return null;
    }
    const pending = this.#pending;
    if (pending === null) return length === 0 ? null : output.subarray(0, length);
    pending.push(output.subarray(0, length));
    const bytes = Buffer.concat(pending, this.#pendingLength + length);
    this.#pending = null;
    this.#pendingLength = 0;
    return bytes;
  }

  /** {@link SyncDecompressor.#inflate}, refused once failed. */
  #inflateChecked(input: Uint8Array): number {
    if (this.#failure) {
      throw new GatewayDecodeError(`decoder unusable after an earlier error: ${this.#failure.message}`, {
        cause: this.#failure,
      });
    }
    return this.#inflate(input);
  }

  /** Runs all of `input` through the engine into the shared buffer; returns the bytes produced. */
  #inflate(input: Uint8Array): number {
    const limit = this.#maxOutputBytes - this.#pendingLength;
    let produced = 0;
    let inputOffset = 0;
    let inputLength = input.length;
    for (;;) {
      if (produced === sharedOutput.length) growSharedOutput(produced, limit);
      const output = sharedOutput;
      const outputRoom = output.length - produced;
      this.#handle.writeSync(this.#flush, input, inputOffset, inputLength, output, produced, outputRoom);
      if (this.#nativeError) this.#fail('compressed stream is corrupt', this.#nativeError);
      const availOut = this.#state[0] ?? 0;
      const availIn = this.#state[1] ?? 0;
      const written = outputRoom - availOut;
      const consumed = inputLength - availIn;
      produced += written;
      if (produced > limit) {
        this.#fail(`inbound payload inflates to more than ${this.#maxOutputBytes} bytes`);
      }
      inputOffset += consumed;
      inputLength = availIn;
      // Done when all input is consumed and the output room was not filled (a full buffer may mean
      // more output is pending). This is also the loop zstd-stream needs (docs/protocol/gateway.md §1.5).
      if (availIn === 0 && availOut !== 0) return produced;
      // Input left but no progress: the stream ended (zlib Z_STREAM_END) and trailing bytes remain.
      if (written === 0 && consumed === 0 && availOut !== 0) {
        this.#fail('trailing data after the end of the compressed stream');
      }
    }
  }

  /** Frees the native context. Idempotent. */
  close(): void {
    this.#failure ??= new GatewayDecodeError('the decoder was closed');
    this.#release();
  }

  #fail(message: string, cause?: Error): never {
    this.#failure = new GatewayDecodeError(message, cause ? { cause } : undefined);
    this.#release();
    throw this.#failure;
  }

  #release(): void {
    this.#pending = null;
    this.#pendingLength = 0;
    if (!this.#handleOpen) return;
    this.#handleOpen = false;
    this.#handle.close();
  }
}

/**
 * Doubles the shared buffer, keeping the `filled` bytes already written, up to one byte over `limit` so
 * an overrun is detected.
 */
function growSharedOutput(filled: number, limit: number): void {
  const grown = Buffer.allocUnsafe(Math.min(sharedOutput.length * 2, limit + 1));
  sharedOutput.copy(grown, 0, 0, filled);
  sharedOutput = grown;
}
