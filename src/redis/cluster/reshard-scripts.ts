import { LuaScript } from '../client.js';

/**
 * Lua scripts of `ShardCluster.reshard()` (docs/protocol/resharding.md §4). Keys, under the bot's
 * hash-tagged prefix `{p}`:
 *
 * - `{p}:reshard`: a hash, the reshard under way (one at a time), with a TTL the coordinator refreshes
 *   (`PX`): `id`, `from`, `to`, `phase` (`start`, `commit` or `abort`), `owners` (the lease value
 *   `<member>|<fence>` of every old shard when it was announced, comma-separated), `loaded:<j>` per
 *   new shard reported loaded, `failed` (why a member gave up), `fence:<j>` (the lease fence a commit
 *   set for new shard `j`), `reason` (why it was aborted), `window` and `guilds` (the coordinator's `dedupeWindowMs` and
 *   `guildsTimeoutMs`).
 * - `{p}:count`: the bot's shard count once a reshard committed (read by every process at `start()`).
 *
 * Lease keys are built from a prefix passed as an argument, as in `lease-scripts.ts`. @internal
 */

/**
 * Announces a reshard. KEYS: 1 reshard. ARGV: 1 id, 2 from, 3 to, 4 ttl ms, 5 lease key prefix,
 * 6 dedupeWindowMs, 7 guildsTimeoutMs (the members use the coordinator's windows).
 * Returns `{ 'ok', owners... }`, `{ 'busy' }` (another reshard runs) or `{ 'unowned', shardId }`.
 */
export const announceScript = new LuaScript(`if redis.call('EXISTS', KEYS[1]) == 1 then return { 'busy' } end
local from, prefix = tonumber(ARGV[2]), ARGV[5]
local owners = {}
for i = 0, from - 1 do
  local owner = redis.call('GET', prefix .. i)
  if not owner then return { 'unowned', tostring(i) } end
  owners[i + 1] = owner
end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'from', ARGV[2], 'to', ARGV[3], 'phase', 'start',
  'owners', table.concat(owners, ','), 'window', ARGV[6], 'guilds', ARGV[7])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
local out = { 'ok' }
for i = 1, #owners do out[#out + 1] = owners[i] end
return out
`);

/** The reshard record as a flat field/value list (empty when there is none). KEYS: 1 reshard. */
export const readScript = new LuaScript(`return redis.call('HGETALL', KEYS[1])`);

/**
 * A member reports new shards loaded, or that it gives up. KEYS: 1 reshard. ARGV: 1 id, 2 `loaded` or
 * `failed`, then shard ids (loaded) or the reason (failed). Only while the record is that reshard's and
 * in `start`. Returns 1 when written.
 */
export const reportScript = new LuaScript(`if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'phase') ~= 'start' then return 0 end
if ARGV[2] == 'failed' then
  redis.call('HSETNX', KEYS[1], 'failed', ARGV[3])
else
  for i = 3, #ARGV do redis.call('HSET', KEYS[1], 'loaded:' .. ARGV[i], '1') end
end
return 1
`);

/**
 * The coordinator's check while it waits: refreshes the record's TTL and returns
 * `{ loaded count, failed or '', first old shard whose lease changed owner or -1 }`, or `{ -1 }` when the
 * record is gone or not this reshard's. KEYS: 1 reshard. ARGV: 1 id, 2 ttl ms, 3 lease key prefix.
 */
export const checkScript =
  new LuaScript(`if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return { -1 } end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
local from, to = tonumber(redis.call('HGET', KEYS[1], 'from')), tonumber(redis.call('HGET', KEYS[1], 'to'))
local loaded = 0
for j = 0, to - 1 do
  if redis.call('HEXISTS', KEYS[1], 'loaded:' .. j) == 1 then loaded = loaded + 1 end
end
local moved = -1
local i = 0
for owner in string.gmatch(redis.call('HGET', KEYS[1], 'owners'), '[^,]+') do
  if moved < 0 and redis.call('GET', ARGV[3] .. i) ~= owner then moved = i end
  i = i + 1
end
return { loaded, redis.call('HGET', KEYS[1], 'failed') or '', moved }
`);

/**
 * Commits: when every new shard is loaded, nobody failed and every old lease is still the announced
 * one, sets the lease of each new shard `j >= from` to the owner of old shard `j % from` (fence from
 * `{p}:fences`, `PX leaseMs`), the new count, and the phase `commit` (kept for `ttl` ms). Otherwise
 * aborts, also when an owner's last tick (`{p}:members`, server clock) is older than `liveMs`: a process
 * that died must not be handed new leases it cannot run. KEYS: 1 reshard, 2 count, 3 fences,
 * 4 members. ARGV: 1 id, 2 lease key prefix, 3 leaseMs, 4 ttl ms, 5 liveMs.
 * Returns `{ 'commit', j, fence, ... }` or `{ 'abort', reason }`.
 */
export const commitScript =
  new LuaScript(`if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return { 'abort', 'the reshard record is gone' } end
if redis.call('HGET', KEYS[1], 'phase') ~= 'start' then return { 'abort', 'the reshard was aborted' } end
local prefix, lease, ttl = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local from, to = tonumber(redis.call('HGET', KEYS[1], 'from')), tonumber(redis.call('HGET', KEYS[1], 'to'))
local function abort(reason)
  redis.call('HSET', KEYS[1], 'phase', 'abort', 'reason', reason)
  redis.call('PEXPIRE', KEYS[1], ttl)
  return { 'abort', reason }
end
local failed = redis.call('HGET', KEYS[1], 'failed')
if failed then return abort(failed) end
local owners = {}
for owner in string.gmatch(redis.call('HGET', KEYS[1], 'owners'), '[^,]+') do owners[#owners + 1] = owner end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 0, from - 1 do
  if redis.call('GET', prefix .. i) ~= owners[i + 1] then return abort('old shard ' .. i .. ' changed owner') end
  local member = string.match(owners[i + 1], '^(.*)|[^|]*$')
  local beat = tonumber(redis.call('ZSCORE', KEYS[4], member))
  if not beat or beat < now - tonumber(ARGV[5]) then return abort('member ' .. member .. ' stopped ticking') end
end
for j = 0, to - 1 do
  if redis.call('HEXISTS', KEYS[1], 'loaded:' .. j) == 0 then return abort('new shard ' .. j .. ' is not loaded') end
end
local out = { 'commit' }
for j = from, to - 1 do
  local member = string.match(owners[(j % from) + 1], '^(.*)|[^|]*$')
  local fence = redis.call('HINCRBY', KEYS[3], tostring(j), 1)
  redis.call('SET', prefix .. j, member .. '|' .. fence, 'PX', lease)
  redis.call('HSET', KEYS[1], 'fence:' .. j, fence)
  out[#out + 1] = tostring(j)
  out[#out + 1] = tostring(fence)
end
redis.call('SET', KEYS[2], tostring(to))
redis.call('HSET', KEYS[1], 'phase', 'commit')
redis.call('PEXPIRE', KEYS[1], ttl)
return out
`);

/** Aborts the reshard `id` if it is still in `start`. KEYS: 1 reshard. ARGV: 1 id, 2 reason, 3 ttl ms. */
export const abortScript = new LuaScript(`if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'phase') ~= 'start' then return 0 end
redis.call('HSET', KEYS[1], 'phase', 'abort', 'reason', ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`);

/** `{p}:count`, or false. KEYS: 1 count. */
export const countScript = new LuaScript(`return redis.call('GET', KEYS[1])`);
