import { readU32BE, writeU32BE } from './bytes.js';

/**
 * What multiplying by x^8 folds back into the top of the product (NIST SP 800-38D §6.3, bits in
 * GCM's reflected order): `REDUCE[b]` is XORed into word 0 after a right shift by 8 bits that shifted
 * out the byte `b`. Shared by every key.
 */
const REDUCE = ((): Uint32Array => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    const v = Uint32Array.of(0, 0, 0, byte);
    for (let bit = 0; bit < 8; bit++) shiftRight1(v);
    table[byte] = v[0] ?? 0;
  }
  return table;
})();

/** v · x in GF(2^128) (a right shift in GCM's bit order, reduced by x^128 + x^7 + x^2 + x + 1). */
function shiftRight1(v: Uint32Array): void {
  const carry = (v[3] ?? 0) & 1;
  v[3] = ((v[3] ?? 0) >>> 1) | ((v[2] ?? 0) << 31);
  v[2] = ((v[2] ?? 0) >>> 1) | ((v[1] ?? 0) << 31);
  v[1] = ((v[1] ?? 0) >>> 1) | ((v[0] ?? 0) << 31);
  v[0] = ((v[0] ?? 0) >>> 1) ^ (carry === 0 ? 0 : 0xe100_0000);
}

/**
 * GHASH, the authenticator of AES-GCM (NIST SP 800-38D §6.4), for one hash key H, with Shoup's 8-bit
 * table method: a 4 KiB table of H · b for every byte b, so each 16-byte block costs 16 table
 * look-ups. Not constant-time (table look-ups depend on the data and H), like every JavaScript GHASH;
 * see `AesGcmTransportCipher` for where it is used and why.
 *
 * @internal
 */
export class Ghash {
  /** Word w of H · b (b in the block's first byte) at `4 * b + w`, words big-endian. */
  readonly #table = new Uint32Array(256 * 4);
  readonly #block = new Uint32Array(4);
  #z0 = 0;
  #z1 = 0;
  #z2 = 0;
  #z3 = 0;

  /** `hashKey` = H = AES_K(0^128), 16 bytes. */
  constructor(hashKey: Uint8Array) {
    const table = this.#table;
    // The byte 0x80 is x^0, so H · 0x80 = H; each lower bit is one more factor x.
    const v = Uint32Array.of(
      readU32BE(hashKey, 0),
      readU32BE(hashKey, 4),
      readU32BE(hashKey, 8),
      readU32BE(hashKey, 12),
    );
    for (let bit = 0x80; bit >= 1; bit >>= 1) {
      table.set(v, 4 * bit);
      shiftRight1(v);
    }
    for (let high = 2; high < 256; high <<= 1) {
      for (let low = 1; low < high; low++) {
        for (let w = 0; w < 4; w++) {
          table[4 * (high + low) + w] = (table[4 * high + w] ?? 0) ^ (table[4 * low + w] ?? 0);
        }
      }
    }
  }

  /** Starts a new hash. */
  reset(): void {
    this.#z0 = 0;
    this.#z1 = 0;
    this.#z2 = 0;
    this.#z3 = 0;
  }

  /** Absorbs `data[start..end)`, zero-padded to a whole number of blocks. */
  update(data: Uint8Array, start = 0, end = data.length): void {
    const block = this.#block;
    for (let offset = start; offset < end; offset += 16) {
      if (end - offset >= 16) {
        block[0] = readU32BE(data, offset);
        block[1] = readU32BE(data, offset + 4);
        block[2] = readU32BE(data, offset + 8);
        block[3] = readU32BE(data, offset + 12);
      } else {
        block.fill(0);
        for (let i = offset; i < end; i++) {
          const at = (i - offset) >> 2;
          block[at] = (block[at] ?? 0) | ((data[i] ?? 0) << (24 - 8 * ((i - offset) & 3)));
        }
      }
      this.#multiply(
        (this.#z0 ^ (block[0] ?? 0)) >>> 0,
        (this.#z1 ^ (block[1] ?? 0)) >>> 0,
        (this.#z2 ^ (block[2] ?? 0)) >>> 0,
        (this.#z3 ^ (block[3] ?? 0)) >>> 0,
      );
    }
  }

  /** Absorbs the final block: the bit lengths of the AAD and of the ciphertext, each a u64 BE. */
  updateLengths(aadBytes: number, ciphertextBytes: number): void {
    this.#multiply(
      (this.#z0 ^ Math.floor(aadBytes / 0x2000_0000)) >>> 0,
      (this.#z1 ^ ((aadBytes * 8) >>> 0)) >>> 0,
      (this.#z2 ^ Math.floor(ciphertextBytes / 0x2000_0000)) >>> 0,
      (this.#z3 ^ ((ciphertextBytes * 8) >>> 0)) >>> 0,
    );
  }

  /** Writes the hash XOR `mask[maskOffset..+16)` into `out[offset..+16)` (the GCM tag when mask = AES_K(J0)). */
  digestMasked(out: Uint8Array, offset: number, mask: Uint8Array, maskOffset: number): void {
    writeU32BE(out, offset, this.#z0 ^ readU32BE(mask, maskOffset));
    writeU32BE(out, offset + 4, this.#z1 ^ readU32BE(mask, maskOffset + 4));
    writeU32BE(out, offset + 8, this.#z2 ^ readU32BE(mask, maskOffset + 8));
    writeU32BE(out, offset + 12, this.#z3 ^ readU32BE(mask, maskOffset + 12));
  }

  /** Z = X · H, Horner over X's bytes from last to first: Z = Z · x^8 ⊕ H · byte. */
  #multiply(x0: number, x1: number, x2: number, x3: number): void {
    const table = this.#table;
    let m = 4 * (x3 & 0xff);
    let z0 = table[m] ?? 0;
    let z1 = table[m + 1] ?? 0;
    let z2 = table[m + 2] ?? 0;
    let z3 = table[m + 3] ?? 0;
    for (let i = 14; i >= 0; i--) {
      const word = i < 4 ? x0 : i < 8 ? x1 : i < 12 ? x2 : x3;
      const byte = (word >>> (24 - 8 * (i & 3))) & 0xff;
      const carried = z3 & 0xff;
      z3 = (z3 >>> 8) | (z2 << 24);
      z2 = (z2 >>> 8) | (z1 << 24);
      z1 = (z1 >>> 8) | (z0 << 24);
      z0 = (z0 >>> 8) ^ (REDUCE[carried] ?? 0);
      m = 4 * byte;
      z0 ^= table[m] ?? 0;
      z1 ^= table[m + 1] ?? 0;
      z2 ^= table[m + 2] ?? 0;
      z3 ^= table[m + 3] ?? 0;
    }
    this.#z0 = z0 >>> 0;
    this.#z1 = z1 >>> 0;
    this.#z2 = z2 >>> 0;
    this.#z3 = z3 >>> 0;
  }
}
