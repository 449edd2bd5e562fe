import { InvalidArgumentError } from '../../errors.js';
import { readU32BE, writeU32BE } from './bytes.js';
import type { VoiceEncryptionMode } from './encryption-mode.js';
import { parseRtpHeader, type RtpHeader } from './rtp-header.js';

/** Bytes of the AEAD tag in both modes (docs/protocol/voice.md §3.4). */
export const TRANSPORT_TAG_LENGTH = 16;
/** Bytes of the nonce counter appended to every packet (docs/protocol/voice.md §3.4). */
export const TRANSPORT_NONCE_LENGTH = 4;
/** Bytes of the transport secret key from Session Description (op 4). */
export const TRANSPORT_KEY_LENGTH = 32;

/**
 * The transport encryption of one voice session (docs/protocol/voice.md §3.3–3.4), made by
 * {@link createTransportCipher}. Its nonce counter belongs to the session: keep the cipher across a
 * resume (§2.4), make a new one for a new Session Description.
 */
export interface TransportCipher {
  readonly mode: VoiceEncryptionMode;
  /** Nonce counter of the last sealed packet (u32; 0 before the first). */
  readonly nonce: number;
  /**
   * One outgoing packet: `header ‖ AEAD(payload, aad = header) ‖ tag(16) ‖ nonce(4, BE)`. The nonce
   * counter is incremented before use (the first packet carries 1) and wraps at 2^32. `header` is
   * everything sent in the clear (the RTP header, with the 4-byte extension preamble if X=1); an
   * extension body belongs at the start of `payload`. Allocates the packet and nothing of its own
   * beyond what `node:crypto` returns.
   */
  seal(header: Uint8Array, payload: Uint8Array): Buffer;
  /**
   * The media payload of an inbound packet: the extension body (4 × `extensionWords` bytes) and, if
   * P=1, the trailing padding are removed. Pass `header` when it is already parsed. Null for anything
   * that is not an authentic audio packet of this session (RTCP, too short, wrong key, tampered, bad
   * padding); never throws.
   */
  open(packet: Uint8Array, header?: RtpHeader): Buffer | null;
}

/**
 * The `_rtpsize` packet layout shared by both AEAD modes (docs/protocol/voice.md §3.4); subclasses
 * supply the AEAD. The nonce buffer is the mode's full nonce (12 or 24 bytes): the 4 counter bytes
 * first, zeros after, reused for every packet.
 *
 * @internal
 */
export abstract class RtpsizeTransportCipher implements TransportCipher {
  readonly mode: VoiceEncryptionMode;
  #counter: number;
  readonly #sealNonce: Uint8Array;
  readonly #openNonce: Uint8Array;

  protected constructor(mode: VoiceEncryptionMode, nonceLength: number, initialNonce = 0) {
    if (!Number.isInteger(initialNonce) || initialNonce < 0 || initialNonce > 0xffff_ffff) {
      throw new InvalidArgumentError(`the initial nonce must be a u32, got ${initialNonce}`);
    }
    this.mode = mode;
    this.#counter = initialNonce;
    this.#sealNonce = new Uint8Array(nonceLength);
    this.#openNonce = new Uint8Array(nonceLength);
  }

  get nonce(): number {
    return this.#counter;
  }

  seal(header: Uint8Array, payload: Uint8Array): Buffer {
    const headerLength = header.length;
    const sealedEnd = headerLength + payload.length + TRANSPORT_TAG_LENGTH;
    const packet = Buffer.allocUnsafe(sealedEnd + TRANSPORT_NONCE_LENGTH);
    packet.set(header, 0);
    // Incremented before use, so the first packet carries 1, as @discordjs/voice does (§3.4).
    this.#counter = (this.#counter + 1) >>> 0;
    const nonce = this.#sealNonce;
    writeU32BE(nonce, 0, this.#counter);
    this.encrypt(header, payload, packet.subarray(headerLength, sealedEnd), nonce);
    packet[sealedEnd] = nonce[0] ?? 0;
    packet[sealedEnd + 1] = nonce[1] ?? 0;
    packet[sealedEnd + 2] = nonce[2] ?? 0;
    packet[sealedEnd + 3] = nonce[3] ?? 0;
    return packet;
  }

  open(packet: Uint8Array, header: RtpHeader | null = parseRtpHeader(packet)): Buffer | null {
    if (header === null) return null;
    const headerLength = header.headerLength;
    const sealedEnd = packet.length - TRANSPORT_NONCE_LENGTH;
    if (sealedEnd - TRANSPORT_TAG_LENGTH < headerLength) return null;
    const nonce = this.#openNonce;
    writeU32BE(nonce, 0, readU32BE(packet, sealedEnd));
    const plaintext = this.decrypt(
      packet.subarray(0, headerLength),
      packet.subarray(headerLength, sealedEnd),
      nonce,
    );
    return plaintext === null ? null : mediaPayload(plaintext, header);
  }

  /** Encrypts `plaintext` into `out` (exactly `plaintext.length + 16` bytes: ciphertext, then tag). */
  protected abstract encrypt(
    aad: Uint8Array,
    plaintext: Uint8Array,
    out: Uint8Array,
    nonce: Uint8Array,
  ): void;

  /** Authenticates and decrypts `sealed` (ciphertext ‖ tag); null when it does not authenticate. */
  protected abstract decrypt(aad: Uint8Array, sealed: Uint8Array, nonce: Uint8Array): Buffer | null;
}

/**
 * Strips what the decrypted payload carries besides media: the extension body first (4 bytes per
 * word; SRTP-style, it is encrypted with the payload), then RFC 3550 padding (last byte = pad count,
 * itself included). Null when the counts do not fit the payload.
 */
function mediaPayload(plaintext: Buffer, header: RtpHeader): Buffer | null {
  const start = 4 * header.extensionWords;
  let end = plaintext.length;
  if (start > end) return null;
  if (header.padded) {
    const padding = plaintext[end - 1] ?? 0;
    if (padding === 0 || padding > end - start) return null;
    end -= padding;
  }
  return plaintext.subarray(start, end);
}

/** @internal */
export function checkSecretKey(secretKey: Uint8Array): void {
  if (secretKey.length !== TRANSPORT_KEY_LENGTH) {
    throw new InvalidArgumentError(
      `the transport secret key must be ${TRANSPORT_KEY_LENGTH} bytes, got ${secretKey.length}`,
    );
  }
}
