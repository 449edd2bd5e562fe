import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import {
  createTransportCipher,
  RtpPacketizer,
  type TransportCipher,
  type VoiceEncryptionMode,
} from '../../../src/voice/media/index.js';

const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 1));
const OPUS = Buffer.from('fc ff fe 01 02 03 04 05 06 07 08 09 0a 0b 0c'.replaceAll(' ', ''), 'hex');

/** The 4-byte counter, big-endian, then zeros: the documented nonce (docs/protocol/voice.md §3.4). */
function nonceOf(counter: number, length: 12 | 24): Buffer {
  const nonce = Buffer.alloc(length);
  nonce.writeUInt32BE(counter, 0);
  return nonce;
}

function header(sequence = 1): Buffer {
  return new RtpPacketizer(0x1122_3344, { sequence, timestamp: 960 * sequence }).header();
}

/** header ‖ AEAD(payload, aad = header) ‖ tag ‖ BE32 counter, computed without the code under test. */
function sealIndependently(
  mode: VoiceEncryptionMode,
  aad: Buffer,
  payload: Buffer,
  counter: number,
  key = KEY,
): Buffer {
  let sealed: Buffer;
  if (mode === 'aead_aes256_gcm_rtpsize') {
    const cipher = createCipheriv('aes-256-gcm', key, nonceOf(counter, 12));
    cipher.setAAD(aad);
    sealed = Buffer.concat([cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
  } else {
    sealed = Buffer.from(xchacha20poly1305(key, nonceOf(counter, 24), aad).encrypt(payload));
  }
  const suffix = Buffer.alloc(4);
  suffix.writeUInt32BE(counter, 0);
  return Buffer.concat([aad, sealed, suffix]);
}

const CIPHERS: readonly [string, VoiceEncryptionMode, (nonce?: number) => TransportCipher][] = [
  [
    'aes-256-gcm',
    'aead_aes256_gcm_rtpsize',
    (nonce = 0) => createTransportCipher('aead_aes256_gcm_rtpsize', KEY, { nonce }),
  ],
  [
    'aes-256-gcm (ecb-ghash)',
    'aead_aes256_gcm_rtpsize',
    (nonce = 0) => createTransportCipher('aead_aes256_gcm_rtpsize', KEY, { nonce, aesGcm: 'ecb-ghash' }),
  ],
  [
    'xchacha20-poly1305 (native)',
    'aead_xchacha20_poly1305_rtpsize',
    (nonce = 0) =>
      createTransportCipher('aead_xchacha20_poly1305_rtpsize', KEY, { nonce, xchacha: 'native' }),
  ],
  [
    'xchacha20-poly1305 (all-JS)',
    'aead_xchacha20_poly1305_rtpsize',
    (nonce = 0) => createTransportCipher('aead_xchacha20_poly1305_rtpsize', KEY, { nonce, xchacha: 'noble' }),
  ],
];

describe.each(CIPHERS)('transport cipher %s', (_name, mode, make) => {
  it('seals as header ‖ ciphertext ‖ tag ‖ BE32 nonce, matching an independent computation', () => {
    const cipher = make();
    expect(cipher.seal(header(), OPUS)).toEqual(sealIndependently(mode, header(), OPUS, 1));
  });

  it('uses nonce 1 for the first packet and counts up per packet', () => {
    const cipher = make();
    expect(cipher.nonce).toBe(0);
    cipher.seal(header(1), OPUS);
    const second = cipher.seal(header(2), OPUS);
    expect(second.readUInt32BE(second.length - 4)).toBe(2);
    expect(second).toEqual(sealIndependently(mode, header(2), OPUS, 2));
    expect(cipher.nonce).toBe(2);
  });

  it('wraps the nonce counter from 2^32 − 1 to 0', () => {
    const cipher = make(0xffff_fffe);
    expect(cipher.seal(header(), OPUS)).toEqual(sealIndependently(mode, header(), OPUS, 0xffff_ffff));
    expect(cipher.seal(header(), OPUS)).toEqual(sealIndependently(mode, header(), OPUS, 0));
  });

  it('opens what it sealed', () => {
    const cipher = make();
    expect(cipher.open(cipher.seal(header(), OPUS))).toEqual(OPUS);
  });

  it('opens a packet sealed independently under the same key', () => {
    expect(make().open(sealIndependently(mode, header(), OPUS, 12_345))).toEqual(OPUS);
  });

  it('seals an empty payload to header ‖ tag ‖ nonce', () => {
    const packet = make().seal(header(), new Uint8Array(0));
    expect(packet).toHaveLength(12 + 16 + 4);
    expect(make().open(packet)).toEqual(Buffer.alloc(0));
  });

  it('with X=1 authenticates the preamble and strips the decrypted extension body', () => {
    const clear = header();
    clear[0] = 0x90;
    const preamble = Buffer.from([0xbe, 0xde, 0x00, 0x02]);
    const extensionBody = Buffer.from([0x10, 0xaa, 0x20, 0xbb, 0xcc, 0, 0, 0]);
    const aad = Buffer.concat([clear, preamble]);
    const packet = sealIndependently(mode, aad, Buffer.concat([extensionBody, OPUS]), 99);
    expect(make().open(packet)).toEqual(OPUS);
  });

  it('with CSRCs authenticates them as part of the header', () => {
    const clear = Buffer.concat([header(), Buffer.from([0, 0, 0, 9])]);
    clear[0] = 0x81;
    expect(make().open(sealIndependently(mode, clear, OPUS, 5))).toEqual(OPUS);
  });

  it('with P=1 strips the padding its last byte counts', () => {
    const clear = header();
    clear[0] = 0xa0;
    const padded = Buffer.concat([OPUS, Buffer.from([0, 0, 3])]);
    expect(make().open(sealIndependently(mode, clear, padded, 7))).toEqual(OPUS);
  });

  it('with X=1 and P=1 strips both', () => {
    const clear = Buffer.concat([header(), Buffer.from([0xbe, 0xde, 0x00, 0x01])]);
    clear[0] = 0xb0;
    const payload = Buffer.concat([Buffer.from([0x10, 1, 0, 0]), OPUS, Buffer.from([0, 2])]);
    expect(make().open(sealIndependently(mode, clear, payload, 8))).toEqual(OPUS);
  });

  it.each([
    ['the header (AAD)', 3],
    ['the ciphertext', 14],
    ['the tag', -8],
    ['the nonce', -1],
  ])('gives null when a bit of %s is flipped', (_part, at) => {
    const packet = make().seal(header(), OPUS);
    const index = at < 0 ? packet.length + at : at;
    packet[index] = (packet[index] ?? 0) ^ 0x01;
    expect(make().open(packet)).toBeNull();
  });

  it('gives null for a packet sealed under another key', () => {
    expect(make().open(sealIndependently(mode, header(), OPUS, 1, randomBytes(32)))).toBeNull();
  });

  it('gives null when the padding count is 0 or exceeds the payload', () => {
    const clear = header();
    clear[0] = 0xa0;
    expect(
      make().open(sealIndependently(mode, clear, Buffer.concat([OPUS, Buffer.from([0])]), 1)),
    ).toBeNull();
    expect(make().open(sealIndependently(mode, clear, Buffer.from([1, 2, 9]), 1))).toBeNull();
  });

  it('gives null when the extension body is longer than the payload', () => {
    const clear = Buffer.concat([header(), Buffer.from([0xbe, 0xde, 0x00, 0x09])]);
    clear[0] = 0x90;
    expect(make().open(sealIndependently(mode, clear, OPUS, 1))).toBeNull();
  });

  it('gives null for RTCP, a bare header and random bytes, without throwing', () => {
    const cipher = make();
    const rtcp = Buffer.concat([Buffer.from([0x80, 0xc8]), Buffer.alloc(40)]);
    expect(cipher.open(rtcp)).toBeNull();
    expect(cipher.open(header())).toBeNull();
    expect(cipher.open(Buffer.concat([header(), Buffer.alloc(19)]))).toBeNull();
    for (let length = 0; length < 64; length++) {
      const garbage = randomBytes(length);
      if (length > 1) garbage.writeUInt16BE(0x8078, 0);
      expect(cipher.open(garbage)).toBeNull();
    }
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => createTransportCipher(mode, randomBytes(31))).toThrow(InvalidArgumentError);
  });
});

describe('XChaCha20-Poly1305 implementations', () => {
  it('the native (HChaCha20 + OpenSSL) and all-JS AEADs agree on random keys, headers and payloads', () => {
    for (let i = 0; i < 100; i++) {
      const key = randomBytes(32);
      const nonce = randomBytes(4).readUInt32BE(0);
      const native = createTransportCipher('aead_xchacha20_poly1305_rtpsize', key, {
        nonce,
        xchacha: 'native',
      });
      const js = createTransportCipher('aead_xchacha20_poly1305_rtpsize', key, { nonce, xchacha: 'noble' });
      const aad = randomBytes(12 + (i % 3) * 4);
      const payload = randomBytes(i * 5);
      const packet = native.seal(aad, payload);
      expect(packet).toEqual(js.seal(aad, payload));
      expect(packet).toEqual(
        sealIndependently('aead_xchacha20_poly1305_rtpsize', aad, payload, (nonce + 1) >>> 0, key),
      );
    }
  });
});

describe('AES-256-GCM layout', () => {
  it('a sealed packet decrypts with node:crypto given the documented nonce and AAD', () => {
    const packet = createTransportCipher('aead_aes256_gcm_rtpsize', KEY).seal(header(), OPUS);
    const decipher = createDecipheriv(
      'aes-256-gcm',
      KEY,
      nonceOf(packet.readUInt32BE(packet.length - 4), 12),
    );
    decipher.setAAD(packet.subarray(0, 12));
    decipher.setAuthTag(packet.subarray(packet.length - 20, packet.length - 4));
    const opus = Buffer.concat([decipher.update(packet.subarray(12, packet.length - 20)), decipher.final()]);
    expect(opus).toEqual(OPUS);
  });
});
