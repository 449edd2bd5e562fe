import { describe, expect, it } from 'vitest';
import { backoffDelay, firstHeartbeatDelay, invalidSessionDelay } from '../../machines/index.js';

const policy = { baseMs: 1_000, maxMs: 60_000 };
/** The largest value an injected `Math.random` can return. */
const almostOne = 1 - Number.EPSILON;

describe('backoffDelay', () => {
  it.each([
    [1, 0, 0],
    [1, 0.5, 500],
    [1, almostOne, 999],
    [2, 0.5, 1_000],
    [2, almostOne, 1_999],
    [3, 0.5, 2_000],
    [4, 0.5, 4_000],
    [5, 0.5, 8_000],
    [6, 0.5, 16_000],
    [7, 0.5, 30_000], // ceiling 60 000 reached at attempt 7 (base × 64 = 64 000)
    [7, almostOne, 59_999],
    [8, 0.5, 30_000],
  ])('attempt %i with random %d waits %i ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, policy, random)).toBe(expected);
  });

  it('attempt 1 waits in [0, base)', () => {
    for (const random of [0, 0.1, 0.5, 0.9, almostOne]) {
      const delay = backoffDelay(1, policy, random);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(policy.baseMs);
    }
  });

  it('the ceiling doubles with each attempt until it reaches max', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffDelay(attempt, policy, almostOne) + 1);
    expect(ceilings).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('attempt 0 (or below) is treated as the first attempt', () => {
    expect(backoffDelay(0, policy, 0.5)).toBe(500);
    expect(backoffDelay(-3, policy, 0.5)).toBe(500);
  });

  it.each([64, 1_024, 1_025, 10_000, Number.MAX_SAFE_INTEGER])(
    'a huge attempt (%i) does not overflow: it waits below max',
    (attempt) => {
      const delay = backoffDelay(attempt, policy, almostOne);
      expect(Number.isFinite(delay)).toBe(true);
      expect(delay).toBe(59_999);
    },
  );

  it.each([
    [-1, 0],
    [Number.NaN, 0],
    [Number.NEGATIVE_INFINITY, 0],
    [1, 59_999],
    [2, 59_999],
    [Number.POSITIVE_INFINITY, 0],
  ])('a random value out of [0, 1) (%d) is clamped: waits %i ms at the ceiling', (random, expected) => {
    expect(backoffDelay(100, policy, random)).toBe(expected);
  });

  it('a zero base waits 0 ms even for a huge attempt (not NaN)', () => {
    expect(backoffDelay(1_025, { baseMs: 0, maxMs: 60_000 }, 0.5)).toBe(0);
  });

  it('returns whole milliseconds', () => {
    expect(Number.isInteger(backoffDelay(3, { baseMs: 333, maxMs: 10_000 }, 0.123))).toBe(true);
  });
});

describe('firstHeartbeatDelay', () => {
  it.each([
    [41_250, 0, 0],
    [41_250, 0.5, 20_625],
    [41_250, 0.25, 10_312],
    [45_000, almostOne, 44_999],
    [41_250, 1, 41_249],
    [41_250, -0.5, 0],
    [41_250, Number.NaN, 0],
  ])('interval %i with random %d waits %i ms', (interval, random, expected) => {
    expect(firstHeartbeatDelay(interval, random)).toBe(expected);
  });

  it('is always below the interval', () => {
    for (const random of [0, 0.3, 0.999, almostOne, 1, 7]) {
      expect(firstHeartbeatDelay(41_250, random)).toBeLessThan(41_250);
    }
  });
});

describe('invalidSessionDelay', () => {
  it.each([
    [0, 1_000],
    [0.25, 2_000],
    [0.5, 3_000],
    [almostOne, 4_999],
    [1, 4_999],
    [-1, 1_000],
    [Number.NaN, 1_000],
  ])('random %d waits %i ms', (random, expected) => {
    expect(invalidSessionDelay(random)).toBe(expected);
  });

  it('always waits between 1 and 5 s', () => {
    for (let i = 0; i <= 100; i++) {
      const delay = invalidSessionDelay(i / 100);
      expect(delay).toBeGreaterThanOrEqual(1_000);
      expect(delay).toBeLessThanOrEqual(5_000);
    }
  });

  it('accepts other bounds', () => {
    expect(invalidSessionDelay(0.5, 5_000, 7_000)).toBe(6_000);
  });
});
