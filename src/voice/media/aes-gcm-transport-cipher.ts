import { createCipheriv, createDecipheriv, createSecretKey, type Cipher, type KeyObject } from 'node:crypto';
import { Ghash } from './ghash.js';
import { checkSecretKey, RtpsizeTransportCipher, TRANSPORT_TAG_LENGTH } from './rtpsize-transport-cipher.js';

/**
 * How `seal` computes AES-256-GCM: `openssl` = one `aes-256-gcm` context per packet; `ecb-ghash` =
 * the AES blocks from one kept OpenSSL `aes-256-ecb` context, CTR and GHASH in JavaScript.
 */
export type AesGcmImplementation = 'openssl' | 'ecb-ghash';

/** Bytes of the counter blocks kept ready: enough for any Opus frame (≤ 1275 bytes) plus DAVE's suffix. */
const INITIAL_COUNTER_BLOCKS = 96;

/**
 * `aead_aes256_gcm_rtpsize` (docs/protocol/voice.md §3.3–3.4): AES-256-GCM with a 12-byte nonce (the 4
 * counter bytes, then 8 zeros) and a 16-byte tag. `open` always uses OpenSSL's `aes-256-gcm`.
 *
 * `seal` has two implementations with identical output (test/voice/media/aes-gcm.test.ts checks them
 * against `node:crypto` on random inputs):
 * - `openssl` (default): `createCipheriv('aes-256-gcm')` per packet, the key imported once as a
 *   `KeyObject`. OpenSSL cannot re-arm a GCM context with a new IV from JavaScript, so each packet
 *   pays for a cipher object (about 3.5 µs here, much of it JavaScript stream machinery and garbage).
 * - `ecb-ghash`: GCM assembled from its parts (NIST SP 800-38D §7.1): the counter blocks J0, J0+1, …
 *   encrypted in one `update()` of an `aes-256-ecb` context kept for the session (AES itself stays in
 *   OpenSSL), the keystream XORed in JavaScript, and GHASH computed by {@link Ghash} with a 4 KiB table
 *   per key. About 40 % cheaper per packet and far less garbage, at the price of a JavaScript GHASH,
 *   whose table look-ups are not constant-time: a process sharing the CPU cache could in principle
 *   learn the hash key and forge transport packets (not read them: confidentiality is AES-CTR in
 *   OpenSSL, and DAVE protects the media end to end).
 *
 * @internal Use `createTransportCipher`.
 */
export class AesGcmTransportCipher extends RtpsizeTransportCipher {
  readonly implementation: AesGcmImplementation;
  readonly #key: KeyObject;
  readonly #ecb: Cipher | null = null;
  readonly #ghash: Ghash | null = null;
  /** Counter blocks: bytes 0–3 of each get the packet's nonce, 12–15 hold the block's index + 1. */
  #counters: Buffer = Buffer.alloc(0);

  constructor(secretKey: Uint8Array, initialNonce = 0, implementation: AesGcmImplementation = 'openssl') {
    checkSecretKey(secretKey);
    super('aead_aes256_gcm_rtpsize', 12, initialNonce);
    this.implementation = implementation;
    this.#key = createSecretKey(secretKey);
    if (implementation === 'ecb-ghash') {
      const ecb = createCipheriv('aes-256-ecb', this.#key, null);
      ecb.setAutoPadding(false);
      this.#ecb = ecb;
      this.#ghash = new Ghash(ecb.update(Buffer.alloc(16)));
      this.#growCounters(INITIAL_COUNTER_BLOCKS);
    }
  }

  protected encrypt(aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, nonce: Uint8Array): void {
    if (this.#ecb !== null && this.#ghash !== null) {
      this.#sealParts(this.#ecb, this.#ghash, aad, plaintext, out, nonce);
      return;
    }
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TRANSPORT_TAG_LENGTH });
    cipher.setAAD(aad);
    // GCM is a stream mode: update() returns every byte and final() none.
    const ciphertext = cipher.update(plaintext);
    out.set(ciphertext, 0);
    const rest = cipher.final();
    if (rest.length > 0) out.set(rest, ciphertext.length);
    out.set(cipher.getAuthTag(), plaintext.length);
  }

  protected decrypt(aad: Uint8Array, sealed: Uint8Array, nonce: Uint8Array): Buffer | null {
    const tagStart = sealed.length - TRANSPORT_TAG_LENGTH;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce, {
        authTagLength: TRANSPORT_TAG_LENGTH,
      });
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.subarray(tagStart));
      const plaintext = decipher.update(sealed.subarray(0, tagStart));
      // final() throws when the tag does not authenticate the ciphertext and AAD.
      const rest = decipher.final();
      return rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]);
    } catch {
      return null;
    }
  }

  /**
   * GCM for a 96-bit IV (SP 800-38D §7.1): J0 = IV ‖ 0^31 ‖ 1; C = P ⊕ AES(J0 + 1), AES(J0 + 2), …;
   * tag = AES(J0) ⊕ GHASH(AAD ‖ pad ‖ C ‖ pad ‖ len(AAD) ‖ len(C)).
   */
  #sealParts(
    ecb: Cipher,
    ghash: Ghash,
    aad: Uint8Array,
    plaintext: Uint8Array,
    out: Uint8Array,
    nonce: Uint8Array,
  ): void {
    const length = plaintext.length;
    const blocks = 1 + Math.ceil(length / 16);
    if (this.#counters.length < 16 * blocks) this.#growCounters(blocks);
    const counters = this.#counters;
    // Only the nonce's first 4 bytes vary (the rest is zero), and each block's index is fixed.
    const n0 = nonce[0] ?? 0;
    const n1 = nonce[1] ?? 0;
    const n2 = nonce[2] ?? 0;
    const n3 = nonce[3] ?? 0;
    for (let at = 0; at < 16 * blocks; at += 16) {
      counters[at] = n0;
      counters[at + 1] = n1;
      counters[at + 2] = n2;
      counters[at + 3] = n3;
    }
    const keystream = ecb.update(counters.subarray(0, 16 * blocks));
    for (let i = 0; i < length; i++) out[i] = (plaintext[i] ?? 0) ^ (keystream[16 + i] ?? 0);
    ghash.reset();
    ghash.update(aad);
    ghash.update(out, 0, length);
    ghash.updateLengths(aad.length, length);
    ghash.digestMasked(out, length, keystream, 0);
  }

  #growCounters(blocks: number): void {
    const counters = Buffer.alloc(16 * blocks);
    for (let block = 0; block < blocks; block++) counters.writeUInt32BE(block + 1, 16 * block + 12);
    this.#counters = counters;
  }
}
