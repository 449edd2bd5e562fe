import { describe, expect, it } from 'vitest';
import { AudioPacer, FrameScheduler } from '../../../src/voice/media/index.js';
import { FakeMediaClock } from './fake-media-clock.js';

function setup(options: { maxBurst?: number; lateMs?: number } = {}) {
  const clock = new FakeMediaClock();
  clock.lateMs = options.lateMs ?? 0;
  const scheduler = new FrameScheduler({ clock, earlyMs: 0 });
  const ticks: { at: number; due: number }[] = [];
  const pacer = new AudioPacer((due) => ticks.push({ at: clock.now(), due }), {
    scheduler,
    ...(options.maxBurst === undefined ? {} : { maxBurst: options.maxBurst }),
  });
  return { clock, scheduler, pacer, ticks, times: () => ticks.map((tick) => tick.at) };
}

describe('AudioPacer', () => {
  it('ticks at start and then every 20 ms', () => {
    const { clock, pacer, ticks } = setup();
    clock.advance(5);
    pacer.start();
    clock.advance(100);
    expect(ticks.map((tick) => tick.due)).toEqual([5, 25, 45, 65, 85, 105]);
    // The first tick waits for the next timer turn (Node's minimum is 1 ms); the rest are on time.
    expect(ticks.map((tick) => tick.at)).toEqual([6, 25, 45, 65, 85, 105]);
  });

  it('does not drift when every timer fires late: tick n stays due at start + 20n', () => {
    const { clock, pacer, ticks } = setup({ lateMs: 3 });
    pacer.start();
    clock.advance(2000);
    expect(ticks.map((tick) => tick.due)).toEqual(Array.from({ length: ticks.length }, (_, n) => 20 * n));
    // Each tick is late by the timer's lateness only (plus 1 ms for the first), never by the sum.
    expect(Math.max(...ticks.map((tick) => tick.at - tick.due))).toBeLessThanOrEqual(4);
    expect(Math.max(...ticks.slice(1).map((tick) => tick.at - tick.due))).toBeLessThanOrEqual(3);
    expect(ticks.length).toBe(100);
  });

  it('after a short stall sends the ticks owed one per timer turn, then keeps the schedule', () => {
    const { clock, pacer, times, ticks } = setup();
    pacer.start();
    clock.advance(20);
    clock.stall(75);
    clock.advance(2);
    expect(times()).toEqual([1, 20, 95, 96, 97]);
    expect(ticks.slice(2).map((tick) => tick.due)).toEqual([40, 60, 80]);
    clock.advance(10);
    expect(times().at(-1)).toBe(100);
    expect(pacer.stats.reanchors).toBe(0);
  });

  it('after a long stall sends at most maxBurst ticks, then re-anchors instead of flooding', () => {
    const { clock, pacer, times } = setup({ maxBurst: 5 });
    pacer.start();
    clock.advance(1);
    clock.stall(1000);
    clock.advance(4);
    expect(times()).toEqual([1, 1001, 1002, 1003, 1004, 1005]);
    clock.advance(40);
    expect(times().slice(6)).toEqual([1021, 1041]);
    expect(pacer.stats).toEqual({ ticks: 8, reanchors: 1 });
  });

  it('honours a smaller maxBurst', () => {
    const { clock, pacer, times } = setup({ maxBurst: 2 });
    pacer.start();
    clock.advance(1);
    clock.stall(200);
    clock.advance(1);
    expect(times()).toEqual([1, 201, 202]);
    clock.advance(19);
    expect(times().at(-1)).toBe(221);
  });

  it('after a stall, pacers sharing a scheduler catch up in turns, one tick each per wake', () => {
    const clock = new FakeMediaClock();
    const scheduler = new FrameScheduler({ clock, earlyMs: 0 });
    const order: string[] = [];
    const pacers = ['a', 'b', 'c'].map((name) => new AudioPacer(() => order.push(name), { scheduler }));
    for (const pacer of pacers) pacer.start();
    clock.advance(1);
    order.length = 0;
    // Due at 20 and 40, so two ticks owed each at 46: every pacer's first before anyone's second.
    clock.stall(45);
    clock.advance(2);
    expect(order).toHaveLength(6);
    expect(order.slice(0, 3).sort()).toEqual(['a', 'b', 'c']);
    expect(order.slice(3).sort()).toEqual(['a', 'b', 'c']);
  });

  it('stops ticking on stop(), and anchors afresh on the next start()', () => {
    const { clock, pacer, times } = setup();
    pacer.start();
    clock.advance(30);
    pacer.stop();
    clock.advance(100);
    expect(times()).toEqual([1, 20]);
    expect(pacer.running).toBe(false);
    pacer.start();
    clock.advance(25);
    expect(times()).toEqual([1, 20, 131, 150]);
  });

  it('ends a catch-up burst when a tick stops the pacer', () => {
    const clock = new FakeMediaClock();
    const scheduler = new FrameScheduler({ clock, earlyMs: 0 });
    let count = 0;
    const pacer = new AudioPacer(
      () => {
        if (++count === 2) pacer.stop();
      },
      { scheduler },
    );
    pacer.start();
    clock.stall(100);
    clock.advance(0);
    clock.advance(100);
    expect(count).toBe(2);
  });

  it('start() while running is a no-op', () => {
    const { clock, pacer, times } = setup();
    pacer.start();
    clock.advance(10);
    pacer.start();
    clock.advance(10);
    expect(times()).toEqual([1, 20]);
  });

  it('many pacers share the one timer of their scheduler', () => {
    const clock = new FakeMediaClock();
    const scheduler = new FrameScheduler({ clock });
    const pacers = Array.from({ length: 50 }, () => new AudioPacer(() => undefined, { scheduler }));
    pacers.forEach((pacer, i) => {
      clock.advance(i % 3);
      pacer.start();
    });
    clock.advance(500);
    expect(clock.pendingTimers).toBe(1);
    expect(pacers.every((pacer) => pacer.stats.ticks >= 25)).toBe(true);
  });
});
