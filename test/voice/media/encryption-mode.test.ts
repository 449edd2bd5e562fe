import { describe, expect, it } from 'vitest';
import { chooseEncryptionMode } from '../../../src/voice/media/index.js';

const AES = 'aead_aes256_gcm_rtpsize';
const XCHACHA = 'aead_xchacha20_poly1305_rtpsize';

describe('chooseEncryptionMode', () => {
  it('prefers AES-256-GCM when offered, whatever the server order', () => {
    expect(chooseEncryptionMode([XCHACHA, AES])).toBe(AES);
  });

  it('takes XChaCha20-Poly1305 when AES-256-GCM is not offered', () => {
    expect(chooseEncryptionMode([XCHACHA, 'xsalsa20_poly1305_lite_rtpsize'])).toBe(XCHACHA);
  });

  it('takes XChaCha20-Poly1305 when the runtime has no aes-256-gcm', () => {
    expect(chooseEncryptionMode([AES, XCHACHA], { ciphers: ['chacha20-poly1305'] })).toBe(XCHACHA);
  });

  it('gives null when only discontinued modes are offered', () => {
    expect(
      chooseEncryptionMode(['xsalsa20_poly1305', 'aead_aes256_gcm', 'xsalsa20_poly1305_lite']),
    ).toBeNull();
  });

  it('gives null when AES-256-GCM is the only mode offered and the runtime lacks it', () => {
    expect(chooseEncryptionMode([AES], { ciphers: [] })).toBeNull();
  });
});
