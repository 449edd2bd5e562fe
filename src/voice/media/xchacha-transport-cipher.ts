import { getCiphers, createCipheriv, createDecipheriv } from 'node:crypto';
import { hchacha, xchacha20poly1305 } from '@noble/ciphers/chacha';
import { checkSecretKey, RtpsizeTransportCipher, TRANSPORT_TAG_LENGTH } from './rtpsize-transport-cipher.js';

/** "expand 32-byte k" as little-endian words: the ChaCha constants. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
/**
 * The IETF ChaCha20-Poly1305 nonce of the XChaCha construction: 4 zero bytes, then bytes 16–23 of the
 * 24-byte nonce, which in the rtpsize layout are always zero (only bytes 0–3 carry the counter).
 */
const INNER_NONCE = new Uint8Array(12);

/** How the AEAD is computed: `native` = HChaCha20 (JS) + OpenSSL's ChaCha20-Poly1305; `noble` = all JS. */
export type XChaChaImplementation = 'native' | 'noble';

let runtimeHasChaCha: boolean | undefined;

function opensslHasChaCha(): boolean {
  runtimeHasChaCha ??= getCiphers().includes('chacha20-poly1305');
  return runtimeHasChaCha;
}

/**
 * `aead_xchacha20_poly1305_rtpsize` (docs/protocol/voice.md §3.3–3.4), the mode every server offers,
 * with a 24-byte nonce (the 4 counter bytes, then 20 zeros).
 *
 * Node has no XChaCha20, but XChaCha20-Poly1305 is by definition (draft-irtf-cfrg-xchacha §2.3) the
 * IETF ChaCha20-Poly1305 AEAD under the subkey HChaCha20(key, nonce[0..16]) with the nonce
 * `0⁴ ‖ nonce[16..24]`. So per packet this derives the subkey with `@noble/ciphers`' `hchacha` (one
 * ChaCha block, ~0.3 µs) and lets OpenSSL do the bulk encryption and Poly1305: about half the cost of
 * the all-JS AEAD. Where OpenSSL lacks `chacha20-poly1305` the all-JS `xchacha20poly1305` is used;
 * both give identical bytes (test/voice/media/transport-cipher.test.ts checks them against each other).
 *
 * @internal Use `createTransportCipher`.
 */
export class XChaChaTransportCipher extends RtpsizeTransportCipher {
  readonly implementation: XChaChaImplementation;
  readonly #key: Uint8Array;
  readonly #key32 = new Uint32Array(8);
  readonly #nonce32 = new Uint32Array(4);
  readonly #subkey32 = new Uint32Array(8);
  readonly #subkey = new Uint8Array(32);

  constructor(secretKey: Uint8Array, initialNonce = 0, implementation?: XChaChaImplementation) {
    checkSecretKey(secretKey);
    super('aead_xchacha20_poly1305_rtpsize', 24, initialNonce);
    this.#key = Uint8Array.from(secretKey);
    this.implementation = implementation ?? (opensslHasChaCha() ? 'native' : 'noble');
    readWordsLE(this.#key, 0, this.#key32);
  }

  protected encrypt(aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, nonce: Uint8Array): void {
    if (this.implementation === 'noble') {
      xchacha20poly1305(this.#key, nonce, aad).encrypt(plaintext, out);
      return;
    }
    const cipher = createCipheriv('chacha20-poly1305', this.#deriveSubkey(nonce), INNER_NONCE, {
      authTagLength: TRANSPORT_TAG_LENGTH,
    });
    cipher.setAAD(aad, { plaintextLength: plaintext.length });
    const ciphertext = cipher.update(plaintext);
    out.set(ciphertext, 0);
    const rest = cipher.final();
    if (rest.length > 0) out.set(rest, ciphertext.length);
    out.set(cipher.getAuthTag(), plaintext.length);
  }

  protected decrypt(aad: Uint8Array, sealed: Uint8Array, nonce: Uint8Array): Buffer | null {
    try {
      if (this.implementation === 'noble') {
        const plaintext = xchacha20poly1305(this.#key, nonce, aad).decrypt(sealed);
        return Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.length);
      }
      const tagStart = sealed.length - TRANSPORT_TAG_LENGTH;
      const decipher = createDecipheriv('chacha20-poly1305', this.#deriveSubkey(nonce), INNER_NONCE, {
        authTagLength: TRANSPORT_TAG_LENGTH,
      });
      decipher.setAAD(aad, { plaintextLength: tagStart });
      decipher.setAuthTag(sealed.subarray(tagStart));
      const plaintext = decipher.update(sealed.subarray(0, tagStart));
      // final() throws when the tag does not authenticate the ciphertext and AAD.
      const rest = decipher.final();
      return rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]);
    } catch {
      return null;
    }
  }

  /** HChaCha20(key, nonce[0..16]) into the reused subkey buffer (words little-endian, any host). */
  #deriveSubkey(nonce: Uint8Array): Uint8Array {
    readWordsLE(nonce, 0, this.#nonce32);
    hchacha(SIGMA, this.#key32, this.#nonce32, this.#subkey32);
    const subkey = this.#subkey;
    for (let i = 0; i < 8; i++) {
      const word = this.#subkey32[i] ?? 0;
      subkey[4 * i] = word;
      subkey[4 * i + 1] = word >>> 8;
      subkey[4 * i + 2] = word >>> 16;
      subkey[4 * i + 3] = word >>> 24;
    }
    return subkey;
  }
}

/** Fills `words` with little-endian u32s read from `bytes` at `offset`. */
function readWordsLE(bytes: Uint8Array, offset: number, words: Uint32Array): void {
  for (let i = 0; i < words.length; i++) {
    const at = offset + 4 * i;
    words[i] =
      ((bytes[at] ?? 0) |
        ((bytes[at + 1] ?? 0) << 8) |
        ((bytes[at + 2] ?? 0) << 16) |
        ((bytes[at + 3] ?? 0) << 24)) >>>
      0;
  }
}
