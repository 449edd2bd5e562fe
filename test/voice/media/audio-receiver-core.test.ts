import type { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import {
  AudioReceiverCore,
  SILENCE_FRAME,
  type AudioReceiverCoreOptions,
} from '../../../src/voice/media/index.js';
import { FakeMediaClock } from './fake-media-clock.js';

function setup(options: Omit<AudioReceiverCoreOptions, 'clock'> = {}) {
  const clock = new FakeMediaClock();
  const receiver = new AudioReceiverCore({ ...options, clock });
  const events: string[] = [];
  receiver.on('speaking.start', ({ userId }) => events.push(`start:${userId}`));
  receiver.on('speaking.end', ({ userId }) => events.push(`end:${userId}`));
  return { clock, receiver, events };
}

const opus = (n: number) => Buffer.from([0xfc, n]);

/** Reads everything a stream gives until it ends, as the second bytes of the packets. */
async function drain(stream: Readable): Promise<number[]> {
  const out: number[] = [];
  for await (const packet of stream as AsyncIterable<Buffer>) out.push(packet[1] ?? -1);
  return out;
}

/** Whether the stream has ended (its 'end' event fired). */
async function ended(stream: Readable): Promise<boolean> {
  let done = false;
  stream.once('end', () => (done = true));
  stream.resume();
  await nextTurn();
  await nextTurn();
  return done;
}

describe('AudioReceiverCore', () => {
  it("delivers a user's packets to their subscription in arrival order", async () => {
    const { receiver } = setup();
    receiver.mapSsrc(11, 'alice');
    const stream = receiver.subscribe('alice');
    for (const [sequence, n] of [
      [5, 1],
      [7, 3],
      [6, 2],
    ] as const)
      receiver.push(11, sequence, sequence * 960, opus(n));
    receiver.unsubscribe('alice');
    expect(await drain(stream)).toEqual([1, 3, 2]);
  });

  it('keeps users apart', async () => {
    const { receiver } = setup();
    receiver.mapSsrc(1, 'alice');
    receiver.mapSsrc(2, 'bob');
    const alice = receiver.subscribe('alice');
    receiver.push(1, 1, 0, opus(1));
    receiver.push(2, 1, 0, opus(2));
    receiver.unsubscribe('alice');
    expect(await drain(alice)).toEqual([1]);
  });

  it('drops packets of an SSRC no op 5 mapped yet, and counts them', () => {
    const { receiver } = setup();
    expect(receiver.push(9, 1, 0, opus(1))).toBe(false);
    expect(receiver.unmapped).toBe(1);
    expect(receiver.userIdOf(9)).toBeUndefined();
  });

  it('drops duplicates by RTP sequence, across the wrap, and counts them', async () => {
    const { receiver } = setup();
    receiver.mapSsrc(1, 'alice');
    const stream = receiver.subscribe('alice');
    for (const [sequence, n] of [
      [65_535, 1],
      [0, 2],
      [65_535, 1],
      [0, 2],
      [1, 3],
    ] as const) {
      receiver.push(1, sequence, 0, opus(n));
    }
    receiver.unsubscribe('alice');
    expect(await drain(stream)).toEqual([1, 2, 3]);
    expect(receiver.duplicates).toBe(2);
  });

  it('returns the open subscription when subscribed twice', () => {
    const { receiver } = setup();
    expect(receiver.subscribe('alice')).toBe(receiver.subscribe('alice'));
  });

  it('ends a subscription after endAfterSilenceMs without audio', async () => {
    const { clock, receiver } = setup();
    receiver.mapSsrc(1, 'alice');
    const stream = receiver.subscribe('alice', { endAfterSilenceMs: 300 });
    receiver.push(1, 1, 0, opus(1));
    clock.advance(200);
    receiver.push(1, 2, 960, opus(2));
    clock.advance(299);
    expect(await ended(stream)).toBe(false);
    clock.advance(1);
    expect(await ended(stream)).toBe(true);
  });

  it('does not let silence frames hold a subscription open', async () => {
    const { clock, receiver } = setup();
    receiver.mapSsrc(1, 'alice');
    const stream = receiver.subscribe('alice', { endAfterSilenceMs: 100 });
    receiver.push(1, 1, 0, opus(1));
    for (let i = 0; i < 5; i++) {
      clock.advance(20);
      receiver.push(1, 2 + i, 0, SILENCE_FRAME);
    }
    expect(await ended(stream)).toBe(true);
  });

  it('keeps a subscription made before the user speaks open until they have spoken', async () => {
    const { clock, receiver } = setup();
    const stream = receiver.subscribe('alice', { endAfterSilenceMs: 100 });
    clock.advance(5000);
    expect(await ended(stream)).toBe(false);
  });

  it('unsubscribe() ends the stream after the packets it holds, and a new subscribe() gives a new stream', async () => {
    const { receiver } = setup();
    receiver.mapSsrc(1, 'alice');
    const first = receiver.subscribe('alice');
    receiver.push(1, 1, 0, opus(1));
    expect(receiver.unsubscribe('alice')).toBe(true);
    expect(receiver.unsubscribe('alice')).toBe(false);
    expect(await drain(first)).toEqual([1]);
    expect(receiver.subscribe('alice')).not.toBe(first);
  });

  it('a reader that destroys its stream is unsubscribed', () => {
    const { receiver } = setup();
    const stream = receiver.subscribe('alice');
    stream.destroy();
    expect(receiver.subscribe('alice')).not.toBe(stream);
  });

  it('destroy() ends every subscription and ignores later packets', async () => {
    const { receiver } = setup();
    receiver.mapSsrc(1, 'alice');
    const stream = receiver.subscribe('alice');
    receiver.destroy();
    expect(receiver.push(1, 1, 0, opus(1))).toBe(false);
    expect(await drain(stream)).toEqual([]);
    expect(() => receiver.subscribe('alice')).toThrow(InvalidArgumentError);
  });

  it('bounds what waits for a slow reader: the oldest packets are dropped and counted', async () => {
    const { receiver } = setup();
    receiver.mapSsrc(1, 'alice');
    const stream = receiver.subscribe('alice', { highWaterMark: 10 });
    for (let i = 0; i < 100; i++) receiver.push(1, i, i * 960, opus(i));
    expect(stream.dropped).toBe(90);
    receiver.unsubscribe('alice');
    expect(await drain(stream)).toEqual(Array.from({ length: 10 }, (_, i) => 90 + i));
  });

  it('loses nothing for a reader that keeps up', async () => {
    const { receiver } = setup();
    receiver.mapSsrc(1, 'alice');
    const stream = receiver.subscribe('alice', { highWaterMark: 2 });
    const got: number[] = [];
    stream.on('data', (packet: Buffer) => got.push(packet[1] ?? -1));
    for (let i = 0; i < 50; i++) {
      receiver.push(1, i, 0, opus(i));
      await nextTurn();
    }
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(stream.dropped).toBe(0);
  });

  it('emits speaking.start on the first audio packet and speaking.end after 100 ms without', () => {
    const { clock, receiver, events } = setup();
    receiver.mapSsrc(1, 'alice');
    receiver.push(1, 1, 0, opus(1));
    expect(events).toEqual(['start:alice']);
    expect(receiver.isSpeaking('alice')).toBe(true);
    clock.advance(60);
    receiver.push(1, 2, 960, opus(2));
    clock.advance(99);
    expect(events).toEqual(['start:alice']);
    clock.advance(1);
    expect(events).toEqual(['start:alice', 'end:alice']);
    expect(receiver.isSpeaking('alice')).toBe(false);
  });

  it('starts speaking again on audio after the silence window', () => {
    const { clock, receiver, events } = setup({ speakingTimeoutMs: 50 });
    receiver.mapSsrc(1, 'alice');
    receiver.push(1, 1, 0, opus(1));
    clock.advance(100);
    receiver.push(1, 2, 960, opus(2));
    expect(events).toEqual(['start:alice', 'end:alice', 'start:alice']);
  });

  it('does not start speaking on a silence frame', () => {
    const { receiver, events } = setup();
    receiver.mapSsrc(1, 'alice');
    receiver.push(1, 1, 0, SILENCE_FRAME);
    expect(events).toEqual([]);
  });

  it('moves an SSRC given to another user, ending the first one’s speaking', () => {
    const { receiver, events } = setup();
    receiver.mapSsrc(1, 'alice');
    receiver.push(1, 1, 0, opus(1));
    receiver.mapSsrc(1, 'bob');
    receiver.push(1, 2, 0, opus(2));
    expect(events).toEqual(['start:alice', 'end:alice', 'start:bob']);
    expect(receiver.userIdOf(1)).toBe('bob');
  });

  it('forgets a user on unmapUser (op 13): speaking ends and their packets count as unmapped', () => {
    const { receiver, events } = setup();
    receiver.mapSsrc(1, 'alice');
    receiver.push(1, 1, 0, opus(1));
    receiver.unmapUser('alice');
    expect(receiver.push(1, 2, 0, opus(2))).toBe(false);
    expect(events).toEqual(['start:alice', 'end:alice']);
    expect(receiver.unmapped).toBe(1);
  });

  it('refuses a negative endAfterSilenceMs', () => {
    expect(() => setup().receiver.subscribe('alice', { endAfterSilenceMs: -1 })).toThrow(
      InvalidArgumentError,
    );
  });
});
