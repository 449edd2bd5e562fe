import { constants, createDeflate, createDeflateRaw, type Deflate, type DeflateRaw } from 'node:zlib';
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * What the gateway does for `compress=zlib-stream` (docs/protocol/gateway.md §1.4): one zlib-wrapped deflate stream
 * for the whole connection, with a Z_SYNC_FLUSH after each payload.
 */
export class ZlibStreamEncoder {
  readonly #deflate: Deflate | DeflateRaw;
  readonly #chunks: Buffer[] = [];

  /** @param raw emit raw deflate without the zlib header, as a broken server would (§12.3) */
  constructor(raw = false) {
    this.#deflate = raw ? createDeflateRaw() : createDeflate();
    this.#deflate.on('data', (chunk: Buffer) => this.#chunks.push(chunk));
  }

  /** Compresses one payload (an object is JSON-encoded) and returns its bytes, ending in 00 00 ff ff. */
  async encode(payload: unknown): Promise<Buffer> {
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    this.#deflate.write(text);
    await new Promise<void>((resolve) => this.#deflate.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    await nextTurn();
    const bytes = Buffer.concat(this.#chunks);
    this.#chunks.length = 0;
    return bytes;
  }

  /**
   * Ends the stream (Z_FINISH), as Discord never does, and returns the final bytes. Waits for the
   * readable side's 'end': `end()`'s callback only means the input was consumed, and under load the
   * compressor's last output could still be on its way (a flaky test once).
   */
  async finish(): Promise<Buffer> {
    const ended = once(this.#deflate, 'end');
    this.#deflate.end();
    await ended;
    return Buffer.concat(this.#chunks.splice(0));
  }

  close(): void {
    this.#deflate.destroy();
  }
}

/** Splits `bytes` at the given offsets (sorted, deduplicated, within bounds) into frames. */
export function splitAt(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const cuts = [...new Set(offsets.filter((o) => o > 0 && o < bytes.length))].sort((a, b) => a - b);
  const frames: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    frames.push(bytes.subarray(start, cut));
    start = cut;
  }
  frames.push(bytes.subarray(start));
  return frames;
}
