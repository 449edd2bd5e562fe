import { VoiceCloseCodes, VoiceOpcodes } from 'discord-api-types/voice/v8';
import type { VoiceEncryptionMode } from 'discord-api-types/voice/v8';

/** The voice gateway version the fake speaks (docs/protocol/voice.md §2.1). */
export const VOICE_GATEWAY_VERSION = 8;

/** The two transport modes Discord still accepts (docs/protocol/voice.md §3.3); every other one is discontinued. */
export type VoiceTransportMode =
  | VoiceEncryptionMode.AeadAes256GcmRtpSize
  | VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize
  | 'aead_aes256_gcm_rtpsize'
  | 'aead_xchacha20_poly1305_rtpsize';

/** The preferred mode, offered when the server's hardware has AES (docs/protocol/voice.md §3.3). */
export const AES_GCM_MODE = 'aead_aes256_gcm_rtpsize';
/** The mode every client must implement; always offered (docs/protocol/voice.md §3.3). */
export const XCHACHA_MODE = 'aead_xchacha20_poly1305_rtpsize';
/** Both, in Discord's order of preference. */
export const SUPPORTED_MODES: readonly string[] = [AES_GCM_MODE, XCHACHA_MODE];

/**
 * Ops a client may send (docs/protocol/voice.md §2.2): 0, 1, 3, 5, 7 and the DAVE ops 23, 26, 28, 31.
 * Any other op closes with 4001, except the undocumented client ops Discord's own clients send
 * (12 video, 15 media sink wants, 16 backend version, 18 client flags, 20 platform), which are recorded
 * and otherwise ignored: Discord accepts them, so a faithful fake must not close on them.
 */
export const TOLERATED_CLIENT_OPS: ReadonlySet<number> = new Set([12, 15, 16, 18, 20]);

/** DAVE ops a client sends as JSON (23, 31). Recorded; the DAVE issue gives them meaning. */
export const DAVE_CLIENT_JSON_OPS: ReadonlySet<number> = new Set([
  VoiceOpcodes.DaveTransitionReady,
  VoiceOpcodes.DaveMlsInvalidCommitWelcome,
]);
/** DAVE ops a client sends as binary frames: 26 key package, 28 commit/welcome. */
export const DAVE_CLIENT_BINARY_OPS: ReadonlySet<number> = new Set([
  VoiceOpcodes.DaveMlsKeyPackage,
  VoiceOpcodes.DaveMlsCommitWelcome,
]);

/**
 * One JSON server message. Keys in the order of Discord's examples: `op`, `d`, then `seq` on messages
 * that may need replay (docs/protocol/voice.md §2.4); connection-level messages (Hello, Heartbeat ACK,
 * Resumed) carry none.
 */
export function serializeVoiceFrame(op: number, d: unknown, seq: number | null = null): string {
  const body = `{"op":${op},"d":${d === undefined ? 'null' : JSON.stringify(d)}`;
  return seq === null ? `${body}}` : `${body},"seq":${seq}}`;
}

/** A binary server message: `[seq u16 BE][op u8][payload]` (docs/protocol/voice.md §2.1). */
export function binaryVoiceFrame(op: number, payload: Uint8Array, seq: number): Buffer {
  const frame = Buffer.allocUnsafe(3 + payload.length);
  frame.writeUInt16BE(seq, 0);
  frame.writeUInt8(op, 2);
  frame.set(payload, 3);
  return frame;
}

/** Close reasons in Discord's wording (docs/protocol/voice.md §2.5). */
export const VOICE_CLOSE_REASONS: Readonly<Record<number, string>> = {
  [VoiceCloseCodes.UnknownOpcode]: 'Unknown opcode.',
  [VoiceCloseCodes.FailedToDecode]: 'Failed to decode payload.',
  [VoiceCloseCodes.NotAuthenticated]: 'Not authenticated.',
  [VoiceCloseCodes.AuthenticationFailed]: 'Authentication failed.',
  [VoiceCloseCodes.AlreadyAuthenticated]: 'Already authenticated.',
  [VoiceCloseCodes.SessionNoLongerValid]: 'Session no longer valid.',
  [VoiceCloseCodes.SessionTimeout]: 'Session timeout.',
  [VoiceCloseCodes.ServerNotFound]: 'Server not found.',
  [VoiceCloseCodes.UnknownProtocol]: 'Unknown protocol.',
  [VoiceCloseCodes.Disconnected]: 'Disconnected.',
  [VoiceCloseCodes.VoiceServerCrashed]: 'Voice server crashed.',
  [VoiceCloseCodes.UnknownEncryptionMode]: 'Unknown encryption mode.',
  [VoiceCloseCodes.EndToEndEncryptionDAVEProtocolRequired]: 'E2EE/DAVE protocol required.',
  [VoiceCloseCodes.BadRequest]: 'Bad request.',
  [VoiceCloseCodes.RateLimited]: 'Disconnected: rate limited.',
  [VoiceCloseCodes.CallTerminated]: 'Disconnected: call terminated.',
};

/**
 * Whether the voice session survives a server close with `code`: only 4015 ("try resuming") and
 * transport-level codes below 4000 leave it resumable (docs/protocol/voice.md §2.5); every other 40xx
 * asks for a full reconnect, so the fake ends the session and a later Resume gets 4006.
 */
export function serverCloseKeepsSession(code: number): boolean {
  return code < 4000 || code === Number(VoiceCloseCodes.VoiceServerCrashed);
}

/**
 * Whether a client close ends the voice session. The voice docs are silent; the fake applies the main
 * gateway's rule (docs/protocol/gateway.md §4): 1000 and 1001 end it, any other code or a TCP loss keeps it
 * resumable for `sessionTtlMs`.
 */
export function clientCloseEndsSession(code: number): boolean {
  return code === 1000 || code === 1001;
}
