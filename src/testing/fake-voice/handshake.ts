import { VoiceCloseCodes, VoiceOpcodes } from 'discord-api-types/voice/v8';
import type { VoiceConnection } from './connection.js';
import { parseIdentify, parseResume } from './inbound.js';
import { serializeVoiceFrame } from './payloads.js';
import type { VoiceIdentifyAttempt, VoiceResumeAttempt } from './records.js';
import type { VoiceServerState } from './voice-state.js';

/**
 * op 0 (docs/protocol/voice.md §1.2, §2.3, §2.5), checked in this order: shape (4002); the grant the gateway
 * issued — a revoked token (4006), no live grant for `server_id` (4011), a token that does not authenticate
 * this user and voice session (4004); then DAVE: a non-stage call needs `max_dave_protocol_version ≥ 1`
 * (4017). Accepted: a session starts, Ready (op 2) goes out, then Clients Connect (op 11) with the
 * members already in the call, and the call learns of the newcomer (with `holdReady`, all of that when
 * `connection.releaseReady()` says so).
 */
export function handleVoiceIdentify(state: VoiceServerState, conn: VoiceConnection, d: unknown): void {
  const identify = parseIdentify(d);
  const report = (outcome: VoiceIdentifyAttempt['outcome'], closeCode: number | null): void =>
    state.emit('identify', {
      connectionId: conn.id,
      serverId: identify?.serverId ?? null,
      userId: identify?.userId ?? null,
      sessionId: identify?.sessionId ?? null,
      maxDaveProtocolVersion: identify?.maxDaveProtocolVersion ?? null,
      outcome,
      closeCode,
      at: Date.now(),
    });
  const reject = (code: number): void => {
    conn.closeWith(code);
    report('closed', code);
  };

  if (identify === null) return reject(VoiceCloseCodes.FailedToDecode);
  const check = state.grants.check(identify.serverId, identify.userId, identify.sessionId, identify.token);
  if (!check.ok) return reject(check.closeCode);
  const { grant } = check;
  // 4017 is sent since 2026-03-02 to clients without DAVE, except in stage channels (docs/protocol/voice.md §2.5, §4.1).
  if (grant.channelKind !== 'stage' && identify.maxDaveProtocolVersion === 0) {
    return reject(VoiceCloseCodes.EndToEndEncryptionDAVEProtocolRequired);
  }

  // Accepted: a second Identify on this socket is 4005 from now on, even while Ready is held.
  conn.markAuthenticated();
  const held = state.options.holdReady;
  if (held) report('ready', null);
  conn.answerOrHold('ready', (modes) => {
    const session = state.startSession(grant, identify.maxDaveProtocolVersion);
    session.offeredModes = modes ?? state.options.modes;
    conn.bindSession(session);
    state.count('identifies');
    if (!held) report('ready', null);
    // Real Ready frames also carry `streams` and `experiments`; clients must tolerate unknown fields.
    session.sendSequenced(VoiceOpcodes.Ready, {
      ssrc: session.ssrc,
      ip: '127.0.0.1',
      port: state.udp?.port ?? 0,
      modes: session.offeredModes,
      experiments: [],
      streams: [],
    });
    const others = state.othersInCall(session);
    if (others.length > 0) session.sendSequenced(VoiceOpcodes.ClientsConnect, { user_ids: others });
    state.announceArrival(session);
    state.emit('ready', {
      connectionId: conn.id,
      sessionId: session.id,
      guildId: session.guildId,
      channelId: session.channelId,
      userId: session.userId,
      ssrc: session.ssrc,
    });
  });
}

/**
 * op 7 (docs/protocol/voice.md §2.4): a token never issued → 4004; a session that is unknown, ended or
 * revoked, a `seq_ack` never sent, or a replay buffer that no longer holds every missed message → 4006.
 * Otherwise Resumed (op 9), then every buffered message after `seq_ack`, in order (with `holdResumed`,
 * when `connection.releaseResumed()` says so, checked again then). SSRC, key, UDP association and nonce
 * state are the session's and carry over.
 */
export function handleVoiceResume(state: VoiceServerState, conn: VoiceConnection, d: unknown): void {
  const resume = parseResume(d);
  const report = (outcome: VoiceResumeAttempt['outcome'], closeCode: number | null, replayed = 0): void =>
    state.emit('resume', {
      connectionId: conn.id,
      sessionId: resume?.sessionId ?? null,
      seqAck: resume?.seqAck ?? null,
      outcome,
      closeCode,
      replayed,
      at: Date.now(),
    });
  const reject = (code: number): void => {
    conn.closeWith(code);
    report('closed', code);
  };

  if (resume === null) return reject(VoiceCloseCodes.BadRequest);
  const grant = state.grants.get(resume.token);
  if (grant === undefined) return reject(VoiceCloseCodes.AuthenticationFailed);
  const session = state.sessions.get(resume.token);
  if (
    grant.revoked ||
    grant.guildId !== resume.serverId ||
    grant.sessionId !== resume.sessionId ||
    session === undefined
  ) {
    return reject(VoiceCloseCodes.SessionNoLongerValid);
  }
  if (session.buffer.after(resume.seqAck ?? -1) === null) return reject(VoiceCloseCodes.SessionNoLongerValid);

  // Accepted: a second Identify or Resume on this socket is 4005 from now on, even while Resumed is held.
  conn.markAuthenticated();
  conn.answerOrHold('resumed', () => {
    // While held, the session may have ended (revoked, expired, resumed elsewhere and closed).
    const missed = session.buffer.after(resume.seqAck ?? -1);
    if (state.sessions.get(resume.token) !== session || grant.revoked || missed === null) {
      return reject(VoiceCloseCodes.SessionNoLongerValid);
    }
    conn.bindSession(session);
    state.count('resumes');
    conn.deliver(serializeVoiceFrame(VoiceOpcodes.Resumed, null));
    for (const entry of missed) conn.deliver(entry.data);
    report('resumed', null, missed.length);
  });
}
