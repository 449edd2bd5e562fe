import type { RESTGetAPIGatewayBotResult, RESTGetAPIGatewayResult } from 'discord-api-types/v10';

/** A parsed body of the documented shape, or why it is not. */
export type Validated<T> = { ok: true; value: T } | { ok: false; reason: string };

/** `GET /gateway` → `{ url }` (protocol §1.1). Only the documented fields are kept. */
export function validateGateway(body: unknown): Validated<RESTGetAPIGatewayResult> {
  if (!isRecord(body)) return fail('the body is not a JSON object');
  const url = body['url'];
  if (!isGatewayUrl(url)) return fail('"url" is not a ws:// or wss:// URL');
  return { ok: true, value: { url } };
}

/**
 * `GET /gateway/bot` → `{ url, shards, session_start_limit: { total, remaining, reset_after,
 * max_concurrency } }` (protocol §1.1; `reset_after` is in milliseconds). Only documented fields are kept.
 */
export function validateGatewayBot(body: unknown): Validated<RESTGetAPIGatewayBotResult> {
  const gateway = validateGateway(body);
  if (!gateway.ok) return gateway;
  const record = body as Record<string, unknown>;
  const shards = record['shards'];
  if (!isInteger(shards, 1)) return fail('"shards" is not a positive integer');
  const limit = record['session_start_limit'];
  if (!isRecord(limit)) return fail('"session_start_limit" is not an object');
  const { total, remaining, reset_after, max_concurrency } = limit;
  if (!isInteger(total, 0)) return fail('"session_start_limit.total" is not a non-negative integer');
  if (!isInteger(remaining, 0)) return fail('"session_start_limit.remaining" is not a non-negative integer');
  if (!isInteger(reset_after, 0))
    return fail('"session_start_limit.reset_after" is not a non-negative integer');
  if (!isInteger(max_concurrency, 1)) {
    return fail('"session_start_limit.max_concurrency" is not a positive integer');
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

function isInteger(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
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
