import { passthroughFrameTransform, type FrameTransform } from './frame-transform.js';
import { parseRtpHeader } from './rtp-header.js';
import { isSilenceFrame } from './silence-frame.js';
import type { TransportCipher } from './transport-cipher.js';

/** One received Opus frame, ready for `AudioReceiverCore.push`. */
export interface InboundVoiceFrame {
  readonly ssrc: number;
  readonly sequence: number;
  readonly timestamp: number;
  /** The sender, when op 5 has mapped the SSRC; else null. */
  readonly userId: string | null;
  readonly opus: Uint8Array;
}

/** What a {@link VoicePacketReader} reads with. */
export interface VoicePacketReaderOptions {
  readonly cipher: TransportCipher;
  /** The E2EE seam (docs/protocol/voice.md §4.7). Default: {@link passthroughFrameTransform}. */
  readonly transform?: FrameTransform;
  /** The user an SSRC belongs to (op 5), e.g. `receiver.userIdOf`. Default: none known. */
  readonly userIdOf?: (ssrc: number) => string | undefined;
}

/**
 * The receive path of one session, UDP datagram → Opus frame (docs/protocol/voice.md §4.7 in reverse):
 * RTP header (§3.2; RTCP and non-Opus give null) → transport AEAD open, extension body and padding
 * removed (§3.4) → frame transform (DAVE, skipped for the silence frame). Never throws on a bad packet.
 */
export class VoicePacketReader {
  /** The frame transform; replace it when E2EE starts or stops. */
  transform: FrameTransform;
  readonly #cipher: TransportCipher;
  readonly #userIdOf: (ssrc: number) => string | undefined;

  constructor(options: VoicePacketReaderOptions) {
    this.#cipher = options.cipher;
    this.transform = options.transform ?? passthroughFrameTransform;
    this.#userIdOf = options.userIdOf ?? (() => undefined);
  }

  /** The Opus frame in `packet`, or null when it is not an authentic audio packet (or was dropped). */
  read(packet: Uint8Array): InboundVoiceFrame | null {
    const header = parseRtpHeader(packet);
    if (header === null) return null;
    const payload = this.#cipher.open(packet, header);
    if (payload === null) return null;
    const userId = this.#userIdOf(header.ssrc) ?? null;
    const opus = isSilenceFrame(payload) ? payload : this.transform.inbound(payload, header.ssrc, userId);
    if (opus === null) return null;
    return { ssrc: header.ssrc, sequence: header.sequence, timestamp: header.timestamp, userId, opus };
  }
}
