import type { IncomingHttpHeaders } from 'node:http';

/** Used when a 429 carries no usable wait at all. */
export const DEFAULT_RETRY_AFTER_MS = 1_000;

/**
 * How long a 429 asks to wait, in milliseconds. Discord puts `retry_after` (seconds, may be
 * fractional) in the JSON body and `Retry-After` (seconds) in the headers; the body is more precise,
 * so it wins. `Retry-After` may also be an HTTP date (RFC 9110 §10.2.3); `X-RateLimit-Reset-After`
 * (seconds) is the last resort, {@link DEFAULT_RETRY_AFTER_MS} the fallback.
 */
export function retryAfterMs(body: unknown, headers: IncomingHttpHeaders, now: number = Date.now()): number {
  const fromBody = isRecord(body) ? seconds(body['retry_after']) : undefined;
  if (fromBody !== undefined) return fromBody;
  const header = firstHeader(headers['retry-after']);
  const fromHeader = seconds(header);
  if (fromHeader !== undefined) return fromHeader;
  if (header !== undefined) {
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  return seconds(firstHeader(headers['x-ratelimit-reset-after'])) ?? DEFAULT_RETRY_AFTER_MS;
}

/** Whether a 429's body says `global: true` (the bot's global REST limit). */
export function isGlobalRateLimit(body: unknown, headers: IncomingHttpHeaders): boolean {
  return (isRecord(body) && body['global'] === true) || firstHeader(headers['x-ratelimit-global']) === 'true';
}

/** `X-RateLimit-Scope` of a 429, or null. */
export function rateLimitScope(headers: IncomingHttpHeaders): string | null {
  return firstHeader(headers['x-ratelimit-scope']) ?? null;
}

function seconds(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) return undefined;
  return Math.ceil(number * 1000);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
