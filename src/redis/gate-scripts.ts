import { LuaScript } from './client.js';

/**
 * Lua scripts of `RedisIdentifyGate`. Each runs atomically on the server and reads the server's clock
 * (`TIME`): no client clock ever decides a window, so clock skew between hosts cannot bring two
 * identifies of a bucket too close. Only relative waits travel back to the clients. Redis ≥ 5 replicates
 * scripts by their effects, so `TIME` in a script that writes is allowed. Core commands only.
 * @internal
 */

/** Milliseconds of the server clock. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * One attempt of a waiter to take its bucket's next identify slot.
 *
 * KEYS: 1 queue (sorted set: ticket → arrival number), 2 leases (sorted set: ticket → expiry),
 * 3 bucket (hash: `until`, `shard`, `answered`), 4 budget (hash: `total`, `remaining`, `resetAt`,
 * `windowMs`), 5 arrival counter.
 * ARGV: 1 ticket, 2 shard id, 3 interval, 4 answer timeout, 5 lease, 6 poll, 7 window of the budget,
 * 8–10 the caller's last known budget (`total`, `remaining`, `resetAt`; empty when none), used only
 * when the budget key is missing (a Redis that lost its data).
 *
 * A grant within one bucket hold (max(interval, answer timeout), at most a quarter of the budget's
 * window) of the budget's reset is also counted
 * against the next window (`late`): its identify may arrive after the reset, where the gateway counts it.
 *
 * Returns `{ kind, waitMs, n, serverNow }`: `granted` (n = budget left, -1 without a budget), `wait`
 * (n = place in the queue, 0 = head) or `held` (the budget is used up; waitMs until its reset).
 */
export const acquireScript = new LuaScript(`${NOW}
local ticket, shard = ARGV[1], ARGV[2]
local interval, answerTimeout = tonumber(ARGV[3]), tonumber(ARGV[4])
local lease, poll = tonumber(ARGV[5]), tonumber(ARGV[6])
local renewEvery = math.max(poll, math.floor(lease / 3))
-- A waiter that stopped renewing (its process died) leaves the queue: it never blocks the bucket.
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, gone in ipairs(dead) do redis.call('ZREM', KEYS[1], gone) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ticket) then
  redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[5]), ticket)
end
redis.call('ZADD', KEYS[2], now + lease, ticket)
redis.call('PEXPIRE', KEYS[1], lease * 2)
redis.call('PEXPIRE', KEYS[2], lease * 2)
-- The daily session-start budget, shared by every process (docs/protocol/gateway.md §5).
local remaining, resetAt = -1, 0
if redis.call('EXISTS', KEYS[4]) == 0 and ARGV[8] ~= '' then
  redis.call('HSET', KEYS[4], 'total', ARGV[8], 'remaining', ARGV[9], 'resetAt', ARGV[10], 'windowMs', ARGV[7])
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  local b = redis.call('HMGET', KEYS[4], 'total', 'remaining', 'resetAt', 'windowMs')
  local total, window = tonumber(b[1]), tonumber(b[4])
  resetAt = tonumber(b[3])
  remaining = tonumber(b[2])
  if now >= resetAt then
    -- Identifies granted just before the reset may arrive after it, in the new window: they count there.
    remaining = math.max(0, total - (tonumber(redis.call('HGET', KEYS[4], 'late')) or 0))
    resetAt = resetAt + (math.floor((now - resetAt) / window) + 1) * window
    redis.call('HSET', KEYS[4], 'remaining', remaining, 'resetAt', resetAt, 'late', 0)
  end
  if remaining <= 0 then
    return { 'held', math.min(resetAt - now, renewEvery), resetAt - now, now }
  end
end
-- First come, first served within the bucket.
local rank = redis.call('ZRANK', KEYS[1], ticket)
local bucket = redis.call('HMGET', KEYS[3], 'until', 'answered')
local opensIn = math.max(0, (tonumber(bucket[1]) or 0) - now)
if bucket[2] == '0' then opensIn = math.min(opensIn, poll) end
if rank > 0 then
  local guess = opensIn + (rank - 1) * interval
  return { 'wait', math.min(renewEvery, math.max(poll, guess)), rank, now }
end
if opensIn > 0 then return { 'wait', math.min(renewEvery, opensIn), 0, now } end
redis.call('ZREM', KEYS[1], ticket)
redis.call('ZREM', KEYS[2], ticket)
-- Closed until the answer to this identify comes (then interval after it), at most answerTimeout.
local hold = math.max(interval, answerTimeout)
redis.call('HSET', KEYS[3], 'until', now + hold, 'shard', shard, 'answered', '0')
redis.call('PEXPIRE', KEYS[3], hold + interval)
if remaining >= 0 then
  remaining = redis.call('HINCRBY', KEYS[4], 'remaining', -1)
  local window = tonumber(redis.call('HGET', KEYS[4], 'windowMs'))
  if resetAt - now < math.min(hold, math.floor(window / 4)) then redis.call('HINCRBY', KEYS[4], 'late', 1) end
end
return { 'granted', 0, remaining, now }
`);

/**
 * The gateway answered the identify last granted in the bucket to this shard: the bucket's next slot
 * is one interval after now (docs/protocol/gateway.md §5: the spacing counts on arrival, and the answer
 * proves arrival). Only the first answer counts.
 * KEYS: 1 bucket. ARGV: 1 shard id, 2 interval.
 */
export const answeredScript = new LuaScript(`${NOW}
local b = redis.call('HMGET', KEYS[1], 'shard', 'answered')
if b[1] ~= ARGV[1] or b[2] ~= '0' then return 0 end
local interval = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'until', now + interval, 'answered', '1')
redis.call('PEXPIRE', KEYS[1], interval * 2)
return 1
`);

/** An aborted waiter leaves the queue at once. KEYS: 1 queue, 2 leases. ARGV: 1 ticket. */
export const releaseScript = new LuaScript(`redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('ZREM', KEYS[2], ARGV[1])
`);

/**
 * Fresh `session_start_limit` numbers from one process's `GET /gateway/bot`. Within the window the
 * stored budget knows, the lower `remaining` wins (grants only ever lower it, and another process may
 * have fetched later); a later window replaces it.
 * KEYS: 1 budget. ARGV: 1 total, 2 remaining, 3 reset after (ms), 4 window (ms).
 * Returns `{ remaining, resetAt, serverNow }`.
 */
export const configureScript = new LuaScript(`${NOW}
local total, remaining = tonumber(ARGV[1]), tonumber(ARGV[2])
local resetAt, window = now + tonumber(ARGV[3]), tonumber(ARGV[4])
local tolerance = math.min(60000, math.floor(window / 4))
local b = redis.call('HMGET', KEYS[1], 'remaining', 'resetAt')
local storedRemaining, storedReset = tonumber(b[1]), tonumber(b[2])
if storedReset ~= nil and now < storedReset and resetAt <= storedReset + tolerance then
  remaining = math.min(remaining, storedRemaining)
  resetAt = math.max(resetAt, storedReset)
end
redis.call('HSET', KEYS[1], 'total', total, 'remaining', remaining, 'resetAt', resetAt, 'windowMs', window)
return { remaining, resetAt, now }
`);
