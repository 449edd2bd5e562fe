import { OggDemuxError } from './errors.js';
import { hasMagic, parseOpusHead, type OpusHead } from './opus-head.js';
import { OggPageFlag, OggPageReader, type OggPage } from './ogg-page-reader.js';

/** Options of an `OggOpusDemuxer`. */
export interface OggOpusDemuxerOptions {
  /** The input's name for error messages, e.g. its file path. */
  readonly name?: string;
  /**
   * Largest packet accepted, in bytes (default 1 MiB). A 20 ms Opus packet is at most a few KB, so
   * this only bounds the memory a corrupt or hostile stream can make a packet take. `OpusTags`
   * (which may embed cover art) is skipped without being held, whatever its size.
   */
  readonly maxPacketBytes?: number;
}

const OPUS_TAGS = 'OpusTags';
const DEFAULT_MAX_PACKET_BYTES = 1024 * 1024;

type Phase = 'start' | 'head' | 'tags' | 'audio' | 'ended';

/**
 * Ogg/Opus → Opus packets (docs/protocol/voice.md §6.1, RFC 7845), fed chunk by chunk. Reassembles
 * packets over 255-lacing and across pages, checks page CRCs and sequence numbers, requires `OpusHead`
 * (mono or stereo) as the first packet and `OpusTags` as the second, and skips both. Empty packets are
 * skipped. Pre-skip and end trimming are not applied: the packets go to Discord whole.
 *
 * One logical stream at a time: a page of another serial number while the stream is open (a
 * multiplexed file, e.g. Opus with a video or a second audio track) is an error. A chained file (a new
 * Opus stream beginning after the previous one's end-of-stream page, as internet radio and
 * concatenated files do) plays on: its `OpusHead` and `OpusTags` are checked and skipped in turn.
 */
export class OggOpusDemuxer {
  readonly #pages: OggPageReader;
  readonly #name: string | null;
  readonly #maxPacketBytes: number;
  #phase: Phase = 'start';
  #serial = 0;
  #nextSequence = 0;
  #head: OpusHead | null = null;
  /** Copies of the parts of the packet being reassembled across pages. */
  #parts: Uint8Array[] = [];
  #partLength = 0;
  /** Whether a packet is unfinished at the end of the last page. */
  #pending = false;
  #pageOffset = 0;

