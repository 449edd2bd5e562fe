import type { RawData } from 'ws';
import { isSnowflake } from './options.js';

/** A decoded JSON object. */
export type JsonObject = Record<string, unknown>;

/** A plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isUint(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/** `ws` hands a message over as a Buffer, a list of them, or an ArrayBuffer: one Buffer. */
export function rawDataToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** A decoded client message: JSON `{op, d}`, or binary `[op u8][payload]` (docs/protocol/voice.md §2.1). */
export type VoiceDecodeResult =
  | { readonly ok: true; readonly op: number; readonly d: unknown; readonly binary: Buffer | null }
  | { readonly ok: false };

/** Text frames are JSON objects with an integer `op`; binary frames start with their opcode (clients send no seq). */
export function decodeVoiceFrame(bytes: Buffer, isBinary: boolean): VoiceDecodeResult {
  if (isBinary) {
    if (bytes.length < 1) return { ok: false };
    return { ok: true, op: bytes[0]!, d: null, binary: Buffer.from(bytes.subarray(1)) };
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false };
  }
  if (!isObject(value) || !isUint(value['op'], 255)) return { ok: false };
  return { ok: true, op: value['op'], d: value['d'], binary: null };
}

/** op 0 Identify (docs/protocol/voice.md §2.2). */
export interface VoiceIdentify {
  readonly serverId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly token: string;
  /** 0 when absent: "sending 0 or omitting it indicates no DAVE support". */
  readonly maxDaveProtocolVersion: number;
}

/** Null when the shape is wrong (4002). */
export function parseIdentify(d: unknown): VoiceIdentify | null {
  if (!isObject(d) || !isSnowflake(d['server_id']) || !isSnowflake(d['user_id'])) return null;
  const { session_id: sessionId, token } = d;
  if (typeof sessionId !== 'string' || sessionId.length === 0) return null;
  if (typeof token !== 'string' || token.length === 0) return null;
  const dave = d['max_dave_protocol_version'] ?? 0;
  if (!isUint(dave, 255)) return null;
  return { serverId: d['server_id'], userId: d['user_id'], sessionId, token, maxDaveProtocolVersion: dave };
}

/** op 7 Resume: `seq_ack` may be omitted or -1 when nothing sequenced was received (docs/protocol/voice.md §2.4). */
export interface VoiceResume {
  readonly serverId: string;
  readonly sessionId: string;
  readonly token: string;
  readonly seqAck: number | null;
}

/** Null when the shape is wrong (4020). */
export function parseResume(d: unknown): VoiceResume | null {
  if (!isObject(d) || !isSnowflake(d['server_id'])) return null;
  const { session_id: sessionId, token } = d;
  if (typeof sessionId !== 'string' || typeof token !== 'string') return null;
  const seqAck = d['seq_ack'];
  if (seqAck !== undefined && seqAck !== -1 && !isUint(seqAck, 65_535)) return null;
  return { serverId: d['server_id'], sessionId, token, seqAck: seqAck ?? null };
}

/**
 * v8 op 3 `{t, seq_ack?}`. The pre-v8 bare integer is malformed on a v8 socket: "since voice gateway
 * version 8, heartbeat messages must include seq_ack" (docs/protocol/voice.md §2.4).
 */
export function parseHeartbeat(d: unknown): { t: number; seqAck: number | null } | null {
  if (!isObject(d) || typeof d['t'] !== 'number' || !Number.isFinite(d['t'])) return null;
  const seqAck = d['seq_ack'];
  if (seqAck !== undefined && seqAck !== -1 && !isUint(seqAck, 65_535)) return null;
  return { t: d['t'], seqAck: seqAck ?? null };
}

/** op 1 Select Protocol, read in two steps: `protocol` (4012 if not udp), then `data`. */
export type SelectProtocolParse =
  | { readonly kind: 'malformed' }
  | { readonly kind: 'unknown-protocol'; readonly protocol: string }
  | { readonly kind: 'ok'; readonly address: string; readonly port: number; readonly mode: string };

/** Reads op 1 `d` as Discord checks it: `protocol` first, then `data`. */
export function parseSelectProtocol(d: unknown): SelectProtocolParse {
  if (!isObject(d) || typeof d['protocol'] !== 'string') return { kind: 'malformed' };
  if (d['protocol'] !== 'udp') return { kind: 'unknown-protocol', protocol: d['protocol'] };
  const data = d['data'];
  if (!isObject(data) || typeof data['address'] !== 'string' || typeof data['mode'] !== 'string') {
    return { kind: 'malformed' };
  }
  const port = data['port'];
  if (!isUint(port, 65_535) || port === 0) return { kind: 'malformed' };
  return { kind: 'ok', address: data['address'], port, mode: data['mode'] };
}

/** op 5 from a client: `{speaking: flags, delay, ssrc}` (docs/protocol/voice.md §2.2). */
export function parseSpeaking(d: unknown): { speaking: number; delay: number | null; ssrc: number } | null {
  if (!isObject(d) || !isUint(d['speaking'], 0xff) || !isUint(d['ssrc'], 2 ** 32 - 1)) return null;
  const delay = d['delay'];
  if (delay !== undefined && (typeof delay !== 'number' || !Number.isFinite(delay))) return null;
  return { speaking: d['speaking'], delay: delay ?? null, ssrc: d['ssrc'] };
}
