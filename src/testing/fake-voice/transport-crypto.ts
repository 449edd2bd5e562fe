import { createCipheriv, createDecipheriv } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha';
import { AES_GCM_MODE } from './payloads.js';

/** The AEAD tag of both modes: 16 bytes (docs/protocol/voice.md §3.4). */
export const TAG_SIZE = 16;
/** The nonce counter appended to each packet: 4 bytes, big-endian (docs/protocol/voice.md §3.4). */
export const NONCE_SUFFIX_SIZE = 4;

/**
 * The full nonce: the u32 counter big-endian in the first 4 bytes of an otherwise zero buffer,
 * 12 bytes for AES-256-GCM and 24 for XChaCha20-Poly1305 (docs/protocol/voice.md §3.4).
 */
function fullNonce(mode: string, counter: number): Buffer {
  const nonce = Buffer.alloc(mode === AES_GCM_MODE ? 12 : 24);
  nonce.writeUInt32BE(counter >>> 0, 0);
  return nonce;
}

/**
 * Encrypts one RTP payload for a `*_rtpsize` mode: returns `ciphertext ‖ tag ‖ counter(4, BE)`, to be
 * appended to `header` (the AAD). The fake's own code, independent of any client's.
 */
export function sealRtpPayload(
  mode: string,
  key: Uint8Array,
  header: Buffer,
  counter: number,
  plaintext: Uint8Array,
): Buffer {
  const nonce = fullNonce(mode, counter);
  const suffix = nonce.subarray(0, NONCE_SUFFIX_SIZE);
  if (mode === AES_GCM_MODE) {
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(header);
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag(), suffix]);
  }
  const sealed = xchacha20poly1305(key, nonce, header).encrypt(plaintext);
  return Buffer.concat([sealed, suffix]);
}

/** A decrypted packet: the plaintext after the unencrypted header, and the counter it carried. */
export interface OpenedRtpPayload {
  readonly plaintext: Buffer;
  readonly counter: number;
}

/**
 * Decrypts a `*_rtpsize` packet whose unencrypted header is `headerLength` bytes: strips the 4-byte
 * counter suffix, rebuilds the nonce from it, and authenticates the header as AAD
 * (docs/protocol/voice.md §3.4). Null when the packet is too short or does not authenticate.
 */
export function openRtpPacket(
  mode: string,
  key: Uint8Array,
  packet: Buffer,
  headerLength: number,
): OpenedRtpPayload | null {
  if (packet.length < headerLength + TAG_SIZE + NONCE_SUFFIX_SIZE) return null;
  const counter = packet.readUInt32BE(packet.length - NONCE_SUFFIX_SIZE);
  const nonce = fullNonce(mode, counter);
  const header = packet.subarray(0, headerLength);
  const sealed = packet.subarray(headerLength, packet.length - NONCE_SUFFIX_SIZE);
  try {
    if (mode === AES_GCM_MODE) {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      decipher.setAAD(header);
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
      const plaintext = Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - TAG_SIZE)),
        decipher.final(),
      ]);
      return { plaintext, counter };
    }
    const plaintext = xchacha20poly1305(key, nonce, header).decrypt(sealed);
    return { plaintext: Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength), counter };
  } catch {
    return null;
  }
}
