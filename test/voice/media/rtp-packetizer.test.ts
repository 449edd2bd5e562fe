import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { RtpPacketizer } from '../../../src/voice/media/index.js';

describe('RtpPacketizer', () => {
  it('writes 0x80 0x78, the sequence, the timestamp and the SSRC, big-endian', () => {
    const header = new RtpPacketizer(0x0a0b_0c0d, { sequence: 0x0102, timestamp: 0x0304_0506 }).header();
    expect([...header]).toEqual([0x80, 0x78, 1, 2, 3, 4, 5, 6, 0x0a, 0x0b, 0x0c, 0x0d]);
  });

  it('advances the sequence by 1 and the timestamp by 960 per frame', () => {
    const packetizer = new RtpPacketizer(1, { sequence: 10, timestamp: 1000 });
    packetizer.header();
    expect(packetizer.header().readUInt16BE(2)).toBe(11);
    expect(packetizer.sequence).toBe(12);
    expect(packetizer.timestamp).toBe(1000 + 2 * 960);
  });

  it('wraps the sequence at 2^16', () => {
    const packetizer = new RtpPacketizer(1, { sequence: 0xffff, timestamp: 0 });
    expect(packetizer.header().readUInt16BE(2)).toBe(0xffff);
    expect(packetizer.header().readUInt16BE(2)).toBe(0);
  });

  it('wraps the timestamp at 2^32', () => {
    const packetizer = new RtpPacketizer(1, { sequence: 0, timestamp: 2 ** 32 - 480 });
    packetizer.header();
    expect(packetizer.header().readUInt32BE(4)).toBe(480);
  });

  it('starts both counters from the injected random source', () => {
    const packetizer = new RtpPacketizer(1, { random: () => 0.5 });
    expect(packetizer.sequence).toBe(0x8000);
    expect(packetizer.timestamp).toBe(0x8000_0000);
    const top = new RtpPacketizer(1, { random: () => 0.999_999_999_9 });
    expect(top.sequence).toBe(0xffff);
    expect(top.timestamp).toBe(0xffff_ffff);
  });

  it('writes into a caller buffer at an offset and returns 12', () => {
    const target = Buffer.alloc(20, 0xee);
    expect(new RtpPacketizer(5, { sequence: 0, timestamp: 0 }).writeHeader(target, 4)).toBe(12);
    expect(target[3]).toBe(0xee);
    expect(target[4]).toBe(0x80);
    expect(target.readUInt32BE(12)).toBe(5);
    expect(target[16]).toBe(0xee);
  });

  it('refuses a buffer without room for the header', () => {
    expect(() => new RtpPacketizer(1).writeHeader(new Uint8Array(20), 9)).toThrow(RangeError);
  });

  it('skip() moves the timestamp by 960 per frame and leaves the sequence alone', () => {
    const packetizer = new RtpPacketizer(1, { sequence: 7, timestamp: 0 });
    packetizer.skip(3);
    expect(packetizer.sequence).toBe(7);
    expect(packetizer.timestamp).toBe(2880);
  });

  it.each([
    ['an SSRC beyond u32', () => new RtpPacketizer(2 ** 32)],
    ['a negative sequence', () => new RtpPacketizer(1, { sequence: -1 })],
    ['a sequence beyond u16', () => new RtpPacketizer(1, { sequence: 0x1_0000 })],
    ['a fractional timestamp', () => new RtpPacketizer(1, { timestamp: 0.5 })],
  ])('refuses %s', (_name, make) => {
    expect(make).toThrow(InvalidArgumentError);
  });
});
