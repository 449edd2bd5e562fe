import { randomBytes } from 'node:crypto';
import { VoiceCloseCodes, VoiceOpcodes } from 'discord-api-types/voice/v8';
import type { VoiceConnection } from './connection.js';
import { parseSelectProtocol, parseSpeaking } from './inbound.js';
import { releaseHeldPackets } from './media-receiver.js';
import type { VoiceSession } from './session.js';
import type { VoiceServerState } from './voice-state.js';

/**
 * The `dave_protocol_version` of Session Description. Only version 1 exists (docs/protocol/voice.md §4.1) and
 * every fake member speaks it, so a client offering `max_dave_protocol_version ≥ 1` gets 1 and one offering
 * 0 (allowed only in stage calls, 4017 elsewhere) gets transport encryption only.
 */
function negotiateDaveProtocolVersion(session: VoiceSession): number {
  return session.maxDaveProtocolVersion >= 1 ? 1 : 0;
}

/**
 * op 1 (docs/protocol/voice.md §2.3 step 3–4): a malformed payload → 4020; a protocol other than `udp` →
 * 4012; a mode not offered in Ready → 4016 (the discontinued modes included). Accepted: Session
 * Description (op 4) with the mode, the session's 32-byte key and the DAVE version (with
 * `holdSessionDescription`, when `connection.releaseSessionDescription()` says so). The address and port
 * are where the server sends audio from then on.
 */
export function handleSelectProtocol(state: VoiceServerState, conn: VoiceConnection, d: unknown): void {
  const parsed = parseSelectProtocol(d);
  if (parsed.kind === 'malformed') return conn.closeWith(VoiceCloseCodes.BadRequest);
  if (parsed.kind === 'unknown-protocol') return conn.closeWith(VoiceCloseCodes.UnknownProtocol);
  const session = conn.attachedSession;
  const offered =
    session === null || session.offeredModes.length === 0 ? state.options.modes : session.offeredModes;
  if (!offered.includes(parsed.mode)) {
    return conn.closeWith(VoiceCloseCodes.UnknownEncryptionMode);
  }
  if (session === null) return;
  conn.answerOrHold('sessionDescription', () => {
    // The key is in use from here on: RTP before this point is RTP before Session Description.
    session.mode = parsed.mode;
    session.clientAddress = { address: parsed.address, port: parsed.port };
    session.daveProtocolVersion = negotiateDaveProtocolVersion(session);
    // Ordering control: op 25 may arrive before op 4 (docs/protocol/voice.md §4.4); clients must keep it.
    const senderFirst = session.daveProtocolVersion > 0 && state.dave.externalSenderFirst;
    if (senderFirst) state.dave.sessionDescribed(session);
    // Real Session Descriptions carry more fields than the docs list; clients must tolerate them.
    session.sendSequenced(VoiceOpcodes.SessionDescription, {
      audio_codec: 'opus',
      video_codec: 'H264',
      media_session_id: randomBytes(16).toString('hex'),
      mode: parsed.mode,
      secret_key: [...session.key],
      dave_protocol_version: session.daveProtocolVersion,
    });
    // The external sender (op 25) follows Session Description; the client answers with its key package.
    if (session.daveProtocolVersion > 0 && !senderFirst) state.dave.sessionDescribed(session);
  });
  state.emit('selectProtocol', {
    connectionId: conn.id,
    sessionId: session.id,
    address: parsed.address,
    port: parsed.port,
    mode: parsed.mode,
    discovered: session.discoveredAddress,
    at: Date.now(),
  });
}

/**
 * op 5 from the client (docs/protocol/voice.md §2.2, §2.3 step 5): malformed → 4020. An SSRC other than the
 * session's is recorded as a violation and otherwise ignored ("disconnected with an invalid SSRC" names no
 * code). A non-zero flag allows RTP from then on and releases RTP that arrived just before it; the rest
 * of the call gets op 5 `{user_id, ssrc, speaking}` mapping the SSRC to the user.
 */
export function handleSpeaking(state: VoiceServerState, conn: VoiceConnection, d: unknown): void {
  const parsed = parseSpeaking(d);
  if (parsed === null) return conn.closeWith(VoiceCloseCodes.BadRequest);
  const session = conn.attachedSession;
  if (session === null) return;
  if (parsed.ssrc !== session.ssrc) {
    state.violation(
      'speaking-ssrc-mismatch',
      session,
      parsed.ssrc,
      `Speaking carried SSRC ${parsed.ssrc}, the session's is ${session.ssrc}`,
    );
    return;
  }
  session.speaking = parsed.speaking;
  state.emit('speaking', {
    connectionId: conn.id,
    sessionId: session.id,
    speaking: parsed.speaking,
    delay: parsed.delay,
    ssrc: parsed.ssrc,
    at: Date.now(),
  });
  for (const other of state.sessionsInCall(session.guildId, session.channelId)) {
    if (other.userId === session.userId) continue;
    other.sendSequenced(VoiceOpcodes.Speaking, {
      user_id: session.userId,
      ssrc: session.ssrc,
      speaking: parsed.speaking,
    });
  }
  if (parsed.speaking !== 0) {
    session.hasSpoken = true;
    releaseHeldPackets(state, session);
  }
}
