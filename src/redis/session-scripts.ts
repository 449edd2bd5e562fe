import { LuaScript } from './client.js';

/**
 * Lua scripts of `RedisSessionStore`. A session is a hash: `sessionId`, `sequence` ('' = none yet),
 * `resumeUrl` ('' = none), `shardCount` ('' = unknown), `compress` (the saving connection's transport
 * compression, '' = not told; absent in entries written before it existed), `since` (server ms when
 * this session was first stored) and `updatedAt` (server ms of the last write). @internal
 */

/**
 * Writes a batch: every shard a flush holds, in one call (one round trip per process per flush).
 *
 * KEYS: one session key per entry. ARGV: 1 TTL (ms), then 7 per key: op (`set` | `del`), sessionId,
 * sequence, resumeUrl, shardCount, compress, since ('' when this process has not stored this session
 * before).
 *
 * A `set` of the stored session only raises `sequence` (never lowers it: a Resume from a later `seq`
 * than was received is refused, docs/protocol/gateway.md §7) and refreshes the other fields and the
 * TTL. A `set` of another session replaces the stored one unless the stored one is newer (its `since`
 * is the writer's or later: first stored in the same millisecond counts as newer, the safe side). An entry that is not such a hash is left alone: `corrupt`.
 * Returns per key `{ status, since }`, status `ok` | `stale` | `corrupt`.
 */
export const writeScript = new LuaScript(`local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local a = (i - 1) * 7 + 1
  local op, id, seq, url, count, comp, since = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4],
    ARGV[a + 5], ARGV[a + 6], ARGV[a + 7]
  local status, kept = 'ok', ''
  if op == 'del' then
    redis.call('DEL', key)
  else
    local kind = redis.call('TYPE', key)['ok']
    local cur = { false, false, false }
    if kind == 'hash' then cur = redis.call('HMGET', key, 'sessionId', 'sequence', 'since') end
    local curSeq, curSince = cur[2], tonumber(cur[3])
    if kind ~= 'none' and (kind ~= 'hash' or not cur[1] or not curSince or not curSeq
        or (curSeq ~= '' and not tonumber(curSeq))) then
      status = 'corrupt'
    elseif kind == 'hash' and cur[1] == id then
      if curSeq ~= '' and (seq == '' or tonumber(seq) < tonumber(curSeq)) then seq = curSeq end
      redis.call('HSET', key, 'sequence', seq, 'resumeUrl', url, 'shardCount', count, 'compress', comp,
        'updatedAt', now)
      redis.call('PEXPIRE', key, ttl)
      kept = cur[3]
    elseif kind == 'hash' and since ~= '' and curSince >= tonumber(since) then
      status = 'stale'
    else
      if since == '' then since = tostring(now) end
      redis.call('DEL', key)
      redis.call('HSET', key, 'sessionId', id, 'sequence', seq, 'resumeUrl', url, 'shardCount', count,
        'compress', comp, 'since', since, 'updatedAt', now)
      redis.call('PEXPIRE', key, ttl)
      kept = since
    end
  end
  out[i] = { status, kept }
end
return out
`);

/**
 * Reads a batch of sessions in one call (a manager loads all its shards' sessions at start together).
 * KEYS: the keys. Returns per key `{ type, fields… }` (the field/value pairs when it is a hash).
 */
export const readScript = new LuaScript(`local out = {}
for i, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'hash' then
    local entry = redis.call('HGETALL', key)
    table.insert(entry, 1, kind)
    out[i] = entry
  else
    out[i] = { kind }
  end
end
return out
`);
