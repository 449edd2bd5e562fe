import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import type { VoiceEvent } from '../../machines/index.js';
import { VoiceFrameError } from '../errors.js';
import type { VoiceConnectionDeps } from './voice-deps.js';

/** The longest heartbeat interval a Node timer honours; a HELLO outside [1, this] is refused. */
const MAX_INTERVAL_MS = 2_147_483_647;

type Record_ = Record<string, unknown>;

function isRecord(value: unknown): value is Record_ {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isU32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff;
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 0xffff;
}

/**
 * Routes one voice WebSocket frame (docs/protocol/voice.md §2.1–§2.2). JSON frames become machine
 * events (or media facts: SSRCs, clients); binary frames (DAVE, `[seq u16][op u8][payload]`) go to
 * the DAVE hooks. Every `seq` is kept for `seq_ack`. Unknown opcodes are ignored: the server sends
 * undocumented ones. Throws `VoiceFrameError` for a frame that is not what the protocol promises.
 */
export function routeVoiceFrame(
  data: Buffer,
  isBinary: boolean,
  deps: VoiceConnectionDeps,
  sendBack: (event: VoiceEvent) => void,
): void {
  if (isBinary) {
    if (data.length < 3) throw new VoiceFrameError(`a binary voice frame of ${data.length} bytes`);
    deps.sequence.value = data.readUInt16BE(0);
    deps.dave?.binary(data[2]!, data.subarray(3), sendBack);
    return;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(data.toString('utf8'));
  } catch (error) {
    throw new VoiceFrameError('a voice frame is not valid JSON', error);
  }
  if (!isRecord(payload) || typeof payload['op'] !== 'number') {
    throw new VoiceFrameError('a voice frame without a numeric op');
  }
  if (typeof payload['seq'] === 'number' && Number.isInteger(payload['seq']))
    deps.sequence.value = payload['seq'];
  routeOp(payload['op'], payload['d'], deps, sendBack);
}

function routeOp(
  op: VoiceOpcodes,
  d: unknown,
  deps: VoiceConnectionDeps,
  sendBack: (event: VoiceEvent) => void,
): void {
  switch (op) {
    case VoiceOpcodes.Hello: {
      const interval = isRecord(d) ? d['heartbeat_interval'] : undefined;
      if (typeof interval !== 'number' || !(interval >= 1 && interval <= MAX_INTERVAL_MS)) {
        throw new VoiceFrameError('HELLO without a heartbeat_interval a timer can wait');
      }
      sendBack({ type: 'voice.hello', heartbeatIntervalMs: interval });
      return;
    }
    case VoiceOpcodes.Ready: {
      if (!isRecord(d) || !isU32(d['ssrc']) || typeof d['ip'] !== 'string' || !isPort(d['port'])) {
        throw new VoiceFrameError('READY without ssrc, ip and port');
      }
      const modes = Array.isArray(d['modes']) ? d['modes'].filter((mode) => typeof mode === 'string') : [];
      const modeSupported = deps.media.ready({ ssrc: d['ssrc'], ip: d['ip'], port: d['port'], modes });
      sendBack({ type: 'voice.ready', ssrc: d['ssrc'], modeSupported });
      return;
    }
    case VoiceOpcodes.SessionDescription: {
      const key = isRecord(d) ? d['secret_key'] : undefined;
      if (
        !isRecord(d) ||
        typeof d['mode'] !== 'string' ||
        !Array.isArray(key) ||
        key.length !== 32 ||
        !key.every((byte) => Number.isInteger(byte) && byte >= 0 && byte <= 255)
      ) {
        throw new VoiceFrameError('SESSION_DESCRIPTION without a mode and a 32-byte secret_key');
      }
      const version = typeof d['dave_protocol_version'] === 'number' ? d['dave_protocol_version'] : 0;
      deps.media.describe(d['mode'], Uint8Array.from(key as number[]));
      sendBack({ type: 'voice.sessionDescription', daveProtocolVersion: version });
      return;
    }
    case VoiceOpcodes.HeartbeatAck: {
      const sentAt = isRecord(d) ? d['t'] : d;
      if (typeof sentAt === 'number')
        deps.observe({ type: 'heartbeat.acked', latencyMs: deps.now() - sentAt });
      sendBack({ type: 'voice.heartbeatAck' });
      return;
    }
    case VoiceOpcodes.Resumed:
      sendBack({ type: 'voice.resumed' });
      return;
    case VoiceOpcodes.Speaking: {
      if (!isRecord(d) || typeof d['user_id'] !== 'string' || !isU32(d['ssrc'])) {
        throw new VoiceFrameError('SPEAKING without user_id and ssrc');
      }
      deps.media.mapSsrc(d['ssrc'], d['user_id']);
      return;
    }
    case VoiceOpcodes.ClientsConnect: {
      const ids = isRecord(d) ? d['user_ids'] : undefined;
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
        throw new VoiceFrameError('CLIENTS_CONNECT without user_ids');
      }
      deps.observe({ type: 'clients.connected', userIds: ids });
      return;
    }
    case VoiceOpcodes.ClientDisconnect: {
      const id = isRecord(d) ? d['user_id'] : undefined;
      if (typeof id !== 'string') throw new VoiceFrameError('CLIENT_DISCONNECT without user_id');
      deps.media.forgetUser(id);
      deps.observe({ type: 'clients.disconnected', userId: id });
      return;
    }
    case VoiceOpcodes.DavePrepareTransition:
    case VoiceOpcodes.DaveExecuteTransition:
    case VoiceOpcodes.DavePrepareEpoch:
      deps.dave?.json(op, d, sendBack);
      return;
    default:
      // Undocumented ops (video, session updates, client flags…) and future ones (§2.1).
      return;
  }
}
