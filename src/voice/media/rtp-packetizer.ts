import { InvalidArgumentError } from '../../errors.js';
import { writeU16BE, writeU32BE } from './bytes.js';
import { OPUS_PAYLOAD_TYPE, RTP_HEADER_LENGTH } from './rtp-header.js';

/** Samples per channel in one 20 ms Opus frame at 48 kHz: the RTP timestamp step (docs/protocol/voice.md §3.5). */
export const SAMPLES_PER_FRAME = 960;

/** Options of an {@link RtpPacketizer}. */
export interface RtpPacketizerOptions {
  /** Source of randomness in [0, 1) for the start values. Default `Math.random`. */
  readonly random?: () => number;
  /** Sequence number of the first packet (instead of a random one), u16. */
  readonly sequence?: number;
  /** Timestamp of the first packet (instead of a random one), u32. */
  readonly timestamp?: number;
}

/**
 * Writes the 12-byte RTP header of each outgoing 20 ms Opus frame (docs/protocol/voice.md §3.2):
 * `0x80 0x78`, then the sequence (u16 BE, +1 per packet, wraps at 2^16), the timestamp (u32 BE, +960
 * per frame, wraps at 2^32) and the SSRC from Ready. Both counters start at random values, as RFC 3550
 * §5.1 asks. It belongs to the session: a resume keeps it (docs/protocol/voice.md §2.4).
 *
 * Writing into a caller's buffer allocates nothing; {@link header} is the allocating convenience.
 */
export class RtpPacketizer {
  /** Our SSRC, from Ready. */
  readonly ssrc: number;
  #sequence: number;
  #timestamp: number;

  constructor(ssrc: number, options: RtpPacketizerOptions = {}) {
    checkUnsigned('ssrc', ssrc, 0xffff_ffff);
    const random = options.random ?? Math.random;
    this.ssrc = ssrc;
    this.#sequence = options.sequence ?? Math.floor(random() * 0x1_0000);
    this.#timestamp = options.timestamp ?? Math.floor(random() * 0x1_0000_0000);
    checkUnsigned('sequence', this.#sequence, 0xffff);
    checkUnsigned('timestamp', this.#timestamp, 0xffff_ffff);
  }

  /** Sequence number the next packet gets. */
  get sequence(): number {
    return this.#sequence;
  }

  /** Timestamp the next packet gets. */
  get timestamp(): number {
    return this.#timestamp;
  }

  /**
   * Writes the next packet's header at `offset` of `target` and advances to the next frame. Returns
   * the bytes written (12).
   *
   * @throws RangeError when fewer than 12 bytes are left in `target` after `offset`.
   */
  writeHeader(target: Uint8Array, offset = 0): number {
    if (offset < 0 || target.length - offset < RTP_HEADER_LENGTH) {
      throw new RangeError(`an RTP header needs ${RTP_HEADER_LENGTH} bytes at offset ${offset}`);
    }
    target[offset] = 0x80;
    target[offset + 1] = OPUS_PAYLOAD_TYPE;
    writeU16BE(target, offset + 2, this.#sequence);
    writeU32BE(target, offset + 4, this.#timestamp);
    writeU32BE(target, offset + 8, this.ssrc);
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + SAMPLES_PER_FRAME) >>> 0;
    return RTP_HEADER_LENGTH;
  }

  /** The next packet's header in a new 12-byte buffer (allocates; see {@link writeHeader}). */
  header(): Buffer {
    const header = Buffer.allocUnsafe(RTP_HEADER_LENGTH);
    this.writeHeader(header);
    return header;
  }

  /**
   * Advances the timestamp by `frames` × 960 without a packet, for audio time that passed unsent
   * (e.g. frames a DAVE transform dropped). The sequence counts packets, so it does not move.
   */
  skip(frames = 1): void {
    checkUnsigned('frames', frames, 0xffff_ffff);
    this.#timestamp = (this.#timestamp + frames * SAMPLES_PER_FRAME) >>> 0;
  }
}

function checkUnsigned(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer in [0, ${max}], got ${value}`);
  }
}
