import type { StreamDispatch } from './stream-dispatch.js';
import { StreamEntryError } from './stream-errors.js';

/** One stream entry as Redis returns it: its id and its flat field list (null when it was trimmed). @internal */
export interface RawEntry {
  readonly id: string;
  readonly fields: readonly unknown[] | null;
}

/**
 * The entries of an `XREADGROUP` reply for one stream: RESP2 `[[stream, entries]]` (node-redis's and
 * ioredis's default), or RESP3's map (a `Map` or a plain object); null (nothing new) gives none. @internal
 */
export function readReplyEntries(reply: unknown): RawEntry[] {
  if (reply === null || reply === undefined) return [];
  let streams: unknown[];
  if (Array.isArray(reply)) {
    streams = reply.map((pair: unknown): unknown => (Array.isArray(pair) ? (pair[1] as unknown) : undefined));
  } else if (reply instanceof Map) streams = [...reply.values()];
  else if (typeof reply === 'object') streams = Object.values(reply);
  else throw new TypeError('XREADGROUP answered neither an array nor a map');
  return streams.flatMap((entries) => entryList(entries));
}

/** The entries and deleted ids of an `XAUTOCLAIM` reply (`[next, entries, deleted]`, Redis ≥ 7). @internal */
export function autoclaimReply(reply: unknown): {
  readonly next: string;
  readonly entries: RawEntry[];
  readonly deleted: string[];
} {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string') {
    throw new TypeError('XAUTOCLAIM answered no [next, entries, deleted] array');
  }
  const deleted = Array.isArray(reply[2])
    ? reply[2].filter((id): id is string => typeof id === 'string')
    : [];
  return { next: reply[0], entries: entryList(reply[1]), deleted };
}

function entryList(entries: unknown): RawEntry[] {
  if (!Array.isArray(entries)) throw new TypeError('a stream reply holds no entry list');
  return entries.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') {
      throw new TypeError('a stream entry is not [id, fields]');
    }
    const fields: unknown = entry[1];
    return { id: entry[0], fields: Array.isArray(fields) ? fields : null };
  });
}

/** The dispatch an entry written by `RedisStreamSink` holds; throws `StreamEntryError` for another. @internal */
export function entryDispatch(entry: RawEntry): StreamDispatch {
  if (entry.fields === null)
    throw new StreamEntryError(entry.id, 'it was trimmed (MAXLEN) before it was read');
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < entry.fields.length; i += 2) {
    const key = entry.fields[i];
    const value = entry.fields[i + 1];
    if (typeof key === 'string' && typeof value === 'string') values.set(key, value);
  }
  const shardId = Number(values.get('shard'));
  const seq = Number(values.get('seq'));
  const sessionId = values.get('session');
  const t = values.get('t');
  const text = values.get('d');
  if (
    !Number.isSafeInteger(shardId) ||
    !Number.isSafeInteger(seq) ||
    !sessionId ||
    !t ||
    text === undefined
  ) {
    throw new StreamEntryError(entry.id, 'its fields are not shard, session, seq, t and d');
  }
  let d: unknown;
  try {
    d = JSON.parse(text);
  } catch {
    throw new StreamEntryError(entry.id, 'its d is not JSON');
  }
  return { id: entry.id, shardId, sessionId, seq, t, d } as StreamDispatch;
}
