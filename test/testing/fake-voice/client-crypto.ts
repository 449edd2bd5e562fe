import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * The raw test client's own transport encryption, written apart from the fake's
 * (docs/protocol/voice.md §3.4): AES-256-GCM from node:crypto, and XChaCha20-Poly1305 built from HChaCha20
 * (below) and node's IETF ChaCha20-Poly1305, so the fake's @noble/ciphers path is checked against a
 * second implementation.
 */

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

function rotl(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}

/** HChaCha20 (draft-irtf-cfrg-xchacha §2.2): a 32-byte subkey from the key and the nonce's first 16 bytes. */
function hchacha20(key: Uint8Array, nonce16: Uint8Array): Buffer {
  const k = Buffer.from(key);
  const n = Buffer.from(nonce16);
  const s = [...SIGMA];
  for (let i = 0; i < 8; i++) s.push(k.readUInt32LE(i * 4));
  for (let i = 0; i < 4; i++) s.push(n.readUInt32LE(i * 4));
  const quarter = (a: number, b: number, c: number, d: number): void => {
    s[a] = (s[a]! + s[b]!) >>> 0;
    s[d] = rotl(s[d]! ^ s[a], 16);
    s[c] = (s[c]! + s[d]) >>> 0;
    s[b] = rotl(s[b]! ^ s[c], 12);
    s[a] = (s[a] + s[b]) >>> 0;
    s[d] = rotl(s[d] ^ s[a], 8);
    s[c] = (s[c] + s[d]) >>> 0;
    s[b] = rotl(s[b] ^ s[c], 7);
  };
  for (let round = 0; round < 10; round++) {
    quarter(0, 4, 8, 12);
    quarter(1, 5, 9, 13);
    quarter(2, 6, 10, 14);
    quarter(3, 7, 11, 15);
    quarter(0, 5, 10, 15);
    quarter(1, 6, 11, 12);
    quarter(2, 7, 8, 13);
    quarter(3, 4, 9, 14);
  }
  const out = Buffer.alloc(32);
  [0, 1, 2, 3, 12, 13, 14, 15].forEach((word, i) => out.writeUInt32LE(s[word]!, i * 4));
  return out;
}

/** The AEAD key and 12-byte nonce that `chacha20-poly1305` needs for an XChaCha20 24-byte nonce. */
function xchachaParts(key: Uint8Array, nonce24: Buffer): { key: Buffer; nonce: Buffer } {
  const nonce = Buffer.alloc(12);
  nonce24.copy(nonce, 4, 16, 24);
  return { key: hchacha20(key, nonce24.subarray(0, 16)), nonce };
}

function nonceFor(mode: string, counter: number): Buffer {
  const nonce = Buffer.alloc(mode === 'aead_aes256_gcm_rtpsize' ? 12 : 24);
  nonce.writeUInt32BE(counter >>> 0, 0);
  return nonce;
}

/** `header ‖ ciphertext ‖ tag ‖ counter(BE)`: one `*_rtpsize` packet. */
export function sealPacket(
  mode: string,
  key: Uint8Array,
  header: Buffer,
  counter: number,
  opus: Buffer,
): Buffer {
  const nonce = nonceFor(mode, counter);
  let cipher;
  if (mode === 'aead_aes256_gcm_rtpsize') {
    cipher = createCipheriv('aes-256-gcm', key, nonce);
  } else {
    const parts = xchachaParts(key, nonce);
    cipher = createCipheriv('chacha20-poly1305', parts.key, parts.nonce, { authTagLength: 16 });
  }
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(opus), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([header, body, nonce.subarray(0, 4)]);
}

/** Opens a packet whose unencrypted header is `headerLength` bytes; throws when it does not authenticate. */
export function openPacket(mode: string, key: Uint8Array, packet: Buffer, headerLength = 12): Buffer {
  const counter = packet.readUInt32BE(packet.length - 4);
  const nonce = nonceFor(mode, counter);
  const header = packet.subarray(0, headerLength);
  const tag = packet.subarray(packet.length - 20, packet.length - 4);
  const body = packet.subarray(headerLength, packet.length - 20);
  let decipher;
  if (mode === 'aead_aes256_gcm_rtpsize') {
    decipher = createDecipheriv('aes-256-gcm', key, nonce);
  } else {
    const parts = xchachaParts(key, nonce);
    decipher = createDecipheriv('chacha20-poly1305', parts.key, parts.nonce, { authTagLength: 16 });
  }
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

/** A 12-byte RTP header as Discord's senders build it: V=2, PT 120 (docs/protocol/voice.md §3.2). */
export function rtpHeader(seq: number, timestamp: number, ssrc: number): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = 0x78;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(ssrc >>> 0, 8);
  return header;
}
