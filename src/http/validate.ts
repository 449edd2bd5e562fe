import type { RESTGetAPIGatewayBotResult, RESTGetAPIGatewayResult } from 'discord-api-types/v10';

/** A parsed body of the documented shape, or why it is not. */
export type Validated<T> = { ok: true; value: T } | { ok: false; reason: string };

/** `GET /gateway` → `{ url }` (`docs/protocol/gateway.md` §1.1). Only the documented fields are kept. */
export function validateGateway(body: unknown): Validated<RESTGetAPIGatewayResult> {
  if (!isRecord(body)) return fail('the body is not a JSON object');
  const url = body['url'];
  if (!isGatewayUrl(url)) return fail('"url" is not a ws:// or wss:// URL');
  return { ok: true, value: { url } };
}

/**
 * The largest `shards` (and `max_concurrency`) accepted from `GET /gateway/bot`: 2^20 = 1 048 576.
 * A sanity bound of the protocol, not of a process. Discord's largest bots run tens of thousands of
 * shards (2500 guilds per shard at most, docs/protocol/gateway.md §6), and 2^20 is still twenty times
 * 50 000; yet it rejects values no bot can have (1e9, 2^53 − 1), which would make anything that
 * loops or allocates per shard run for hours or run out of memory. How many shards one process can
 * run is a different, much smaller bound: the manager's `maxShards`.
 */
export const MAX_GATEWAY_SHARDS = 1_048_576;

/**
 * `GET /gateway/bot` → `{ url, shards, session_start_limit: { total, remaining, reset_after,
 * max_concurrency } }` (`docs/protocol/gateway.md` §1.1; `reset_after` is in milliseconds). Only
 * documented fields are kept. `shards` and `max_concurrency` are integers from 1 to
 * {@link MAX_GATEWAY_SHARDS}; the other counts are non-negative safe integers.
 */
export function validateGatewayBot(body: unknown): Validated<RESTGetAPIGatewayBotResult> {
  const gateway = validateGateway(body);
  if (!gateway.ok) return gateway;
  const record = body as Record<string, unknown>;
  const shards = record['shards'];
  if (!isInteger(shards, 1, MAX_GATEWAY_SHARDS))
    return fail(`"shards" is not an integer from 1 to ${MAX_GATEWAY_SHARDS}`);
  const limit = record['session_start_limit'];
  if (!isRecord(limit)) return fail('"session_start_limit" is not an object');
  const { total, remaining, reset_after, max_concurrency } = limit;
  if (!isInteger(total, 0)) return fail('"session_start_limit.total" is not a non-negative integer');
  if (!isInteger(remaining, 0)) return fail('"session_start_limit.remaining" is not a non-negative integer');
  if (!isInteger(reset_after, 0))
    return fail('"session_start_limit.reset_after" is not a non-negative integer');
  // Buckets are `shard_id % max_concurrency` (docs/protocol/gateway.md §5): more buckets than the
  // shard bound is no real value.
  if (!isInteger(max_concurrency, 1, MAX_GATEWAY_SHARDS)) {
    return fail(`"session_start_limit.max_concurrency" is not an integer from 1 to ${MAX_GATEWAY_SHARDS}`);
  }
  return {
    ok: true,
    value: {
      url: gateway.value.url,
      shards,
      session_start_limit: { total, remaining, reset_after, max_concurrency },
    },
  };
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

function isGatewayUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const protocol = new URL(value).protocol;
    return protocol === 'wss:' || protocol === 'ws:';
  } catch {
    return false;
  }
}
