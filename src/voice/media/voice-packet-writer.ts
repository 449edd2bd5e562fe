import { passthroughFrameTransform, type FrameTransform } from './frame-transform.js';
import { RTP_HEADER_LENGTH } from './rtp-header.js';
import type { RtpPacketizer } from './rtp-packetizer.js';
import { isSilenceFrame } from './silence-frame.js';
import type { TransportCipher } from './transport-cipher.js';

/** What a {@link VoicePacketWriter} writes with. */
export interface VoicePacketWriterOptions {
  readonly packetizer: RtpPacketizer;
  readonly cipher: TransportCipher;
  /** The E2EE seam (docs/protocol/voice.md §4.7). Default: {@link passthroughFrameTransform}. */
  readonly transform?: FrameTransform;
}

/**
 * The send path of one session, Opus frame → UDP datagram (docs/protocol/voice.md §4.7 order):
 * frame transform (DAVE, skipped for the silence frame) → RTP header (§3.2) → transport AEAD (§3.4).
 * Per frame it allocates the packet (and what `node:crypto` returns), nothing else: the header is
 * written into one reused 12-byte buffer.
 */
export class VoicePacketWriter {
  /** The frame transform; replace it when E2EE starts or stops (the counters carry on). */
  transform: FrameTransform;
  readonly #packetizer: RtpPacketizer;
  readonly #cipher: TransportCipher;
  readonly #header = new Uint8Array(RTP_HEADER_LENGTH);

  constructor(options: VoicePacketWriterOptions) {
    this.#packetizer = options.packetizer;
    this.#cipher = options.cipher;
    this.transform = options.transform ?? passthroughFrameTransform;
  }

  /**
   * The datagram for one 20 ms Opus frame, or null when the transform dropped the frame (its 960
   * samples still advance the RTP timestamp, so the receivers' timeline stays true).
   */
  packet(opus: Uint8Array): Buffer | null {
    const frame = isSilenceFrame(opus) ? opus : this.transform.outbound(opus);
    if (frame === null) {
      this.#packetizer.skip();
      return null;
    }
    this.#packetizer.writeHeader(this.#header);
    return this.#cipher.seal(this.#header, frame);
  }
}
