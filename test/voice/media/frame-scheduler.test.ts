import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameScheduler } from '../../../src/voice/media/index.js';
import { FakeMediaClock } from './fake-media-clock.js';

function setup(earlyMs = 0) {
  const clock = new FakeMediaClock();
  return { clock, scheduler: new FrameScheduler({ clock, earlyMs }) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('FrameScheduler', () => {
  it('runs a slot at its due time, with the time', () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    scheduler.slot((now) => (runs.push(now), null)).schedule(30);
    clock.advance(29);
    expect(runs).toEqual([]);
    clock.advance(1);
    expect(runs).toEqual([30]);
  });

  it('re-runs a slot at the time its run returns, until it returns null', () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    scheduler.slot((now) => (runs.push(now), runs.length < 3 ? 10 + 20 * runs.length : null)).schedule(10);
    clock.advance(200);
    expect(runs).toEqual([10, 30, 50]);
    expect(scheduler.size).toBe(0);
  });

  it('serves any number of slots from one timer', () => {
    const { clock, scheduler } = setup();
    for (let i = 0; i < 100; i++) scheduler.slot((now) => now + 20).schedule(i / 5);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1000);
    expect(clock.pendingTimers).toBe(1);
    expect(scheduler.size).toBe(100);
  });

  it('runs slots in order of due time', () => {
    const { clock, scheduler } = setup();
    const order: string[] = [];
    for (const [name, due] of [
      ['c', 15],
      ['a', 5],
      ['b', 10],
    ] as const) {
      scheduler.slot(() => (order.push(name), null)).schedule(due);
    }
    clock.advance(20);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('runs in one wake every slot due within earlyMs', () => {
    const { clock, scheduler } = setup(1);
    const runs: [string, number][] = [];
    scheduler.slot((now) => (runs.push(['a', now]), null)).schedule(10);
    scheduler.slot((now) => (runs.push(['b', now]), null)).schedule(10.8);
    scheduler.slot((now) => (runs.push(['c', now]), null)).schedule(11.5);
    clock.advance(10);
    expect(runs).toEqual([
      ['a', 10],
      ['b', 10],
    ]);
  });

  it('does not run a cancelled slot, and drops its timer when it was the only one', () => {
    const { clock, scheduler } = setup();
    const run = vi.fn(() => null);
    const slot = scheduler.slot(run);
    slot.schedule(10);
    slot.cancel();
    expect(slot.scheduled).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(50);
    expect(run).not.toHaveBeenCalled();
  });

  it('moves a slot scheduled again', () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    const slot = scheduler.slot((now) => (runs.push(now), null));
    slot.schedule(50);
    slot.schedule(10);
    clock.advance(100);
    expect(runs).toEqual([10]);
  });

  it('re-arms for an earlier slot scheduled while the timer waits for a later one', () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    scheduler.slot((now) => (runs.push(now), null)).schedule(100);
    scheduler.slot((now) => (runs.push(now), null)).schedule(5);
    clock.advance(100);
    expect(runs).toEqual([5, 100]);
  });

  it('takes a throwing slot off the schedule and runs the others on', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { clock, scheduler } = setup();
    const good: number[] = [];
    const bad = scheduler.slot(() => {
      throw new Error('listener bug');
    });
    bad.schedule(10);
    scheduler.slot((now) => (good.push(now), now + 20)).schedule(10);
    clock.advance(50);
    expect(bad.scheduled).toBe(false);
    expect(good).toEqual([10, 30, 50]);
  });

  it('runs a slot at most once per wake, so an overloaded loop still yields to I/O', () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    // Always due again at once: without the guard this would never return.
    scheduler.slot((now) => (runs++, now)).schedule(5);
    clock.advance(5);
    expect(runs).toBe(1);
    expect(clock.pendingTimers).toBe(1);
  });

  it('serves in a wake only what was due when it began; what falls due meanwhile waits for the next', () => {
    const { clock, scheduler } = setup();
    const runs: { slot: string; now: number }[] = [];
    // The first run takes 5 ms, during which the second slot falls due.
    scheduler.slot((now) => (runs.push({ slot: 'slow', now }), clock.stall(5), null)).schedule(10);
    scheduler.slot((now) => (runs.push({ slot: 'next', now }), null)).schedule(12);
    clock.advance(10);
    expect(runs).toEqual([{ slot: 'slow', now: 10 }]);
    clock.advance(1);
    expect(runs).toEqual([
      { slot: 'slow', now: 10 },
      { slot: 'next', now: 16 },
    ]);
  });

  it('keeps a slot that its own run scheduled elsewhere', () => {
    const { clock, scheduler } = setup();
    const runs: number[] = [];
    const slot = scheduler.slot((now) => {
      runs.push(now);
      if (runs.length === 1) slot.schedule(now + 7);
      return null;
    });
    slot.schedule(10);
    clock.advance(30);
    expect(runs).toEqual([10, 17]);
  });
});
