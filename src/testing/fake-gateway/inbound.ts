import type { GatewayOpcodes } from 'discord-api-types/v10';
import type { RawData } from 'ws';

/** A decoded client frame: a JSON object with an integer `op`. */
export interface InboundPayload {
  readonly op: GatewayOpcodes;
  readonly d: unknown;
}

export type DecodeResult =
  | { readonly ok: true; readonly payload: InboundPayload }
  /** 4002: not JSON / not an object; 4001: an object without an integer `op`. */
  | { readonly ok: false; readonly closeCode: 4001 | 4002 };

export function rawDataToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Clients send JSON text; a binary frame is read as UTF-8 JSON too (Discord accepts either frame type). */
export function decodeFrame(bytes: Buffer): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, closeCode: 4002 };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, closeCode: 4002 };
  const op = (value as Record<string, unknown>)['op'];
  if (typeof op !== 'number' || !Number.isInteger(op)) return { ok: false, closeCode: 4001 };
  return { ok: true, payload: { op, d: (value as Record<string, unknown>)['d'] } };
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,20}$/.test(value);
}

export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** op 1 `d`: the last sequence number, or null (a missing `d` is read as null). */
export function parseHeartbeat(d: unknown): { ok: true; seq: number | null } | { ok: false } {
  if (d === null || d === undefined) return { ok: true, seq: null };
  return isNonNegativeInteger(d) ? { ok: true, seq: d } : { ok: false };
}

/** op 3: all four keys are expected (docs/protocol/gateway.md §8.3). */
export function isPresenceUpdate(d: unknown): boolean {
  if (!isObject(d)) return false;
  const since = d['since'];
  return (
    (since === null || typeof since === 'number') &&
    Array.isArray(d['activities']) &&
    d['activities'].every(isObject) &&
    typeof d['status'] === 'string' &&
    ['online', 'dnd', 'idle', 'invisible', 'offline'].includes(d['status']) &&
    typeof d['afk'] === 'boolean'
  );
}

export interface VoiceStateRequest {
  readonly guild_id: string;
  readonly channel_id: string | null;
  readonly self_mute: boolean;
  readonly self_deaf: boolean;
}

/** op 4 `{ guild_id, channel_id | null, self_mute, self_deaf }`. */
export function parseVoiceStateUpdate(d: unknown): VoiceStateRequest | null {
  if (!isObject(d) || !isSnowflake(d['guild_id'])) return null;
  const channelId = d['channel_id'];
  if (channelId !== null && !isSnowflake(channelId)) return null;
  if (typeof d['self_mute'] !== 'boolean' || typeof d['self_deaf'] !== 'boolean') return null;
  return {
    guild_id: d['guild_id'],
    channel_id: channelId,
    self_mute: d['self_mute'],
    self_deaf: d['self_deaf'],
  };
}

export interface MemberRequest {
  readonly guildId: string;
  readonly query: string | null;
  readonly limit: number;
  readonly userIds: readonly string[] | null;
  readonly presences: boolean;
  /** Echoed only when a string of at most 32 bytes; an invalid nonce is dropped silently (docs). */
  readonly nonce: string | null;
}

/**
 * op 8. Exactly one of `query` (with `limit`) or `user_ids` (at most 100). Anything else is a bad
 * payload for the opcode → 4001 (Discord answers a missing `query` with "unknown opcode" too).
 */
export function parseRequestGuildMembers(d: unknown): MemberRequest | null {
  if (!isObject(d) || !isSnowflake(d['guild_id'])) return null;
  const hasQuery = d['query'] !== undefined;
  const hasUserIds = d['user_ids'] !== undefined;
  if (hasQuery === hasUserIds) return null;
  const presences = d['presences'] ?? false;
  if (typeof presences !== 'boolean') return null;
  const nonce = typeof d['nonce'] === 'string' && Buffer.byteLength(d['nonce']) <= 32 ? d['nonce'] : null;
  if (hasQuery) {
    if (typeof d['query'] !== 'string' || !isNonNegativeInteger(d['limit'])) return null;
    return { guildId: d['guild_id'], query: d['query'], limit: d['limit'], userIds: null, presences, nonce };
  }
  const raw = d['user_ids'];
  const userIds = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(userIds) || userIds.length > 100 || !userIds.every(isSnowflake)) return null;
  return { guildId: d['guild_id'], query: null, limit: 0, userIds, presences, nonce };
}

/** op 31 `{ guild_ids: snowflake[] }`. */
export function parseSoundboardRequest(d: unknown): string[] | null {
  if (!isObject(d) || !Array.isArray(d['guild_ids']) || !d['guild_ids'].every(isSnowflake)) return null;
  return d['guild_ids'];
}

/** op 43 `{ guild_id, fields: string[] }`. */
export function parseChannelInfoRequest(d: unknown): { guildId: string; fields: string[] } | null {
  if (!isObject(d) || !isSnowflake(d['guild_id'])) return null;
  const fields = d['fields'];
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string')) return null;
  return { guildId: d['guild_id'], fields };
}
