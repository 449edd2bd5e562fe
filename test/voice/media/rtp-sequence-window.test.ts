import { describe, expect, it } from 'vitest';
import { RtpSequenceWindow } from '../../../src/voice/media/rtp-sequence-window.js';

function accepted(sequences: readonly number[]): boolean[] {
  const window = new RtpSequenceWindow();
  return sequences.map((sequence) => window.accept(sequence));
}

describe('RtpSequenceWindow', () => {
  it('accepts new sequence numbers and refuses a repeat', () => {
    expect(accepted([10, 11, 11, 12])).toEqual([true, true, false, true]);
  });

  it('accepts a late packet once, and refuses its duplicate', () => {
    expect(accepted([10, 12, 11, 11, 12])).toEqual([true, true, true, false, false]);
  });

  it('counts across the wrap at 2^16', () => {
    expect(accepted([65_534, 65_535, 0, 1, 65_535, 0, 2])).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      true,
    ]);
  });

  it('accepts a late packet from before the wrap once', () => {
    expect(accepted([65_533, 0, 65_535, 65_535])).toEqual([true, true, true, false]);
  });

  it('forgets what it saw before a jump ahead, so old numbers are not mistaken for duplicates', () => {
    expect(accepted([100, 101, 400, 300, 101])).toEqual([true, true, true, true, true]);
  });

  it('treats a number far behind as a restarted sender, not a duplicate', () => {
    const window = new RtpSequenceWindow();
    expect([5000, 5001, 200, 201, 200].map((s) => window.accept(s))).toEqual([true, true, true, true, false]);
  });

  it('starts afresh after reset()', () => {
    const window = new RtpSequenceWindow();
    window.accept(7);
    window.reset();
    expect(window.accept(7)).toBe(true);
  });
});
