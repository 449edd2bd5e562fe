import { getCiphers } from 'node:crypto';

/**
 * The transport encryption modes Discord still accepts (docs/protocol/voice.md §3.3): both AEADs in
 * the `_rtpsize` layout of §3.4. The older xsalsa20 and non-rtpsize modes were discontinued in 2024.
 */
export type VoiceEncryptionMode = 'aead_aes256_gcm_rtpsize' | 'aead_xchacha20_poly1305_rtpsize';

/** The modes this library implements, most preferred first. */
export const VOICE_ENCRYPTION_MODES: readonly VoiceEncryptionMode[] = [
  'aead_aes256_gcm_rtpsize',
  'aead_xchacha20_poly1305_rtpsize',
];

/** Options of {@link chooseEncryptionMode}; tests inject the cipher list. */
export interface ChooseEncryptionModeOptions {
  /** The ciphers this runtime has. Default: `crypto.getCiphers()` (read once). */
  readonly ciphers?: readonly string[];
}

let runtimeHasAesGcm: boolean | undefined;

/**
 * Picks the mode for Select Protocol from Ready's `modes` (docs/protocol/voice.md §2.3, §3.3). The rule:
 * `aead_aes256_gcm_rtpsize` when the server offers it and this runtime's OpenSSL has `aes-256-gcm`
 * (Discord's docs say to prefer it; it is native and about twice as cheap per packet here), else
 * `aead_xchacha20_poly1305_rtpsize`, which every server must offer; null when neither is offered (the
 * caller fails the connection: no mode we could use).
 *
 * Differs from @discordjs/voice, which takes the first supported entry in the server's order.
 */
export function chooseEncryptionMode(
  offered: readonly string[],
  options: ChooseEncryptionModeOptions = {},
): VoiceEncryptionMode | null {
  const hasAesGcm =
    options.ciphers === undefined
      ? (runtimeHasAesGcm ??= getCiphers().includes('aes-256-gcm'))
      : options.ciphers.includes('aes-256-gcm');
  if (hasAesGcm && offered.includes('aead_aes256_gcm_rtpsize')) return 'aead_aes256_gcm_rtpsize';
  if (offered.includes('aead_xchacha20_poly1305_rtpsize')) return 'aead_xchacha20_poly1305_rtpsize';
  return null;
}
