import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_AFTER_MS,
  isGlobalRateLimit,
  rateLimitScope,
  retryAfterMs,
} from '../../src/http/retry-after.js';
import { REDACTED, redact, sanitizeError } from '../../src/http/redact.js';

describe('retryAfterMs', () => {
  it('prefers the body retry_after (seconds, fractional) and rounds up to whole ms', () => {
    expect(retryAfterMs({ retry_after: 0.3335 }, { 'retry-after': '9' })).toBe(334);
  });

  it('falls back to Retry-After seconds, then an HTTP date, then X-RateLimit-Reset-After', () => {
    expect(retryAfterMs(undefined, { 'retry-after': '2' })).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({}, { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000);
    expect(retryAfterMs({}, { 'x-ratelimit-reset-after': '1.25' })).toBe(1250);
  });

  it('ignores negative or non-numeric values', () => {
    expect(retryAfterMs({ retry_after: -1 }, { 'retry-after': 'soon' })).toBe(DEFAULT_RETRY_AFTER_MS);
    expect(retryAfterMs({ retry_after: '1' }, {})).toBe(1000);
    expect(retryAfterMs(null, {})).toBe(DEFAULT_RETRY_AFTER_MS);
  });

  it('reads global and scope', () => {
    expect(isGlobalRateLimit({ global: true }, {})).toBe(true);
    expect(isGlobalRateLimit({}, { 'x-ratelimit-global': 'true' })).toBe(true);
    expect(isGlobalRateLimit({ global: false }, {})).toBe(false);
    expect(rateLimitScope({ 'x-ratelimit-scope': 'shared' })).toBe('shared');
    expect(rateLimitScope({})).toBeNull();
  });
});

describe('redact and sanitizeError', () => {
  it('replaces every occurrence', () => {
    expect(redact('a SECRET b SECRET', 'SECRET')).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(redact('unchanged', '')).toBe('unchanged');
  });

  it('copies only safe fields, recursively through cause and AggregateError', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED SECRET'), {
      code: 'ECONNREFUSED',
      port: 1,
      request: { headers: { authorization: 'Bot SECRET' } },
    });
    const outer = new AggregateError([inner], 'all failed', { cause: new Error('why SECRET') });
    const copy = sanitizeError(outer, 'SECRET');
    expect(copy).toBeInstanceOf(AggregateError);
    expect(copy.message).toBe('all failed');
    expect((copy.cause as Error).message).toBe(`why ${REDACTED}`);
    const [innerCopy] = (copy as AggregateError).errors as Error[];
    expect(innerCopy).toMatchObject({
      message: `connect ECONNREFUSED ${REDACTED}`,
      code: 'ECONNREFUSED',
      port: 1,
    });
    expect(innerCopy).not.toHaveProperty('request');
    expect(sanitizeError('plain SECRET', 'SECRET').message).toBe(`plain ${REDACTED}`);
  });
});
