import { VoiceCloseCodes, VoiceOpcodes } from 'discord-api-types/voice/v8';
import type { RawData } from 'ws';
import { handleSelectProtocol, handleSpeaking } from './commands.js';
import type { VoiceConnection } from './connection.js';
import { handleVoiceIdentify, handleVoiceResume } from './handshake.js';
import { decodeVoiceFrame, parseHeartbeat, rawDataToBuffer } from './inbound.js';
import { DAVE_CLIENT_BINARY_OPS, DAVE_CLIENT_JSON_OPS, TOLERATED_CLIENT_OPS } from './payloads.js';
import type { VoiceServerState } from './voice-state.js';

/** ops 23 and 31 `{transition_id}` (docs/protocol/voice.md §4.4); a malformed one → 4020. */
function handleDaveJson(state: VoiceServerState, conn: VoiceConnection, op: number, d: unknown): void {
  if (
    op !== Number(VoiceOpcodes.DaveTransitionReady) &&
    op !== Number(VoiceOpcodes.DaveMlsInvalidCommitWelcome)
  )
    return;
  const id =
    typeof d === 'object' && d !== null ? (d as Record<string, unknown>)['transition_id'] : undefined;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffff) {
    return conn.closeWith(VoiceCloseCodes.BadRequest);
  }
  const session = conn.attachedSession;
  if (session === null) return;
  if (op === Number(VoiceOpcodes.DaveTransitionReady)) state.dave.transitionReady(session, id);
  else state.dave.invalidCommitWelcome(session, id);
}

/**
 * One message from a voice client, checked as docs/protocol/voice.md §2.2–§2.5 say: undecodable → 4002;
 * then recorded; heartbeats in any state; Identify/Resume once (4005 after); every other op only after
 * authentication (4003); ops a client may not send → 4001. Malformed payloads of known ops close with
 * 4020 "you sent a malformed request", except Identify, whose code is 4002 "invalid payload in your
 * identifying".
 */
export function handleVoiceClientFrame(
  state: VoiceServerState,
  conn: VoiceConnection,
  data: RawData,
  isBinary: boolean,
): void {
  if (!conn.open) return;
  const at = Date.now();
  const decoded = decodeVoiceFrame(rawDataToBuffer(data), isBinary);
  if (!decoded.ok) return conn.closeWith(VoiceCloseCodes.FailedToDecode);
  const { op, d, binary } = decoded;
  const frame = { connectionId: conn.id, sessionId: conn.sessionId, op, d, binary, at };
  if (state.options.record) state.received.push(frame);
  state.emit('frame', frame);

  if (binary !== null) {
    // Binary client messages exist only for DAVE (26 key package, 28 commit/welcome).
    if (!DAVE_CLIENT_BINARY_OPS.has(op)) return conn.closeWith(VoiceCloseCodes.UnknownOpcode);
    if (!conn.isAuthenticated) return conn.closeWith(VoiceCloseCodes.NotAuthenticated);
    const session = conn.attachedSession;
    if (session === null) return;
    if (op === Number(VoiceOpcodes.DaveMlsKeyPackage)) return state.dave.keyPackage(session, binary);
    return state.dave.commitWelcome(session, binary);
  }

  switch (op as VoiceOpcodes) {
    case VoiceOpcodes.Heartbeat: {
      const heartbeat = parseHeartbeat(d);
      if (heartbeat === null) return conn.closeWith(VoiceCloseCodes.BadRequest);
      const session = conn.attachedSession;
      const acked = conn.acknowledgeHeartbeat(heartbeat.t);
      const record = {
        connectionId: conn.id,
        sessionId: session?.id ?? null,
        t: heartbeat.t,
        seqAck: heartbeat.seqAck,
        lastSeqSent: session?.lastSeq ?? -1,
        acked,
        at,
      };
      if (state.options.record) state.heartbeats.push(record);
      state.emit('heartbeat', record);
      return;
    }
    case VoiceOpcodes.Identify:
      if (conn.isAuthenticated) return conn.closeWith(VoiceCloseCodes.AlreadyAuthenticated);
      return handleVoiceIdentify(state, conn, d);
    case VoiceOpcodes.Resume:
      if (conn.isAuthenticated) return conn.closeWith(VoiceCloseCodes.AlreadyAuthenticated);
      return handleVoiceResume(state, conn, d);
    case VoiceOpcodes.SelectProtocol:
      if (!conn.isAuthenticated) return conn.closeWith(VoiceCloseCodes.NotAuthenticated);
      return handleSelectProtocol(state, conn, d);
    case VoiceOpcodes.Speaking:
      if (!conn.isAuthenticated) return conn.closeWith(VoiceCloseCodes.NotAuthenticated);
      return handleSpeaking(state, conn, d);
    default:
      if (DAVE_CLIENT_JSON_OPS.has(op) || TOLERATED_CLIENT_OPS.has(op)) {
        // Undocumented client ops are accepted as Discord does.
        if (!conn.isAuthenticated) return conn.closeWith(VoiceCloseCodes.NotAuthenticated);
        return handleDaveJson(state, conn, op, d);
      }
      // Server-only ops (2, 4, 6, 8, 9, 11, 13, 21, 22, 24, 25, 27, 29, 30) and ops that do not exist.
      return conn.closeWith(VoiceCloseCodes.UnknownOpcode);
  }
}
