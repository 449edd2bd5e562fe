/**
 * A small Ogg/Opus muxer for tests, written from RFC 3533 / RFC 7845 independently of the demuxer
 * (its own bitwise CRC), so a demuxer bug cannot hide behind a shared helper.
 */

/** Ogg's CRC-32 computed bit by bit: polynomial 0x04C11DB7, MSB first, init 0, no final XOR. */
export function bitwiseOggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000_0000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

export interface PageSpec {
  readonly flags?: number;
  readonly granule?: bigint;
  readonly serial?: number;
  readonly sequence: number;
  readonly lacing: readonly number[];
  readonly body: Uint8Array;
  readonly version?: number;
}

/** One Ogg page with a correct CRC. */
export function oggPage(spec: PageSpec): Buffer {
  const header = Buffer.alloc(27 + spec.lacing.length);
  header.write('OggS', 0, 'ascii');
  header[4] = spec.version ?? 0;
  header[5] = spec.flags ?? 0;
  header.writeBigInt64LE(spec.granule ?? 0n, 6);
  header.writeUInt32LE(spec.serial ?? 0x5eed, 14);
  header.writeUInt32LE(spec.sequence, 18);
  header[26] = spec.lacing.length;
  spec.lacing.forEach((value, i) => (header[27 + i] = value));
  const page = Buffer.concat([header, spec.body]);
  page.writeUInt32LE(bitwiseOggCrc(page), 22);
  return page;
}

/** An `OpusHead` (RFC 7845 §5.1). */
export function opusHead(options: { channels?: number; family?: number; version?: number } = {}): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'ascii');
  head[8] = options.version ?? 1;
  head[9] = options.channels ?? 2;
  head.writeUInt16LE(312, 10);
  head.writeUInt32LE(48_000, 12);
  head.writeInt16LE(0, 16);
  head[18] = options.family ?? 0;
  return head;
}

/** An `OpusTags` with a vendor string and `padding` extra bytes of comment data. */
export function opusTags(padding = 0): Buffer {
  const vendor = Buffer.from('statecord-test', 'ascii');
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4 + padding);
  tags.write('OpusTags', 0, 'ascii');
  tags.writeUInt32LE(vendor.length, 8);
  vendor.copy(tags, 12);
  return tags;
}

export const FLAG_CONTINUED = 0x01;
export const FLAG_BOS = 0x02;
export const FLAG_EOS = 0x04;

export interface MuxOptions {
  readonly serial?: number;
  readonly head?: Uint8Array;
  readonly tags?: Uint8Array;
  /** Lacing values per page (max 255). Small values force packets across pages. */
  readonly segmentsPerPage?: number;
  /** Set the end-of-stream flag on the last page (default true). */
  readonly endOfStream?: boolean;
}

/** A whole Ogg/Opus stream: head page, tags page(s), audio pages with 255-lacing, EOS on the last. */
export function muxOggOpus(packets: readonly Uint8Array[], options: MuxOptions = {}): Buffer {
  const serial = options.serial ?? 0x5eed;
  const perPage = options.segmentsPerPage ?? 255;
  const pages: Buffer[] = [];
  let sequence = 0;
  const emit = (flags: number, lacing: number[], body: Uint8Array[]): void => {
    pages.push(oggPage({ flags, serial, sequence: sequence++, lacing, body: Buffer.concat(body) }));
  };
  emit(FLAG_BOS, lacingOf((options.head ?? opusHead()).length), [options.head ?? opusHead()]);
  const groups = [[options.tags ?? opusTags()], packets];
  for (const group of groups) {
    let lacing: number[] = [];
    let body: Uint8Array[] = [];
    let continued = false;
    for (const packet of group) {
      const values = lacingOf(packet.length);
      let offset = 0;
      for (const value of values) {
        if (lacing.length === perPage) {
          emit(continued ? FLAG_CONTINUED : 0, lacing, body);
          // The next page continues this packet unless it ended exactly at the page end.
          continued = offset > 0;
          lacing = [];
          body = [];
        }
        lacing.push(value);
        body.push(packet.subarray(offset, offset + value));
        offset += value;
      }
      if (lacing.length === perPage) {
        emit(continued ? FLAG_CONTINUED : 0, lacing, body);
        continued = false;
        lacing = [];
        body = [];
      }
    }
    const last = group === packets;
    if (lacing.length > 0 || last) {
      emit(
        (continued ? FLAG_CONTINUED : 0) | (last && options.endOfStream !== false ? FLAG_EOS : 0),
        lacing,
        body,
      );
    }
  }
  return Buffer.concat(pages);
}

/** 255-lacing: ⌊n / 255⌋ values of 255, then n mod 255 (0 when n is a multiple of 255). */
export function lacingOf(length: number): number[] {
  return [...Array<number>(Math.floor(length / 255)).fill(255), length % 255];
}

/** Offsets of the pages in an Ogg stream (by their capture patterns and sizes). */
export function pageOffsets(stream: Buffer): number[] {
  const offsets: number[] = [];
  for (let offset = 0; offset < stream.length;) {
    offsets.push(offset);
    const segments = stream[offset + 26] ?? 0;
    let size = 27 + segments;
    for (let i = 0; i < segments; i++) size += stream[offset + 27 + i] ?? 0;
    offset += size;
  }
  return offsets;
}

/** Recomputes the CRC of the page at `offset` (after a test edited it on purpose). */
export function fixCrc(stream: Buffer, offset: number): void {
  const segments = stream[offset + 26] ?? 0;
  let size = 27 + segments;
  for (let i = 0; i < segments; i++) size += stream[offset + 27 + i] ?? 0;
  const page = stream.subarray(offset, offset + size);
  page.writeUInt32LE(0, 22);
  page.writeUInt32LE(bitwiseOggCrc(page), 22);
}
