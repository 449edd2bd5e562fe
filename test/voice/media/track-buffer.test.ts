import { PassThrough, Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { isReadableStream } from '../../../src/voice/media/index.js';
import { TrackBuffer } from '../../../src/voice/media/track-buffer.js';

function take(buffer: TrackBuffer): (Uint8Array | undefined)[] {
  const out: (Uint8Array | undefined)[] = [];
  for (let packet = buffer.shift(); packet !== undefined; packet = buffer.shift()) out.push(packet);
  return out;
}

/** An async generator that counts how far it was read. */
function counting(total: number) {
  const state = { produced: 0 };
  async function* generate(): AsyncGenerator<Uint8Array> {
    while (state.produced < total) {
      await Promise.resolve();
      yield Buffer.from([++state.produced]);
    }
  }
  return { source: generate(), state };
}

describe('TrackBuffer', () => {
  it('takes the chunks of a byte-mode Readable one by one, as written', async () => {
    const stream = new PassThrough();
    stream.write(Buffer.from([1]));
    stream.write(Buffer.from([2, 2]));
    stream.end(Buffer.from([3]));
    const buffer = new TrackBuffer(stream, 10, () => undefined);
    await nextTurn();
    expect(take(buffer)).toEqual([Buffer.from([1]), Buffer.from([2, 2]), Buffer.from([3])]);
    expect(buffer.drained).toBe(true);
    expect(buffer.failed).toBe(false);
  });

  it('pauses a Readable at capacity and resumes it once half is taken', async () => {
    const stream = new PassThrough({ objectMode: true });
    for (let i = 0; i < 20; i++) stream.write(Buffer.from([i]));
    const buffer = new TrackBuffer(stream, 4, () => undefined);
    await nextTurn();
    expect(buffer.length).toBe(4);
    expect(stream.isPaused()).toBe(true);
    buffer.shift();
    expect(stream.isPaused()).toBe(true);
    buffer.shift();
    expect(stream.isPaused()).toBe(false);
    await nextTurn();
    expect(buffer.length).toBe(4);
  });

  it('reads an async iterable ahead up to capacity, and reads on once half is taken', async () => {
    const { source, state } = counting(100);
    const buffer = new TrackBuffer(source, 6, () => undefined);
    for (let i = 0; i < 10; i++) await nextTurn();
    expect(state.produced).toBe(6);
    buffer.shift();
    buffer.shift();
    for (let i = 0; i < 10; i++) await nextTurn();
    expect(state.produced).toBe(6);
    buffer.shift();
    for (let i = 0; i < 10; i++) await nextTurn();
    expect(state.produced).toBe(9);
  });

  it('calls onReadable when a packet lands in an empty buffer and when the source ends', async () => {
    const stream = new PassThrough({ objectMode: true });
    let calls = 0;
    const buffer = new TrackBuffer(stream, 10, () => calls++);
    stream.write(Buffer.from([1]));
    stream.write(Buffer.from([2]));
    await nextTurn();
    expect(calls).toBe(1);
    take(buffer);
    stream.end();
    await nextTurn();
    expect(calls).toBe(2);
  });

  it('keeps the packets read before a stream error, then reports the failure', async () => {
    const stream = new PassThrough({ objectMode: true });
    const buffer = new TrackBuffer(stream, 10, () => undefined);
    stream.write(Buffer.from([1]));
    await nextTurn();
    stream.destroy(new Error('boom'));
    await nextTurn();
    expect(buffer.drained).toBe(true);
    expect(buffer.failed).toBe(true);
    expect((buffer.error as Error).message).toBe('boom');
    expect(take(buffer)).toEqual([Buffer.from([1])]);
  });

  it('reports a rejected async iterable as a failure', async () => {
    const source = (async function* () {
      await Promise.resolve();
      yield Buffer.from([1]);
      throw new Error('decoder crashed');
    })();
    const buffer = new TrackBuffer(source, 10, () => undefined);
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(buffer.failed).toBe(true);
    expect(take(buffer)).toEqual([Buffer.from([1])]);
  });

  it('fails on a chunk that is not bytes, and skips empty ones', async () => {
    const buffer = new TrackBuffer(
      Readable.from([Buffer.alloc(0), Buffer.from([1]), 'text']),
      10,
      () => undefined,
    );
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(buffer.failed).toBe(true);
    expect(buffer.error).toBeInstanceOf(InvalidArgumentError);
    expect(take(buffer)).toEqual([Buffer.from([1])]);
  });

  it('close() destroys a Readable source', () => {
    const stream = new PassThrough({ objectMode: true });
    new TrackBuffer(stream, 10, () => undefined).close();
    expect(stream.destroyed).toBe(true);
  });

  it('close() does not wait for an async generator stuck in next()', async () => {
    let finalized = false;
    const stuck = (async function* () {
      try {
        await new Promise(() => undefined);
        yield Buffer.alloc(1);
      } finally {
        finalized = true;
      }
    })();
    const buffer = new TrackBuffer(stuck, 10, () => undefined);
    await nextTurn();
    buffer.close();
    await nextTurn();
    expect(buffer.length).toBe(0);
    expect(finalized).toBe(false);
  });

  it('refuses something that is neither an async iterable nor a Readable', () => {
    expect(
      () => new TrackBuffer([Buffer.alloc(1)] as unknown as AsyncIterable<Uint8Array>, 4, () => 0),
    ).toThrow(InvalidArgumentError);
  });
});

describe('isReadableStream', () => {
  it('recognises Node Readables and not plain async iterables', () => {
    expect(isReadableStream(Readable.from([]))).toBe(true);
    expect(isReadableStream((async function* () {})())).toBe(false);
    expect(isReadableStream(null)).toBe(false);
  });
});
