import { describe, expect, it } from 'vitest';
import { heartbeatReserveFor, SendWindow } from '../../src/gateway/outbound/index.js';

/** A window of `limit` per 1000 ms with records made at the given times, observed at `now`. */
function windowWith(limit: number, recordsAt: readonly number[], now: number) {
  let time = 0;
  const window = new SendWindow({ limit, windowMs: 1000, now: () => time });
  for (const at of recordsAt) {
    time = at;
    window.record();
  }
  time = now;
  return window;
}

describe('SendWindow', () => {
  const every5ms = Array.from({ length: 120 }, (_, i) => i * 5);
  it.each([
    { limit: 3, at: [], now: 0, reserve: 0, used: 0, canSend: true, wait: 0 },
    { limit: 3, at: [0, 0], now: 0, reserve: 0, used: 2, canSend: true, wait: 0 },
    { limit: 3, at: [0, 0, 0], now: 0, reserve: 0, used: 3, canSend: false, wait: 1000 },
    { limit: 3, at: [0, 100, 200], now: 999, reserve: 0, used: 3, canSend: false, wait: 1 },
    { limit: 3, at: [0, 100, 200], now: 1000, reserve: 0, used: 2, canSend: true, wait: 0 },
    { limit: 3, at: [0, 100, 200], now: 500, reserve: 1, used: 3, canSend: false, wait: 600 },
    { limit: 3, at: [0, 100], now: 500, reserve: 1, used: 2, canSend: false, wait: 500 },
    { limit: 3, at: [0, 100], now: 500, reserve: 2, used: 2, canSend: false, wait: 600 },
    { limit: 3, at: [0, 100, 200], now: 1150, reserve: 1, used: 1, canSend: true, wait: 0 },
    { limit: 3, at: [], now: 0, reserve: 3, used: 0, canSend: false, wait: Infinity },
    // With 4 reserved, 5 of the 120 must leave; the 5th oldest was recorded at 20.
    { limit: 120, at: every5ms, now: 595, reserve: 4, used: 120, canSend: false, wait: 425 },
  ])(
    'limit $limit, $at.length records, at $now with reserve $reserve: used $used, canSend $canSend, wait $wait ms',
    ({ limit, at, now, reserve, used, canSend, wait }) => {
      const window = windowWith(limit, at, now);
      expect(window.used()).toBe(used);
      expect(window.canSend(reserve)).toBe(canSend);
      expect(window.msUntilSlot(reserve)).toBe(wait);
    },
  );

  it('counts a record until exactly windowMs after it', () => {
    expect(windowWith(1, [0], 999).canSend()).toBe(false);
    expect(windowWith(1, [0], 1000).canSend()).toBe(true);
  });

  it('refuses to record into a full window', () => {
    expect(() => windowWith(2, [0, 0], 10).record()).toThrow(RangeError);
  });

  it('keeps working after wrapping around its ring many times', () => {
    const times = Array.from({ length: 50 }, (_, i) => i * 400);
    const window = windowWith(3, times, times.at(-1) ?? 0);
    expect(window.used()).toBe(3);
    expect(window.msUntilSlot()).toBe(200);
  });

  it('forgets every record on reset()', () => {
    const window = windowWith(2, [0, 0], 0);
    window.reset();
    expect(window.used()).toBe(0);
    expect(window.canSend()).toBe(true);
  });
});

describe('heartbeatReserveFor', () => {
  it.each([
    [41_250, 3],
    [45_000, 3],
    [60_000, 2],
    [30_000, 3],
    [29_999, 4],
    [10_000, 7],
  ])('keeps %i ms heartbeats %i slots per minute', (interval, reserve) => {
    expect(heartbeatReserveFor(interval)).toBe(reserve);
  });
});