  constructor(options: OggOpusDemuxerOptions = {}) {
    this.#name = options.name ?? null;
    this.#pages = new OggPageReader(this.#name);
    this.#maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  }

  /** The current stream's `OpusHead`, once read. */
  get head(): OpusHead | null {
    return this.#head;
  }

  /** Input offset of the next unread byte. */
  get offset(): number {
    return this.#pages.offset;
  }

  /**
   * Adds a chunk of input; returns the audio packets it completed, in order (each a fresh copy).
   *
   * @throws OggDemuxError on anything that is not a well-formed single Ogg/Opus stream.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const packets: Uint8Array[] = [];
    this.#pages.push(chunk);
    for (let page = this.#pages.next(); page !== null; page = this.#pages.next()) {
      this.#readPage(page, packets);
    }
    return packets;
  }

  /**
   * The input ended.
   *
   * @throws OggDemuxError when it ended inside a page or a packet, or before any `OpusHead`.
   */
  end(): void {
    this.#pages.end();
    if (this.#pending) this.#fail('the input ends inside a packet (truncated)', this.offset);
    if (this.#phase === 'start') this.#fail('no Ogg/Opus stream (empty input)', 0);
    if (this.#phase === 'head') this.#fail('the input ends before OpusHead', this.offset);
    if (this.#phase === 'tags') this.#fail('the input ends before OpusTags', this.offset);
  }

  #readPage(page: OggPage, packets: Uint8Array[]): void {
    this.#pageOffset = page.offset;
    const beginsStream = (page.flags & OggPageFlag.BeginningOfStream) !== 0;
    if (this.#phase === 'start' || this.#phase === 'ended') {
      if (!beginsStream) {
        this.#fail(
          this.#phase === 'start'
            ? 'the first page does not begin a stream'
            : 'a page after the end of the stream',
        );
      }
      this.#phase = 'head';
      this.#serial = page.serial;
      this.#nextSequence = page.sequence;
    } else if (page.serial !== this.#serial) {
      this.#fail(
        `a page of a second logical stream (serial ${page.serial}); multiplexed Ogg is not supported`,
      );
    } else if (beginsStream) {
      this.#fail('a second beginning-of-stream page');
    }
    if (page.sequence !== this.#nextSequence) {
      this.#fail(
        `page sequence ${page.sequence} where ${this.#nextSequence} was expected (a page is missing)`,
      );
    }
    this.#nextSequence = (page.sequence + 1) >>> 0;
    const continued = (page.flags & OggPageFlag.Continued) !== 0;
    if (continued !== this.#pending) {
      this.#fail(
        continued
          ? 'a page continues a packet that was not started'
          : 'a packet is not continued on the next page',
      );
    }
    let segmentStart = 0;
    let segmentEnd = 0;
    for (const lacing of page.lacing) {
      segmentEnd += lacing;
      if (lacing === 255) continue;
      this.#append(page.body.subarray(segmentStart, segmentEnd));
      this.#finishPacket(packets);
      segmentStart = segmentEnd;
    }
    // Trailing 255s leave a packet open for the next page; a page without segments changes nothing.
    if (page.lacing.length > 0) this.#pending = segmentStart < segmentEnd;
    if (segmentStart < segmentEnd) this.#append(page.body.subarray(segmentStart, segmentEnd));
    if ((page.flags & OggPageFlag.EndOfStream) !== 0) {
      if (this.#pending) this.#fail('the stream ends inside a packet');
      if (this.#phase !== 'audio')
        this.#fail(`the stream ends before ${this.#phase === 'head' ? 'OpusHead' : 'OpusTags'}`);
      this.#phase = 'ended';
    }
  }

  /** Adds part of the current packet, as a copy (the page's bytes belong to the input chunk). */
  #append(part: Uint8Array): void {
    if (this.#phase === 'tags') {
      // Only the magic matters; the comments may be megabytes of cover art.
      const keep = Math.max(0, Math.min(part.length, OPUS_TAGS.length - this.#partLength));
      if (keep > 0) this.#parts.push(copyOf(part.subarray(0, keep)));
      this.#partLength += keep;
      return;
    }
    if (this.#partLength + part.length > this.#maxPacketBytes) {
      this.#fail(`a packet is larger than ${this.#maxPacketBytes} bytes`);
    }
    if (part.length > 0) this.#parts.push(copyOf(part));
    this.#partLength += part.length;
  }

  #finishPacket(packets: Uint8Array[]): void {
    const parts = this.#parts;
    const packet = parts.length === 1 ? (parts[0] ?? EMPTY) : concat(parts, this.#partLength);
    this.#parts = [];
    this.#partLength = 0;
    switch (this.#phase) {
      case 'head': {
        const head = parseOpusHead(packet);
        if (typeof head === 'string') this.#fail(head);
        this.#head = head;
        this.#phase = 'tags';
        return;
      }
      case 'tags':
        if (!hasMagic(packet, OPUS_TAGS)) this.#fail('the second packet is not OpusTags');
        this.#phase = 'audio';
        return;
      default:
        if (packet.length > 0) packets.push(packet);
    }
  }

  #fail(reason: string, offset = this.#pageOffset): never {
    throw new OggDemuxError(reason, offset, this.#name);
  }
}

const EMPTY = Buffer.alloc(0);

/** A copy in a Buffer of its own (`Buffer#slice` would be a view of the input chunk). */
function copyOf(part: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafe(part.length);
  copy.set(part, 0);
  return copy;
}

function concat(parts: readonly Uint8Array[], length: number): Buffer {
  const joined = Buffer.allocUnsafe(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
