import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTransportCipher } from '../../../src/voice/media/index.js';
import { Ghash } from '../../../src/voice/media/ghash.js';

/** X · Y in GF(2^128), bit by bit as NIST SP 800-38D Algorithm 1 states it (BigInt, MSB = x^0). */
function gfMultiply(x: bigint, y: bigint): bigint {
  const R = 0xe1n << 120n;
  let z = 0n;
  let v = y;
  for (let i = 127n; i >= 0n; i--) {
    if ((x >> i) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
  }
  return z;
}

const toBig = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

/** GHASH by the book: Y_i = (Y_{i-1} ⊕ X_i) · H over zero-padded AAD, C and the length block. */
function referenceGhash(h: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): bigint {
  const pad = (data: Uint8Array) => Buffer.concat([data, Buffer.alloc((16 - (data.length % 16)) % 16)]);
  const lengths = Buffer.alloc(16);
  lengths.writeBigUInt64BE(BigInt(aad.length * 8), 0);
  lengths.writeBigUInt64BE(BigInt(ciphertext.length * 8), 8);
  const all = Buffer.concat([pad(aad), pad(ciphertext), lengths]);
  let y = 0n;
  for (let at = 0; at < all.length; at += 16) y = gfMultiply(y ^ toBig(all.subarray(at, at + 16)), toBig(h));
  return y;
}

describe('Ghash', () => {
  it('matches the bit-by-bit GF(2^128) definition', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 70 }),
        (h, aad, ciphertext) => {
          const ghash = new Ghash(h);
          ghash.update(aad);
          ghash.update(ciphertext);
          ghash.updateLengths(aad.length, ciphertext.length);
          const out = new Uint8Array(16);
          ghash.digestMasked(out, 0, new Uint8Array(16), 0);
          expect(toBig(out)).toBe(referenceGhash(h, aad, ciphertext));
        },
      ),
      { seed: 3416, numRuns: 150 },
    );
  });
});

describe('AES-256-GCM seal (ecb-ghash)', () => {
  it('gives the bytes node:crypto aes-256-gcm gives, for any key, nonce, header and payload', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(),
        fc.integer({ min: 0, max: 4 }),
        fc.nat(1700),
        (key, nonce, extraHeaderWords, payloadLength) => {
          const header = randomBytes(12 + 4 * extraHeaderWords);
          const payload = randomBytes(payloadLength);
          const packet = createTransportCipher('aead_aes256_gcm_rtpsize', key, {
            nonce,
            aesGcm: 'ecb-ghash',
          }).seal(header, payload);
          const iv = Buffer.alloc(12);
          iv.writeUInt32BE((nonce + 1) >>> 0, 0);
          const cipher = createCipheriv('aes-256-gcm', key, iv);
          cipher.setAAD(header);
          const sealed = Buffer.concat([cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
          expect(packet.subarray(header.length, packet.length - 4)).toEqual(sealed);
        },
      ),
      { seed: 3434, numRuns: 300 },
    );
  });

  it('keeps giving the same bytes as openssl over many packets of one session', () => {
    const key = randomBytes(32);
    const split = createTransportCipher('aead_aes256_gcm_rtpsize', key, { aesGcm: 'ecb-ghash' });
    const openssl = createTransportCipher('aead_aes256_gcm_rtpsize', key, { aesGcm: 'openssl' });
    for (let i = 0; i < 500; i++) {
      const header = randomBytes(12);
      const payload = randomBytes((i * 37) % 400);
      expect(split.seal(header, payload)).toEqual(openssl.seal(header, payload));
    }
  });
});
