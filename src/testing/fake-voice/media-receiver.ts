import { parseRtpHeader, type RtpHeader } from './rtp.js';
import type { VoiceSession } from './session.js';
import { openRtpPacket } from './transport-crypto.js';
import type { FakeVoiceFrame } from './records.js';
import type { VoiceServerState } from './voice-state.js';

/** RTP kept while waiting for a late Speaking, per session; beyond it the oldest is handled at once. */
const MAX_HELD_PACKETS = 256;

/** Nonce counters are u32 and wrap (docs/protocol/voice.md §3.4): `a` is after `b` within half the space. */
function isAfter(a: number, b: number): boolean {
  const distance = (a - b) >>> 0;
  return distance !== 0 && distance < 2 ** 31;
}

/**
 * The end-to-end layer of a received frame (docs/protocol/voice.md §4.7): every fake member present in the
 * call decrypts it with its own davey session; `opus` is the first member's result (the payload itself when
 * it carries no DAVE marker, an empty buffer when no member could decrypt it).
 */
function openEndToEnd(state: VoiceServerState, session: VoiceSession, payload: Buffer, seq: number): Buffer {
  let opus: Buffer | null | undefined;
  const frame = { userId: session.userId, sessionId: session.id, seq, channelId: session.channelId, payload };
  for (const peer of state.peersInCall(session.guildId, session.channelId)) {
    if (peer.userId === session.userId) continue;
    peer.hear(frame);
    opus ??= peer.decryptedLog[peer.decryptedLog.length - 1]!.opus;
  }
  if (opus === undefined) return payload;
  return opus ?? Buffer.alloc(0);
}

/**
 * One Opus RTP packet from a client (docs/protocol/voice.md §3.2–§3.4): routed by SSRC (unknown → counted
 * and dropped); none before Session Description; held until the client's first non-zero Speaking, which
 * must precede it (§2.3 step 5); then decrypted, checked for a strictly increasing nonce, and recorded.
 */
export function handleRtp(state: VoiceServerState, packet: Buffer, at: number): void {
  const header = parseRtpHeader(packet);
  if (header === null) return;
  const session = state.bySsrc.get(header.ssrc);
  if (session === undefined) {
    state.count('unknownSsrcPackets');
    state.violation('unknown-ssrc', null, header.ssrc, `RTP with SSRC ${header.ssrc}, which no session has`);
    return;
  }
  if (session.mode === null) {
    state.violation('rtp-before-session-description', session, header.ssrc, 'RTP before Select Protocol');
    return;
  }
  if (!session.hasSpoken) return holdForSpeaking(state, session, packet, at);
  acceptRtp(state, session, packet, header, at);
}

/**
 * A client sends Speaking over TCP and audio over UDP, which may arrive in either order even on loopback:
 * RTP waits `speakingGraceMs` for the Speaking before it counts as a violation.
 */
function holdForSpeaking(state: VoiceServerState, session: VoiceSession, packet: Buffer, at: number): void {
  if (session.speakingGraceSpent || state.options.speakingGraceMs === 0) {
    return handleEarlyPacket(state, session, packet, at);
  }
  session.held.push({ packet, at });
  if (session.held.length > MAX_HELD_PACKETS) {
    const oldest = session.held.shift()!;
    handleEarlyPacket(state, session, oldest.packet, oldest.at);
  }
  if (session.holdTimer !== null) return;
  session.holdTimer = setTimeout(() => {
    session.holdTimer = null;
    session.speakingGraceSpent = true;
    for (const held of session.held.splice(0)) handleEarlyPacket(state, session, held.packet, held.at);
  }, state.options.speakingGraceMs);
  session.holdTimer.unref();
}

/** RTP with no Speaking before it: a violation; dropped, or with `rtpBeforeSpeaking: 'accept'` decrypted anyway. */
function handleEarlyPacket(state: VoiceServerState, session: VoiceSession, packet: Buffer, at: number): void {
  state.count('rtpBeforeSpeaking');
  state.violation(
    'rtp-before-speaking',
    session,
    session.ssrc,
    'RTP arrived before any non-zero Speaking (op 5)',
  );
  const header = parseRtpHeader(packet);
  if (state.options.rtpBeforeSpeaking === 'accept' && header !== null)
    acceptRtp(state, session, packet, header, at);
}

/** The Speaking arrived: RTP held for it is handled now, in arrival order. */
export function releaseHeldPackets(state: VoiceServerState, session: VoiceSession): void {
  if (session.holdTimer !== null) clearTimeout(session.holdTimer);
  session.holdTimer = null;
  for (const held of session.held.splice(0)) {
    const header = parseRtpHeader(held.packet);
    if (header !== null) acceptRtp(state, session, held.packet, header, held.at);
  }
}

function acceptRtp(
  state: VoiceServerState,
  session: VoiceSession,
  packet: Buffer,
  header: RtpHeader,
  at: number,
): void {
  const opened = openRtpPacket(session.mode!, session.key, packet, header.headerLength);
  if (opened === null) {
    session.decryptFailures += 1;
    state.count('decryptFailures');
    state.violation(
      'decrypt-failure',
      session,
      header.ssrc,
      `RTP seq ${header.sequence} did not authenticate`,
    );
    return;
  }
  // A repeated or older nonce is a replay (or a counter reset across a resume): dropped.
  if (session.highestNonce !== null && !isAfter(opened.counter, session.highestNonce)) {
    state.count('nonceViolations');
    state.violation(
      'nonce-not-increasing',
      session,
      header.ssrc,
      `nonce ${opened.counter} after ${session.highestNonce}`,
    );
    return;
  }
  session.highestNonce = opened.counter;
  // The extension body is inside the ciphertext; padding (P=1) ends with its own length (§3.4).
  let payload = opened.plaintext.subarray(Math.min(header.extensionBodyLength, opened.plaintext.length));
  if (header.padding && payload.length > 0) {
    const pad = payload[payload.length - 1]!;
    if (pad <= payload.length) payload = payload.subarray(0, payload.length - pad);
  }
  const frame: FakeVoiceFrame = {
    sessionId: session.id,
    guildId: session.guildId,
    channelId: session.channelId,
    userId: session.userId,
    ssrc: header.ssrc,
    seq: header.sequence,
    timestamp: header.timestamp,
    nonce: opened.counter,
    payload,
    opus: openEndToEnd(state, session, payload, header.sequence),
    arrivedAt: at,
  };
  state.count('framesReceived');
  if (state.options.record) {
    session.frameLog.push(frame);
    state.frames.push(frame);
  }
  state.emit('audio', frame);
}
