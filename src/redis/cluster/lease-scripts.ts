import { LuaScript } from '../client.js';

/**
 * Lua scripts of `ShardCluster`'s dynamic mode. Keys, under the bot's hash-tagged prefix `{p}`:
 *
 * - `{p}:lease:<shardId>`: a string `<memberId>|<fence>` with a TTL (`PX leaseMs`, on the Redis
 *   server's clock): the shard's owner. `fence` is the shard's fencing token, raised by every claim.
 * - `{p}:fences`: a hash shardId → last fencing token handed out (never expires).
 * - `{p}:members`: a sorted set memberId → server ms of its last tick (the live processes).
 * - `{p}:epoch`: a random string set once; when it is missing Redis lost its data (a restart without
 *   persistence), which every process must learn about: it waits before claiming (see `ShardCluster`).
 *
 * Lease keys are built inside the scripts from a prefix passed as an argument. They share the hash
 * tag of the declared keys, so on Redis Cluster they live in the same slot. @internal
 */

/**
 * One tick of a process: heartbeats the member, renews the leases it holds, and takes a census.
 *
 * KEYS: 1 members, 2 epoch. ARGV: 1 memberId, 2 leaseMs, 3 member TTL (ms), 4 lease key prefix,
 * 5 shard count, 6 epoch to set when missing, then pairs (shardId, fence) of the leases held.
 *
 * Per held lease: still ours → `PEXPIRE` (`ok`); missing (expired, or Redis lost it) → set again
 * with the same fence (`ok`: nobody can hold it); another value → `taken`.
 * Returns `{ epoch, members (sorted, live), statuses (per held pair), unowned shard ids }`.
 */
export const tickScript = new LuaScript(`local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local member, lease, memberTtl, prefix, count = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[6]
  redis.call('SET', KEYS[2], epoch)
end
redis.call('ZADD', KEYS[1], now, member)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - memberTtl)
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(members)
local statuses = {}
for i = 7, #ARGV, 2 do
  local key = prefix .. ARGV[i]
  local mine = member .. '|' .. ARGV[i + 1]
  local cur = redis.call('GET', key)
  if cur == mine then
    redis.call('PEXPIRE', key, lease)
    table.insert(statuses, 'ok')
  elseif not cur then
    redis.call('SET', key, mine, 'PX', lease)
    table.insert(statuses, 'ok')
  else
    table.insert(statuses, 'taken')
  end
end
local unowned = {}
for id = 0, count - 1 do
  if redis.call('EXISTS', prefix .. id) == 0 then table.insert(unowned, id) end
end
return { epoch, members, statuses, unowned }
`);

/**
 * Claims shards that nobody holds. KEYS: 1 fences. ARGV: 1 memberId, 2 leaseMs, 3 lease key prefix,
 * then shard ids. Returns pairs (shardId, fence) of the shards claimed.
 */
export const claimScript = new LuaScript(`local member, lease, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local out = {}
for i = 4, #ARGV do
  local key = prefix .. ARGV[i]
  if redis.call('EXISTS', key) == 0 then
    local fence = redis.call('HINCRBY', KEYS[1], ARGV[i], 1)
    redis.call('SET', key, member .. '|' .. fence, 'PX', lease)
    table.insert(out, tonumber(ARGV[i]))
    table.insert(out, fence)
  end
end
return out
`);

/**
 * Releases leases this member holds (a graceful hand-over), and optionally leaves the member set.
 * KEYS: 1 members. ARGV: 1 memberId, 2 lease key prefix, 3 `leave` or '', then pairs (shardId, fence).
 * A lease that is no longer ours is left alone. Returns how many were released.
 */
export const releaseScript = new LuaScript(`local member, prefix = ARGV[1], ARGV[2]
local released = 0
for i = 4, #ARGV, 2 do
  local key = prefix .. ARGV[i]
  if redis.call('GET', key) == member .. '|' .. ARGV[i + 1] then
    redis.call('DEL', key)
    released = released + 1
  end
end
if ARGV[3] == 'leave' then redis.call('ZREM', KEYS[1], member) end
return released
`);
