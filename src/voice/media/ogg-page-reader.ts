import { readU32BE } from './bytes.js';
import { OggDemuxError } from './errors.js';
import { oggCrc32 } from './ogg-crc.js';

/** Length of an Ogg page header before its segment table (RFC 3533 §6). */
const HEADER_LENGTH = 27;
/** "OggS". */
const CAPTURE_PATTERN = 0x4f676753;
const CRC_OFFSET = 22;
const ZERO_CRC = new Uint8Array(4);

/** Header-type flags of an Ogg page (RFC 3533 §6). */
export const OggPageFlag = {
  /** The page's first packet continues the last packet of the previous page. */
  Continued: 0x01,
  /** First page of a logical stream. */
  BeginningOfStream: 0x02,
  /** Last page of a logical stream. */
  EndOfStream: 0x04,
} as const;

/** One Ogg page, CRC-checked. `lacing` and `body` are views valid until the next `push`. */
export interface OggPage {
  /** Byte offset of the page in the input. */
  readonly offset: number;
  /** {@link OggPageFlag} bits. */
  readonly flags: number;
  /** Bitstream serial number: which logical stream the page belongs to. */
  readonly serial: number;
  /** Page sequence number within its logical stream. */
  readonly sequence: number;
  /** The segment table: one lacing value (0–255) per segment. */
  readonly lacing: Uint8Array;
  /** The segments, back to back. */
  readonly body: Uint8Array;
}

/**
 * Cuts a byte stream into Ogg pages (docs/protocol/voice.md §6.1, RFC 3533 §6), whatever the chunk
 * boundaries: a page split over any number of reads is reassembled. Checks the capture pattern, the
 * version (0) and the CRC. Holds at most one page plus one chunk (a page is ≤ 65,307 bytes).
 */
export class OggPageReader {
  readonly #source: string | null;
  #buffer: Uint8Array = new Uint8Array(0);
  #position = 0;
  /** Input offset of `#buffer[0]`. */
  #bufferOffset = 0;

  constructor(source: string | null = null) {
    this.#source = source;
  }

  /** Input offset of the next unread byte. */
  get offset(): number {
    return this.#bufferOffset + this.#position;
  }

  /** Adds the next chunk of input. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#position >= this.#buffer.length) {
      this.#bufferOffset += this.#buffer.length;
      this.#buffer = chunk;
    } else {
      const rest = this.#buffer.subarray(this.#position);
      const joined = new Uint8Array(rest.length + chunk.length);
      joined.set(rest, 0);
      joined.set(chunk, rest.length);
      this.#bufferOffset += this.#position;
      this.#buffer = joined;
    }
    this.#position = 0;
  }

  /**
   * The next complete page, or null when more input is needed.
   *
   * @throws OggDemuxError when the bytes at the current position are not a valid Ogg page.
   */
  next(): OggPage | null {
    const buffer = this.#buffer;
    const start = this.#position;
    const available = buffer.length - start;
    if (available < 4) return null;
    if (readU32BE(buffer, start) !== CAPTURE_PATTERN) this.#fail('no Ogg page (capture pattern "OggS") here');
    if (available < HEADER_LENGTH) return null;
    const version = buffer[start + 4] ?? 0;
    if (version !== 0) this.#fail(`unknown Ogg page version ${version}`);
    const segments = buffer[start + 26] ?? 0;
    const bodyStart = start + HEADER_LENGTH + segments;
    if (buffer.length < bodyStart) return null;
    let bodyLength = 0;
    for (let i = start + HEADER_LENGTH; i < bodyStart; i++) bodyLength += buffer[i] ?? 0;
    const end = bodyStart + bodyLength;
    if (buffer.length < end) return null;
    let crc = oggCrc32(buffer, start, start + CRC_OFFSET);
    crc = oggCrc32(ZERO_CRC, 0, 4, crc);
    crc = oggCrc32(buffer, start + CRC_OFFSET + 4, end, crc);
    if (crc !== readU32LE(buffer, start + CRC_OFFSET)) this.#fail('bad page CRC');
    this.#position = end;
    return {
      offset: this.#bufferOffset + start,
      flags: buffer[start + 5] ?? 0,
      serial: readU32LE(buffer, start + 14),
      sequence: readU32LE(buffer, start + 18),
      lacing: buffer.subarray(start + HEADER_LENGTH, bodyStart),
      body: buffer.subarray(bodyStart, end),
    };
  }

  /**
   * The input ended: checks nothing is left over.
   *
   * @throws OggDemuxError when the input ends inside a page.
   */
  end(): void {
    if (this.#position < this.#buffer.length) this.#fail('the input ends inside a page (truncated)');
  }

  #fail(reason: string): never {
    throw new OggDemuxError(reason, this.offset, this.#source);
  }
}

function readU32LE(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] ?? 0) |
      ((bytes[offset + 1] ?? 0) << 8) |
      ((bytes[offset + 2] ?? 0) << 16) |
      ((bytes[offset + 3] ?? 0) << 24)) >>>
    0
  );
}
