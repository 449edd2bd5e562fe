import { AesGcmTransportCipher, type AesGcmImplementation } from './aes-gcm-transport-cipher.js';
import type { VoiceEncryptionMode } from './encryption-mode.js';
import type { TransportCipher } from './rtpsize-transport-cipher.js';
import { XChaChaTransportCipher, type XChaChaImplementation } from './xchacha-transport-cipher.js';

export type { AesGcmImplementation } from './aes-gcm-transport-cipher.js';
export type { TransportCipher } from './rtpsize-transport-cipher.js';

/** Options of {@link createTransportCipher}. */
export interface TransportCipherOptions {
  /**
   * Nonce counter of the last packet sealed in this session (default 0, so the first packet carries
   * 1). Only for carrying a counter over, and for tests of the wrap at 2^32.
   */
  readonly nonce?: number;
  /**
   * AES-256-GCM only: how `seal` computes it, `openssl` (default) or `ecb-ghash` (cheaper, JavaScript
   * GHASH; see the trade-off in `AesGcmTransportCipher`). The packets are the same.
   */
  readonly aesGcm?: AesGcmImplementation;
  /** XChaCha only: force the all-JS AEAD (`noble`) or the native one. Default: native when OpenSSL has it. @internal */
  readonly xchacha?: XChaChaImplementation;
}

/**
 * The transport cipher of a session, from the mode chosen in Select Protocol and the 32-byte
 * `secret_key` of Session Description (docs/protocol/voice.md §2.3, §3.3–3.4).
 *
 * @throws InvalidArgumentError when the key is not 32 bytes or the nonce not a u32.
 * @example
 * const cipher = createTransportCipher(description.mode, Uint8Array.from(description.secret_key));
 * packetizer.writeHeader(header);
 * socket.send(cipher.seal(header, opusFrame));
 */
export function createTransportCipher(
  mode: VoiceEncryptionMode,
  secretKey: Uint8Array,
  options: TransportCipherOptions = {},
): TransportCipher {
  return mode === 'aead_aes256_gcm_rtpsize'
    ? new AesGcmTransportCipher(secretKey, options.nonce, options.aesGcm)
    : new XChaChaTransportCipher(secretKey, options.nonce, options.xchacha);
}
